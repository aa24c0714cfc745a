import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { parseDuration, type Logger } from '@ralph-deploy/common';
import type { HttpCheck } from './http-check.js';
import { DEFAULT_HSTS_MIN_MAX_AGE, type TlsCheck } from './tls-check.js';
import { parseThreshold, type Threshold } from './thresholds.js';

/**
 * Checks as written in the spec or the `checks` input (already schema-validated by the config
 * package). This module turns them into runnable checks: URLs resolved against base-url,
 * durations in ms, `{ env: NAME }` header values read from the environment and masked.
 */
export type HeaderValueSpec = string | { env: string };
export interface HttpCheckSpec {
  type?: 'http';
  name?: string;
  path?: string;
  url?: string;
  method?: string;
  headers?: Record<string, HeaderValueSpec>;
  body?: string;
  'expect-status'?: number | number[];
  'body-contains'?: string | string[];
  json?: Record<string, unknown>;
  'max-latency'?: string | number;
  timeout?: string | number;
}
export interface TlsCheckSpec {
  type: 'tls';
  name?: string;
  url?: string;
  'min-days'?: number;
  redirect?: boolean | string;
  hsts?: boolean | { 'min-max-age': number };
}
export type CheckSpec = HttpCheckSpec | TlsCheckSpec;

/** A problem in one check's settings; `path` locates it inside the `checks` list, e.g. [2, 'headers', 'Authorization']. */
export class CheckConfigError extends Error {
  readonly path: (string | number)[];
  constructor(path: (string | number)[], problem: string) {
    super(
      `checks[${path[0]}]${path
        .slice(1)
        .map((p) => `.${p}`)
        .join('')}: ${problem}`,
    );
    this.name = 'CheckConfigError';
    this.path = path;
  }
}

export interface PlanContext {
  baseUrl: string;
  requestTimeoutMs: number;
  tlsMinDays: number;
  env: Record<string, string | undefined>;
  log: Logger;
}

/** Joins a path to the base URL keeping the base's own path prefix (https://h/api + /health -> https://h/api/health). */
export function joinUrl(baseUrl: string, path: string): string {
  if (/^https?:\/\//i.test(path)) return path;
  const base = new URL(baseUrl);
  const prefix = base.pathname.replace(/\/+$/, '');
  const [p, query] = splitQuery(path.startsWith('/') ? path : `/${path}`);
  const u = new URL(base.toString());
  u.pathname = `${prefix}${p}`;
  u.search = query ?? '';
  u.hash = '';
  return u.toString();
}

function splitQuery(path: string): [string, string | undefined] {
  const i = path.indexOf('?');
  return i < 0 ? [path, undefined] : [path.slice(0, i), path.slice(i)];
}

function durationMs(value: string | number | undefined, path: (string | number)[]): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseDuration(String(value));
  if (ms === undefined) throw new CheckConfigError(path, `"${value}" is not a duration (examples: 300ms, 2s)`);
  return ms;
}

export function planHttpCheck(spec: HttpCheckSpec, index: number, ctx: PlanContext): HttpCheck {
  const method = (spec.method ?? 'GET').toUpperCase();
  const target = spec.url ?? spec.path ?? '/';
  let url: string;
  try {
    url = joinUrl(ctx.baseUrl, target);
    new URL(url);
  } catch {
    throw new CheckConfigError(
      [index, spec.url !== undefined ? 'url' : 'path'],
      `"${target}" is not a valid URL or path`,
    );
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(spec.headers ?? {})) {
    if (typeof value === 'string') {
      headers[name] = value;
      continue;
    }
    const secret = ctx.env[value.env];
    if (secret === undefined || secret === '') {
      throw new CheckConfigError([index, 'headers', name], `environment variable ${value.env} is not set`);
    }
    // Masked before the request that might echo it into an error.
    ctx.log.mask(secret);
    headers[name] = secret;
  }
  const status = spec['expect-status'];
  const contains = spec['body-contains'];
  const check: HttpCheck = {
    name: spec.name ?? `${method} ${spec.url ?? spec.path ?? '/'}`,
    index,
    url,
    method,
    headers,
    bodyContains: contains === undefined ? [] : Array.isArray(contains) ? contains : [contains],
    json: spec.json ?? {},
    timeoutMs: durationMs(spec.timeout, [index, 'timeout']) ?? ctx.requestTimeoutMs,
  };
  if (spec.body !== undefined) check.body = spec.body;
  if (status !== undefined) check.expectStatus = Array.isArray(status) ? status : [status];
  const maxLatency = durationMs(spec['max-latency'], [index, 'max-latency']);
  if (maxLatency !== undefined) check.maxLatencyMs = maxLatency;
  return check;
}

export function planTlsCheck(spec: TlsCheckSpec, index: number, ctx: PlanContext): TlsCheck {
  const url = spec.url ?? ctx.baseUrl;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new CheckConfigError([index, 'url'], `"${url}" is not a URL`);
  }
  if (u.protocol !== 'https:')
    throw new CheckConfigError(
      [index, spec.url ? 'url' : 'type'],
      `a TLS check needs an https:// URL, got ${u.protocol}//${u.host}`,
    );
  const check: TlsCheck = {
    name: spec.name ?? `TLS ${u.host}`,
    index,
    url: `https://${u.host}/`,
    minDays: spec['min-days'] ?? ctx.tlsMinDays,
    timeoutMs: ctx.requestTimeoutMs,
  };
  if (spec.redirect === true)
    check.redirectFrom = `http://${u.hostname.includes(':') ? `[${u.hostname}]` : u.hostname}/`;
  else if (typeof spec.redirect === 'string') {
    if (!/^http:\/\//i.test(spec.redirect))
      throw new CheckConfigError([index, 'redirect'], `"${spec.redirect}" must be an http:// URL`);
    check.redirectFrom = spec.redirect;
  }
  if (spec.hsts === true) check.hstsMinMaxAge = DEFAULT_HSTS_MIN_MAX_AGE;
  else if (typeof spec.hsts === 'object') check.hstsMinMaxAge = spec.hsts['min-max-age'];
  return check;
}

/**
 * Plans every check. An https base-url always gets a certificate check (chain and expiry) unless a
 * TLS check for its host is listed explicitly.
 */
export function planChecks(specs: CheckSpec[], ctx: PlanContext): { http: HttpCheck[]; tls: TlsCheck[] } {
  const http: HttpCheck[] = [];
  const tls: TlsCheck[] = [];
  specs.forEach((spec, i) => {
    if (spec.type === 'tls') tls.push(planTlsCheck(spec, i, ctx));
    else http.push(planHttpCheck(spec, i, ctx));
  });
  const base = new URL(ctx.baseUrl);
  if (base.protocol === 'https:' && !tls.some((t) => new URL(t.url).host === base.host)) {
    tls.unshift({
      name: `TLS ${base.host}`,
      url: `https://${base.host}/`,
      minDays: ctx.tlsMinDays,
      timeoutMs: ctx.requestTimeoutMs,
    });
  }
  return { http, tls };
}

/** Parses every threshold, reporting the first bad one with its index. */
export function planThresholds(texts: string[]): Threshold[] {
  return texts.map((t) => parseThreshold(t));
}

/**
 * The trust store for `ca-file`: Node's bundled roots plus the file's certificates (Node's `ca`
 * option replaces the roots, so an internal CA must not silently untrust public ones).
 */
export function readCaFile(path: string): string[] {
  const text = readFileSync(path, 'utf8');
  if (!text.includes('-----BEGIN CERTIFICATE-----')) throw new Error(`${path} contains no PEM certificate`);
  return [...rootCertificates, text];
}
