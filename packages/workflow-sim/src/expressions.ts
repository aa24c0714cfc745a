import { Evaluator, Lexer, Parser, data } from '@actions/expressions';
import type { FunctionDefinition } from '@actions/expressions/funcs/info';
import { truthy } from '@actions/expressions/result';

/** The status functions GitHub supplies to `if:` conditions (the expressions library leaves them to the host). */
export interface StatusFunctions {
  success(): boolean;
  failure(): boolean;
  cancelled(): boolean;
}

const CONTEXTS = [
  'github',
  'env',
  'vars',
  'job',
  'jobs',
  'steps',
  'runner',
  'secrets',
  'strategy',
  'matrix',
  'needs',
  'inputs',
];

function statusFunctions(s: StatusFunctions): Map<string, FunctionDefinition> {
  const fn = (name: string, call: () => boolean): [string, FunctionDefinition] => [
    name,
    { name, minArgs: 0, maxArgs: 0, call: () => new data.BooleanData(call()) },
  ];
  return new Map([
    fn('success', () => s.success()),
    fn('failure', () => s.failure()),
    fn('cancelled', () => s.cancelled()),
    fn('always', () => true),
  ]);
}

/** Evaluates one expression (without the ${{ }} markers) with GitHub's own evaluator. */
export function evaluate(
  expression: string,
  contexts: Record<string, unknown>,
  status?: StatusFunctions,
): data.ExpressionData {
  const lexed = new Lexer(expression).lex();
  const functions = statusFunctions(status ?? { success: () => true, failure: () => false, cancelled: () => false });
  const infos = [...functions.values()].map(({ name, minArgs, maxArgs }) => ({ name, minArgs, maxArgs }));
  const expr = new Parser(lexed.tokens, CONTEXTS, infos).parse();
  const ctx = JSON.parse(JSON.stringify(contexts), data.reviver) as data.Dictionary;
  return new Evaluator(expr, ctx, functions).evaluate();
}

/**
 * An `if:` condition: `${{ }}` is optional there, and a condition that calls no status function is
 * implicitly `success() && (...)`, as on GitHub.
 */
export function evaluateCondition(
  condition: string | undefined,
  contexts: Record<string, unknown>,
  status: StatusFunctions,
): boolean {
  let expr = (condition ?? '').trim();
  const wrapped = /^\$\{\{([\s\S]*)\}\}$/.exec(expr);
  if (wrapped) expr = (wrapped[1] as string).trim();
  if (expr === '') expr = 'success()';
  else if (!/\b(success|failure|cancelled|always)\s*\(/.test(expr)) expr = `success() && (${expr})`;
  return truthy(evaluate(expr, contexts, status));
}

/** Replaces every `${{ expr }}` in a string; a value that is exactly one expression keeps its type. */
export function interpolate(value: unknown, contexts: Record<string, unknown>): unknown {
  if (typeof value !== 'string') {
    if (Array.isArray(value)) return value.map((v) => interpolate(v, contexts));
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, contexts)]));
    }
    return value;
  }
  const whole = /^\$\{\{([\s\S]*?)\}\}$/.exec(value.trim());
  if (whole && !value.trim().slice(3).includes('${{')) return toJs(evaluate((whole[1] as string).trim(), contexts));
  return value.replace(/\$\{\{([\s\S]*?)\}\}/g, (_, e: string) => evaluate(e.trim(), contexts).coerceString());
}

function toJs(d: data.ExpressionData): unknown {
  return JSON.parse(JSON.stringify(d, data.replacer)) as unknown;
}
