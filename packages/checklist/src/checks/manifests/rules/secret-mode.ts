import type { Finding } from '../../../types.js';
import { at, get, isObj, list, podSpecPath, ref, type K8sObject } from '../objects.js';
import type { ManifestParams } from '../params.js';

const octal = (n: number) => `0${n.toString(8)}`;

/**
 * Secret volumes grant no more than `secretMode` (0400). Kubernetes reads YAML 1.1, so `0400` is
 * octal (256); a decimal `400` is 0620 (group-writable), a classic slip reported as such. The
 * default when unset is 0644 (world-readable).
 */
export function checkSecretMode(objects: K8sObject[], p: ManifestParams): Finding[] {
  const out: Finding[] = [];
  let seen = 0;
  const judge = (o: K8sObject, path: (string | number)[], mode: unknown, what: string) => {
    seen++;
    if (mode === undefined) {
      out.push(
        at(
          o,
          path,
          'fail',
          `${what} has no defaultMode: files default to 0644 (world-readable); set defaultMode: 0400`,
        ),
      );
      return;
    }
    const n = typeof mode === 'number' ? mode : NaN;
    if (!Number.isInteger(n) || n < 0 || n > 0o777) {
      out.push(at(o, [...path, 'defaultMode'], 'fail', `${what}: defaultMode ${String(mode)} is not a file mode`));
    } else if ((n & ~p.secretMode) !== 0) {
      const hint = /^[0-7]{3}$/.test(String(n))
        ? ` (decimal ${n} is ${octal(n)}; write 0${n} in YAML or ${parseInt(String(n), 8)} in JSON)`
        : '';
      out.push(
        at(
          o,
          [...path, 'defaultMode'],
          'fail',
          `${what}: mode ${octal(n)} is more permissive than ${octal(p.secretMode)}${hint}`,
        ),
      );
    } else {
      out.push({ level: 'pass', message: `${ref(o)}: ${what} mode ${octal(n)}` });
    }
  };
  for (const o of objects) {
    const spec = podSpecPath(o);
    if (!spec) continue;
    list(get(o.value, [...spec, 'volumes'])).forEach((v, i) => {
      if (!isObj(v)) return;
      const path = [...spec, 'volumes', i];
      if (isObj(v.secret)) judge(o, [...path, 'secret'], v.secret.defaultMode, `secret volume ${String(v.name)}`);
      if (isObj(v.projected) && list(v.projected.sources).some((s) => isObj(s) && isObj(s.secret))) {
        judge(o, [...path, 'projected'], v.projected.defaultMode, `projected volume ${String(v.name)}`);
      }
    });
  }
  if (seen === 0) out.push({ level: 'pass', message: 'no secret volumes' });
  return out;
}
