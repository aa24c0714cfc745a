import { z } from 'zod';
import { specSchema } from './spec.js';

/** The spec file's JSON Schema (draft 2020-12), for editors: `# yaml-language-server: $schema=...`. */
export function specJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(specSchema(), { unrepresentable: 'any', io: 'input' }) as Record<string, unknown>;
  return {
    $id: 'https://github.com/ralph-deploy/ralph-deploy/blob/main/schema/ralph-deploy.schema.json',
    title: 'ralph-deploy deployment spec',
    ...schema,
  };
}

export function specJsonSchemaText(): string {
  return JSON.stringify(specJsonSchema(), null, 2) + '\n';
}
