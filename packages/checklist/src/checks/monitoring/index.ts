import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { errorMessage, SourceError } from '@ralph-deploy/common';
import type { CheckContext, CheckKind, CheckOutcome, Finding } from '../../types.js';
import { loadYamlDocuments } from '../../yaml-source.js';
import { checkAlerts, GUIDE_ALERTS, readAlertRules, type RequiredAlert } from './alerts.js';
import { installPromtool } from './promtool.js';
import { promtoolFindings, runPromtool } from './run-promtool.js';

export interface MonitoringParams {
  /** config: promtool check config; rules: promtool check rules; alerts: the required alerts exist. */
  rules: ('config' | 'rules' | 'alerts')[];
  alerts: RequiredAlert[];
}

export function parseMonitoringParams(p: Record<string, unknown>): MonitoringParams {
  const rules =
    p.rules === undefined
      ? ['config', 'rules', 'alerts']
      : Array.isArray(p.rules)
        ? p.rules.map(String)
        : [String(p.rules)];
  for (const r of rules)
    if (!['config', 'rules', 'alerts'].includes(r))
      throw new Error(`unknown monitoring rule '${r}' (known: config, rules, alerts)`);
  let alerts = GUIDE_ALERTS;
  if (p.alerts !== undefined && p.alerts !== 'guide') {
    if (!Array.isArray(p.alerts)) throw new Error("'alerts' must be a list of { id, title, metrics }");
    alerts = p.alerts.map((a, i) => {
      const o = a as Record<string, unknown>;
      const metrics = Array.isArray(o?.metrics)
        ? o.metrics.map(String)
        : typeof o?.metric === 'string'
          ? [o.metric]
          : [];
      if (metrics.length === 0) throw new Error(`'alerts[${i}]' needs metrics: [names]`);
      const id = String(o.id ?? metrics[0]);
      return { id, title: String(o.title ?? id), metrics };
    });
  }
  return { rules: rules as MonitoringParams['rules'], alerts };
}

/** Simple glob for rule_files entries (a `*` in the file name), relative to the config file. */
async function expandRuleFiles(configAbs: string, entries: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const e of entries) {
    const abs = resolve(dirname(configAbs), e);
    if (!basename(abs).includes('*')) {
      out.push(abs);
      continue;
    }
    const re = new RegExp(
      `^${basename(abs)
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.')}$`,
    );
    if (existsSync(dirname(abs)))
      for (const f of (await readdir(dirname(abs))).sort()) if (re.test(f)) out.push(join(dirname(abs), f));
  }
  return out;
}

async function ruleFilesFromConfig(configAbs: string): Promise<string[]> {
  const text = await readFile(configAbs, 'utf8');
  const doc = loadYamlDocuments(text, configAbs)[0];
  const rf = (doc?.value as { rule_files?: unknown } | undefined)?.rule_files;
  return Array.isArray(rf) ? expandRuleFiles(configAbs, rf.map(String)) : [];
}

export const monitoringCheck: CheckKind<MonitoringParams> = {
  kind: 'monitoring',
  parse: parseMonitoringParams,
  async run(p, ctx: CheckContext): Promise<CheckOutcome> {
    const t = ctx.targets;
    const rel = (abs: string) => relative(ctx.cwd, abs) || abs;
    const configAbs = t.prometheusConfig ? resolve(ctx.cwd, t.prometheusConfig) : undefined;
    const configThere = configAbs !== undefined && existsSync(configAbs);
    let ruleAbs = (t.prometheusRules ?? []).map((r) => resolve(ctx.cwd, r));
    if (ruleAbs.length === 0 && configThere) ruleAbs = await ruleFilesFromConfig(configAbs as string);
    const rulesThere = ruleAbs.filter((f) => existsSync(f));
    const findings: Finding[] = [];
    if (!configThere && rulesThere.length === 0) {
      if (!t.prometheusConfigExplicit && !t.prometheusRulesExplicit)
        return {
          skipped: "no Prometheus config or rule files (inputs 'prometheus-config', 'prometheus-rules')",
          findings: [],
        };
    }
    for (const f of ruleAbs.filter((x) => !existsSync(x)))
      findings.push({ level: 'fail', message: `rule file ${rel(f)} does not exist`, file: rel(f) });
    if (configAbs && !configThere && p.rules.includes('config'))
      findings.push({
        level: 'fail',
        message: `Prometheus config ${rel(configAbs)} does not exist`,
        file: rel(configAbs),
      });

    const needsPromtool =
      (p.rules.includes('config') && configThere) || (p.rules.includes('rules') && rulesThere.length > 0);
    if (needsPromtool) {
      const spec = t.promtool;
      if (!spec) return { findings: [...findings, { level: 'fail', message: 'promtool is not configured' }] };
      const binary = await ctx.memo(`promtool:${spec.version}`, () => installPromtool({ ...spec, log: ctx.log }));
      if (p.rules.includes('config') && configThere) {
        const r = await runPromtool(binary, ['check', 'config', rel(configAbs as string)], ctx.cwd, ctx.signal);
        if (r.exitCode === 0)
          findings.push({ level: 'pass', message: `promtool check config ${rel(configAbs as string)}: valid` });
        else
          findings.push(
            ...withFallback(promtoolFindings(r.output, rel(configAbs as string)), r.output, rel(configAbs as string)),
          );
      }
      if (p.rules.includes('rules') && rulesThere.length > 0) {
        const files = rulesThere.map(rel);
        const r = await runPromtool(binary, ['check', 'rules', ...files], ctx.cwd, ctx.signal);
        if (r.exitCode === 0)
          findings.push({ level: 'pass', message: `promtool check rules ${files.join(' ')}: valid` });
        else
          findings.push(...withFallback(promtoolFindings(r.output, files[0] as string), r.output, files[0] as string));
      }
    }
    if (p.rules.includes('alerts')) {
      try {
        const rules = [];
        for (const f of rulesThere) rules.push(...readAlertRules(await readFile(f, 'utf8'), rel(f)));
        findings.push(...checkAlerts(rules, p.alerts));
      } catch (e: unknown) {
        if (e instanceof SourceError) findings.push({ level: 'fail', message: errorMessage(e), ...e.location });
        else throw e;
      }
    }
    return { findings };
  },
};

function withFallback(found: Finding[], output: string, file: string): Finding[] {
  return found.length > 0
    ? found
    : [{ level: 'fail', message: `promtool failed: ${output.trim().split('\n').slice(-3).join(' ')}`, file }];
}
