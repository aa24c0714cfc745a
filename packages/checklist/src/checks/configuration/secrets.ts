import type { EnvEntry } from './env-file.js';

/** Key names whose values are credentials. */
const SECRET_KEY_NAME =
  /(^|_)(SECRET|SECRETS|PASSWORD|PASSWD|PWD|TOKEN|API_?KEY|PRIVATE_?KEY|ENCRYPTION_?KEY|SIGNING_?KEY|CREDENTIALS?|AUTH)(_|$)/i;

/** Values that point at a secret store instead of holding the secret. */
const REFERENCE = [
  /^arn:aws[a-z-]*:(secretsmanager|ssm|kms):/,
  /^(vault|ssm|secretsmanager|sm|gcp-sm|azure-kv|op|doppler|sops):/i,
  /^projects\/[^/]+\/secrets\//,
  /^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/,
];

/** Token formats that are credentials whatever the key is called. */
const TOKEN_PATTERNS: [RegExp, string][] = [
  [/\bAKIA[0-9A-Z]{16}\b/, 'an AWS access key id'],
  [/\bsk-(ant-)?[A-Za-z0-9_-]{20,}/, 'an API key (sk-...)'],
  [/\b(ghp|gho|ghs|ghu|ghr)_[A-Za-z0-9]{30,}|\bgithub_pat_[A-Za-z0-9_]{30,}/, 'a GitHub token'],
  [/\bxox[abprs]-[A-Za-z0-9-]{10,}/, 'a Slack token'],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'a private key'],
  [/\bAIza[0-9A-Za-z_-]{35}\b/, 'a Google API key'],
];

export interface SecretProblem {
  key: string;
  line: number;
  column: number;
  /** Never contains the value. */
  message: string;
  /** The text to mask before anything is logged. */
  secret?: string;
}

export function isReference(value: string): boolean {
  return REFERENCE.some((r) => r.test(value.trim()));
}

export function isSecretKeyName(key: string): boolean {
  return SECRET_KEY_NAME.test(key);
}

function urlPassword(value: string): string | undefined {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return undefined;
  try {
    const u = new URL(value);
    return u.password !== '' ? u.password : undefined;
  } catch {
    const m = /^[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:([^@/\s]+)@/i.exec(value);
    return m?.[1];
  }
}

/**
 * Committed secrets in an env file: literal credential values, passwords inside URLs, and shell
 * command substitutions (`$(openssl rand ...)`) that an env file never evaluates — the application
 * would get the literal text, identical on every deployment. Messages never include the value.
 */
export function findCommittedSecrets(entries: EnvEntry[]): SecretProblem[] {
  const out: SecretProblem[] = [];
  for (const e of entries) {
    const where = { key: e.key, line: e.line, column: e.column };
    if (/\$\(|`/.test(e.raw) && !(e.quoted && e.raw.startsWith("'"))) {
      out.push({
        ...where,
        message: `${e.key} uses shell command substitution, which an env file never evaluates: the value is that literal text on every deployment; store a generated value in the secret manager and reference it`,
      });
      continue;
    }
    if (e.value === '' || isReference(e.value)) continue;
    const pw = urlPassword(e.value);
    if (pw !== undefined) {
      out.push({
        ...where,
        message: `${e.key} embeds a password in its URL; keep the password in the secret manager and inject it at run time`,
        secret: pw,
      });
      continue;
    }
    const token = TOKEN_PATTERNS.find(([re]) => re.test(e.value));
    if (token) {
      out.push({ ...where, message: `${e.key} holds ${token[1]} in plain text`, secret: e.value });
      continue;
    }
    if (isSecretKeyName(e.key)) {
      out.push({
        ...where,
        message: `${e.key} holds a literal secret value; reference it from the secret manager instead`,
        secret: e.value,
      });
    }
  }
  return out;
}
