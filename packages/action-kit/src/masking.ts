import * as core from '@actions/core';
import { passwordsInText, redactText, secretVariants } from '@ralph-deploy/common';

/**
 * Every secret this process has seen. The runner masks registered values in the log; the kit also
 * redacts them from everything it writes itself (summary, outputs, annotations, errors, reports),
 * which the runner does not scrub.
 */
const registry = new Set<string>();

/** Registers a secret (and every printable variant of it) before anything can log it. */
export function mask(secret: string | undefined): void {
  if (!secret) return;
  for (const v of [...secretVariants(secret), ...passwordsInText(secret)]) {
    if (registry.has(v)) continue;
    registry.add(v);
    // Multi-line secrets are masked line by line, as the runner requires.
    for (const line of v.split(/\r?\n/)) if (line.trim().length >= 3) core.setSecret(line);
  }
}

/** Removes every registered secret (and any URL password) from a text. */
export function redact(text: string): string {
  const extra = passwordsInText(text);
  for (const p of extra) mask(p);
  return redactText(text, registry);
}

export function containsSecret(text: string): boolean {
  for (const s of registry) if (text.includes(s)) return true;
  return passwordsInText(text).length > 0;
}

/** For tests of the kit itself. */
export function registeredSecrets(): string[] {
  return [...registry];
}
