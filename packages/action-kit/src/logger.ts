import * as core from '@actions/core';
import type { Logger } from '@ralph-deploy/common';
import { mask, redact } from './masking.js';

/** The Logger domain packages receive: workflow commands, with secrets redacted defensively. */
export const actionLogger: Logger = {
  debug: (m) => core.debug(redact(m)),
  info: (m) => core.info(redact(m)),
  warning: (m) => core.warning(redact(m)),
  mask,
  group: (name, fn) => core.group(redact(name), fn),
};
