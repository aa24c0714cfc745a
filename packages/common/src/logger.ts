/**
 * What a domain package may do to talk to the user. Actions pass action-kit's implementation (which
 * writes workflow commands); tests pass `memoryLogger()`. Domain packages never import @actions/core.
 */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warning(message: string): void;
  /** Registers a secret discovered at run time (a generated password, a token) before it can be logged. */
  mask(secret: string): void;
  /** Runs `fn` inside a collapsible log group. */
  group<T>(name: string, fn: () => Promise<T>): Promise<T>;
}

export interface MemoryLogger extends Logger {
  lines: string[];
  secrets: string[];
}

/** A Logger that records lines in memory, for unit tests and for libraries used outside actions. */
export function memoryLogger(echo = false): MemoryLogger {
  const lines: string[] = [];
  const secrets: string[] = [];
  const push = (level: string, m: string) => {
    lines.push(`${level}: ${m}`);
    if (echo) console.log(`${level}: ${m}`);
  };
  return {
    lines,
    secrets,
    debug: (m) => push('debug', m),
    info: (m) => push('info', m),
    warning: (m) => push('warning', m),
    mask: (s) => {
      secrets.push(s);
    },
    group: async (name, fn) => {
      push('group', name);
      return fn();
    },
  };
}
