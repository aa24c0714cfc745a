import { isReference } from './secrets.js';
import type { EnvKeySpec } from './schema.js';

/** A problem with one value ('warn' for doubtful but usable values); undefined when it is fine. */
export type ValueProblem = { level: 'fail' | 'warn'; message: string } | undefined;

const fail = (message: string): ValueProblem => ({ level: 'fail', message });
const HOST = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;
const RATE_PART = /^\s*(\d+)\s*(?:\/|per)\s*(\d+\s*)?(second|minute|hour|day|month|year)s?\s*$/i;

function checkNumber(n: number, spec: EnvKeySpec, shown: string): ValueProblem {
  if (spec.min !== undefined && n < spec.min) return fail(`${shown} is below the minimum ${spec.min}`);
  if (spec.max !== undefined && n > spec.max) return fail(`${shown} is above the maximum ${spec.max}`);
  return undefined;
}

/** A secret-manager ARN whose region and account are real values, not the guide's placeholders. */
function checkArn(value: string): ValueProblem {
  const m = /^arn:(aws[a-z-]*):([a-z0-9-]+):([^:]*):([^:]*):(.+)$/.exec(value);
  if (!m) return undefined;
  if (!/^[a-z]{2}(-gov)?-[a-z]+-\d$/.test(m[3] as string))
    return { level: 'warn', message: `ARN region "${m[3]}" is not an AWS region (a placeholder?)` };
  if (!/^\d{12}$/.test(m[4] as string))
    return { level: 'warn', message: `ARN account "${m[4]}" is not a 12-digit account id (a placeholder?)` };
  return undefined;
}

/** Checks one value against its spec. `value` may be secret: messages never repeat it for secret refs and URLs. */
export function checkValue(key: string, value: string, spec: EnvKeySpec): ValueProblem {
  const v = value.trim();
  switch (spec.type) {
    case 'string':
      return v === '' && spec.required ? fail(`${key} is empty`) : undefined;
    case 'int':
      if (!/^[+-]?\d+$/.test(v)) return fail(`${key}="${v}" is not a whole number`);
      return checkNumber(Number(v), spec, `${key}=${v}`);
    case 'number':
      if (v === '' || !Number.isFinite(Number(v))) return fail(`${key}="${v}" is not a number`);
      return checkNumber(Number(v), spec, `${key}=${v}`);
    case 'port':
      if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 65_535) return fail(`${key}="${v}" is not a TCP port`);
      return undefined;
    case 'boolean':
      return /^(true|false|1|0|yes|no)$/i.test(v) ? undefined : fail(`${key}="${v}" is not a boolean (true or false)`);
    case 'enum': {
      const values = spec.values ?? [];
      const ok = spec.caseInsensitive ? values.some((x) => x.toLowerCase() === v.toLowerCase()) : values.includes(v);
      return ok ? undefined : fail(`${key}="${v}" is not one of ${values.join(', ')}`);
    }
    case 'url': {
      if (isReference(v)) return undefined;
      let u: URL;
      try {
        u = new URL(v);
      } catch {
        return fail(`${key} is not a valid URL`);
      }
      const scheme = u.protocol.replace(/:$/, '');
      if (spec.schemes && !spec.schemes.includes(scheme))
        return fail(`${key} uses ${scheme}:, expected ${spec.schemes.join(' or ')}`);
      if (u.hostname === '') return fail(`${key} has no host`);
      return undefined;
    }
    case 'rate-limit': {
      const parts = v.split(/[;,]/).filter((s) => s.trim() !== '');
      if (parts.length === 0 || !parts.every((p) => RATE_PART.test(p)))
        return fail(`${key}="${v}" is not a rate limit such as 100/minute`);
      return undefined;
    }
    case 'hosts': {
      const hosts = v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      if (hosts.length === 0) return fail(`${key} lists no host`);
      if (hosts.includes('*')) return fail(`${key} allows any host (*)`);
      const bad = hosts.find((h) => !HOST.test(h.replace(/^\*\.|^\./, '')));
      return bad ? fail(`${key}: "${bad}" is not a host name`) : undefined;
    }
    case 'origins': {
      const origins = v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      if (origins.includes('*')) return fail(`${key} allows every origin (*)`);
      for (const o of origins) {
        let u: URL;
        try {
          u = new URL(o);
        } catch {
          return fail(`${key}: "${o}" is not an origin such as https://app.example.com`);
        }
        if (u.protocol !== 'https:') return fail(`${key}: "${o}" is not https`);
        if (u.pathname !== '/' || o.endsWith('/') || u.search !== '' || u.username !== '')
          return fail(`${key}: "${o}" is not a bare origin (scheme://host[:port])`);
      }
      return undefined;
    }
    case 'secret-ref':
      if (v === '') return undefined;
      // A literal value is reported by the committed-secrets scan; here only the reference's shape.
      return isReference(v) ? checkArn(v) : undefined;
  }
}
