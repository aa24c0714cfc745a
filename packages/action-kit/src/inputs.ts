import * as core from '@actions/core';
import { InputError, SourceError, errorMessage } from '@ralph-deploy/common';
import type { InputDecl, InputDecls, InputValues, SpecSection } from '@ralph-deploy/config';
import { mask } from './masking.js';

/**
 * Reads every declared input once. Resolution order: the action input (non-empty) > the
 * environment's spec section > the declared default. Errors name the input, or the spec's
 * file:line:column when the value came from there.
 */
export function readInputs<D extends InputDecls>(
  decls: D,
  section: SpecSection | undefined,
  sectionName: string,
): InputValues<D> {
  const out: Record<string, unknown> = {};
  for (const [name, decl] of Object.entries(decls)) {
    out[name] = readOne(name, decl, section, sectionName);
  }
  return out as InputValues<D>;
}

function readOne(
  name: string,
  decl: InputDecl<unknown>,
  section: SpecSection | undefined,
  sectionName: string,
): unknown {
  const raw = core.getInput(name, { trimWhitespace: !decl.secret });
  if (decl.secret && raw) mask(raw);
  if (raw.trim() !== '') {
    try {
      return decl.parse(raw);
    } catch (e: unknown) {
      // A secret's value is never echoed: only that it is invalid.
      throw new InputError(name, decl.secret ? 'is invalid' : errorMessage(e));
    }
  }
  const specValue = decl.inSpec ? section?.values[name] : undefined;
  if (specValue !== undefined && specValue !== null) {
    const where = section?.locate([name]) ?? { file: 'spec' };
    if (decl.secret) {
      const envName = (specValue as { env: string }).env;
      const value = process.env[envName];
      if (value === undefined || value === '') {
        throw new SourceError(where, `${sectionName}.${name}: environment variable ${envName} is not set`);
      }
      mask(value);
      return decl.parse(value);
    }
    try {
      return decl.fromSpec(specValue);
    } catch (e: unknown) {
      throw new SourceError(where, `${sectionName}.${name}: ${errorMessage(e)}`);
    }
  }
  if (decl.default !== undefined) return decl.default;
  if (decl.required) {
    throw new InputError(
      name,
      decl.inSpec ? `is required (set the input, or ${sectionName}.${name} in the spec)` : 'is required',
    );
  }
  return undefined;
}
