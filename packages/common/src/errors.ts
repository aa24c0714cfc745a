/** Where in a file something is, 1-based as editors and GitHub annotations count. */
export interface SourceLocation {
  file: string;
  line?: number;
  column?: number;
}

/** An annotation the action should attach to a file (and line) when it fails or warns. */
export interface Annotation extends SourceLocation {
  level: 'error' | 'warning' | 'notice';
  message: string;
  title?: string;
  endLine?: number;
}

/**
 * An expected failure: bad input, a failed check, a rolled-back deploy. The action reports its
 * message as one line (plus its annotations) and never prints a stack trace for it.
 */
export class ActionError extends Error {
  readonly annotations: Annotation[];
  constructor(message: string, options: { annotations?: Annotation[]; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ActionError';
    this.annotations = options.annotations ?? [];
  }
}

/** A bad action input; the message always names the input. */
export class InputError extends ActionError {
  readonly input: string;
  constructor(input: string, problem: string) {
    super(`Input '${input}': ${problem}`);
    this.name = 'InputError';
    this.input = input;
  }
}

/** A problem at a place in a file (spec, manifest, migration): the message starts with file:line:column. */
export class SourceError extends ActionError {
  readonly location: SourceLocation;
  constructor(location: SourceLocation, problem: string) {
    super(`${formatLocation(location)}: ${problem}`, {
      annotations: [{ level: 'error', message: problem, ...location }],
    });
    this.name = 'SourceError';
    this.location = location;
  }
}

/** The action was stopped: by its `timeout` or by the runner cancelling the job. */
export class AbortedError extends ActionError {
  readonly reason: 'timeout' | 'cancelled';
  constructor(reason: 'timeout' | 'cancelled', message: string) {
    super(message);
    this.name = 'AbortedError';
    this.reason = reason;
  }
}

export function formatLocation(loc: SourceLocation): string {
  let s = loc.file;
  if (loc.line !== undefined) {
    s += `:${loc.line}`;
    if (loc.column !== undefined) s += `:${loc.column}`;
  }
  return s;
}

/** The one way to turn anything thrown into a message (catch (e: unknown)). */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === 'string') return e;
  try {
    return JSON.stringify(e) ?? String(e);
  } catch {
    return String(e);
  }
}

export function isActionError(e: unknown): e is ActionError {
  return e instanceof ActionError;
}
