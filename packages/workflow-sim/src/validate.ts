import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { NoOperationTraceWriter, convertWorkflowTemplate, parseWorkflow } from '@actions/workflow-parser';

/** Parses a workflow with GitHub's own parser and returns its errors ("file: message"). */
export async function validateWorkflow(file: string): Promise<string[]> {
  const parsed = parseWorkflow(
    { name: basename(file), content: readFileSync(file, 'utf8') },
    new NoOperationTraceWriter(),
  );
  const errors = parsed.context.errors.getErrors().map((e) => `${file}: ${e.message}`);
  if (errors.length > 0 || !parsed.value) return errors;
  const template = await convertWorkflowTemplate(parsed.context, parsed.value);
  return (template.errors ?? []).map((e) => `${file}: ${e.Message}`);
}
