export { runAction, setOutput, annotate, type ActionContext, type ActionDefinition, type OutputValue } from './run.js';
export { Summary, statusMark, cell, type CheckStatus, type ChecklistItem } from './summary.js';
export { mask, redact } from './masking.js';
export { actionLogger } from './logger.js';
export { runContext, type RunContext } from './context.js';
export { exec, type ExecOptions, type ExecResult } from './exec.js';
export { readInputs } from './inputs.js';
