/** The API server's validation for the fields workloads rely on; failures become 422 Invalid with causes. */
import { isDeepStrictEqual } from 'node:util';
import type { StatusCause } from './errors.js';
import { requirementsOf, selectorMatches, SelectorSyntaxError } from './selectors.js';
import { isObject, type JsonObject, type KubeObject, type LabelSelector } from './types.js';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

function invalidValue(field: string, value: unknown, detail: string): StatusCause {
  return { reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(value)}: ${detail}`, field };
}

function required(field: string): StatusCause {
  return { reason: 'FieldValueRequired', message: 'Required value', field };
}

export function validateName(kind: string, name: string | undefined, generateName: string | undefined): StatusCause[] {
  if (!name) return generateName ? [] : [required('metadata.name')];
  if (kind === 'Namespace' || kind === 'Service') {
    const re = kind === 'Service' ? DNS1035_LABEL : DNS1123_LABEL;
    if (!re.test(name) || name.length > 63) {
      return [
        invalidValue(
          'metadata.name',
          name,
          kind === 'Service'
            ? "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character"
            : "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
        ),
      ];
    }
    return [];
  }
  if (!DNS1123_SUBDOMAIN.test(name) || name.length > 253) {
    return [
      invalidValue(
        'metadata.name',
        name,
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
      ),
    ];
  }
  return [];
}

function validateContainers(spec: JsonObject | undefined, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  const containers = spec?.containers;
  if (!Array.isArray(containers) || containers.length === 0) return [required(`${path}.containers`)];
  const names = new Set<string>();
  containers.forEach((c: unknown, i) => {
    const field = `${path}.containers[${i}]`;
    if (!isObject(c)) return causes.push(invalidValue(field, c, 'must be an object'));
    if (typeof c.name !== 'string' || !c.name) causes.push(required(`${field}.name`));
    else if (!DNS1123_LABEL.test(c.name))
      causes.push(invalidValue(`${field}.name`, c.name, 'must be a DNS-1123 label'));
    else if (names.has(c.name))
      causes.push({ reason: 'FieldValueDuplicate', message: `Duplicate value: "${c.name}"`, field: `${field}.name` });
    else names.add(c.name);
    if (typeof c.image !== 'string' || !c.image.trim()) causes.push(required(`${field}.image`));
    return undefined;
  });
  return causes;
}

function intOrPercent(value: unknown, field: string): { causes: StatusCause[]; zero: boolean } {
  if (value === undefined) return { causes: [], zero: false };
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 0)
      return { causes: [invalidValue(field, value, 'must be greater than or equal to 0')], zero: false };
    return { causes: [], zero: value === 0 };
  }
  if (typeof value === 'string' && /^\d+%$/.test(value)) {
    const n = Number(value.slice(0, -1));
    if (n > 100) return { causes: [invalidValue(field, value, 'must not be greater than 100%')], zero: false };
    return { causes: [], zero: n === 0 };
  }
  return {
    causes: [invalidValue(field, value, "a valid percent string must be a numeric string followed by an ending '%'")],
    zero: false,
  };
}

function validateSelectorAndTemplate(spec: JsonObject): StatusCause[] {
  const causes: StatusCause[] = [];
  const selector = spec.selector as LabelSelector | undefined;
  const template = isObject(spec.template) ? spec.template : undefined;
  const labels = (isObject(template?.metadata) ? (template!.metadata as JsonObject).labels : undefined) as
    Record<string, string> | undefined;
  if (!isObject(selector)) causes.push(required('spec.selector'));
  else {
    try {
      const reqs = requirementsOf(selector) ?? [];
      if (reqs.length === 0)
        causes.push(invalidValue('spec.selector', selector, 'empty selector is invalid for deployment'));
      else if (!selectorMatches(selector, labels)) {
        causes.push(
          invalidValue('spec.template.metadata.labels', labels ?? {}, '`selector` does not match template `labels`'),
        );
      }
    } catch (e: unknown) {
      if (e instanceof SelectorSyntaxError) causes.push(invalidValue('spec.selector', selector, e.message));
      else throw e;
    }
  }
  causes.push(
    ...validateContainers(isObject(template?.spec) ? (template!.spec as JsonObject) : undefined, 'spec.template.spec'),
  );
  if (spec.replicas !== undefined && (!Number.isInteger(spec.replicas) || (spec.replicas as number) < 0)) {
    causes.push(invalidValue('spec.replicas', spec.replicas, 'must be greater than or equal to 0'));
  }
  return causes;
}

function validateDeployment(o: KubeObject, old: KubeObject | undefined): StatusCause[] {
  const spec = isObject(o.spec) ? o.spec : {};
  const causes = validateSelectorAndTemplate(spec);
  const strategy = isObject(spec.strategy) ? spec.strategy : {};
  if (strategy.type === 'Recreate' && strategy.rollingUpdate !== undefined) {
    causes.push({
      reason: 'FieldValueForbidden',
      message: "Forbidden: may not be specified when strategy `type` is 'Recreate'",
      field: 'spec.strategy.rollingUpdate',
    });
  }
  if (strategy.type !== undefined && strategy.type !== 'Recreate' && strategy.type !== 'RollingUpdate') {
    causes.push({
      reason: 'FieldValueNotSupported',
      message: `Unsupported value: "${String(strategy.type)}": supported values: "Recreate", "RollingUpdate"`,
      field: 'spec.strategy.type',
    });
  }
  const rolling = isObject(strategy.rollingUpdate) ? strategy.rollingUpdate : {};
  const surge = intOrPercent(rolling.maxSurge, 'spec.strategy.rollingUpdate.maxSurge');
  const unavailable = intOrPercent(rolling.maxUnavailable, 'spec.strategy.rollingUpdate.maxUnavailable');
  causes.push(...surge.causes, ...unavailable.causes);
  if (surge.zero && unavailable.zero) {
    causes.push(
      invalidValue(
        'spec.strategy.rollingUpdate.maxUnavailable',
        rolling.maxUnavailable,
        'may not be 0 when `maxSurge` is 0',
      ),
    );
  }
  const deadline = spec.progressDeadlineSeconds;
  const minReady = typeof spec.minReadySeconds === 'number' ? spec.minReadySeconds : 0;
  if (typeof deadline === 'number' && deadline <= minReady) {
    causes.push(invalidValue('spec.progressDeadlineSeconds', deadline, 'must be greater than minReadySeconds'));
  }
  if (old && isObject(old.spec) && !isDeepStrictEqual(old.spec.selector, spec.selector)) {
    causes.push(invalidValue('spec.selector', spec.selector, 'field is immutable'));
  }
  return causes;
}

/** Causes for an object about to be stored (`old` is the stored version on update). */
export function validate(kind: string, o: KubeObject, old?: KubeObject): StatusCause[] {
  const causes = validateName(kind, o.metadata.name, o.metadata.generateName);
  switch (kind) {
    case 'Deployment':
      causes.push(...validateDeployment(o, old));
      break;
    case 'ReplicaSet':
      causes.push(...validateSelectorAndTemplate(isObject(o.spec) ? o.spec : {}));
      break;
    case 'Pod':
      causes.push(...validateContainers(isObject(o.spec) ? o.spec : undefined, 'spec'));
      if (old && isObject(old.spec) && isObject(o.spec)) {
        const images = (spec: JsonObject) =>
          Array.isArray(spec.containers) ? spec.containers.map((c) => (isObject(c) ? c.image : undefined)) : [];
        const strip = (spec: JsonObject) => ({
          ...spec,
          containers: undefined,
          activeDeadlineSeconds: undefined,
          tolerations: undefined,
        });
        if (!isDeepStrictEqual(strip(old.spec), strip(o.spec)) || images(old.spec).length !== images(o.spec).length) {
          causes.push({
            reason: 'FieldValueForbidden',
            message:
              'Forbidden: pod updates may not change fields other than `spec.containers[*].image`, `spec.initContainers[*].image`, `spec.activeDeadlineSeconds`, `spec.tolerations` (only additions to existing tolerations) or `spec.terminationGracePeriodSeconds`',
            field: 'spec',
          });
        }
      }
      break;
    case 'Service': {
      const spec = isObject(o.spec) ? o.spec : {};
      if (
        spec.type !== 'ExternalName' &&
        spec.clusterIP !== 'None' &&
        (!Array.isArray(spec.ports) || spec.ports.length === 0)
      ) {
        causes.push(required('spec.ports'));
      }
      if (old && isObject(old.spec) && old.spec.clusterIP && spec.clusterIP !== old.spec.clusterIP) {
        causes.push(invalidValue('spec.clusterIPs[0]', spec.clusterIP, 'field is immutable'));
      }
      break;
    }
    case 'ConfigMap':
    case 'Secret':
      for (const field of ['data', 'binaryData', 'stringData']) {
        const data = o[field];
        if (data === undefined) continue;
        if (!isObject(data)) causes.push(invalidValue(field, data, 'must be a map'));
        else
          for (const key of Object.keys(data)) {
            if (!/^[-._a-zA-Z0-9]+$/.test(key))
              causes.push(
                invalidValue(
                  `${field}[${key}]`,
                  key,
                  "a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
                ),
              );
          }
      }
      break;
  }
  return causes;
}
