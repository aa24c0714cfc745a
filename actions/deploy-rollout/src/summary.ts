import type { Summary } from '@ralph-deploy/action-kit';
import type { RolloutReport } from '@ralph-deploy/kube';

const TITLE: Record<RolloutReport['result'], string> = {
  succeeded: 'succeeded',
  'rolled-back': 'ROLLED BACK',
  failed: 'FAILED',
};

/** The job summary: verdict, what changed, the timeline, the new pods with their reasons, the rollback. */
export function writeSummary(summary: Summary, r: RolloutReport): void {
  summary.heading(
    `deploy-rollout ${r.mode}: ${r.namespace}/${r.deployment} ${TITLE[r.result]}${r.dryRun ? ' (dry run)' : ''}`,
  );
  summary.text(r.message);
  const facts: string[] = [];
  if (r.previousRevision !== undefined) facts.push(`revision before: **${r.previousRevision}**`);
  if (r.revision !== undefined) facts.push(`revision now: **${r.revision}**`);
  if (r.failure) facts.push(`failure: **${r.failure.kind}**`);
  if (r.detectionSeconds !== undefined) facts.push(`first failure signal to rollback: **${r.detectionSeconds}s**`);
  if (facts.length > 0) summary.text(facts.join(' · '));
  if (r.imageChanges.length > 0) {
    summary.table(
      ['Object', 'Container', 'From', 'To'],
      r.imageChanges.map((c) => [c.object, c.container, c.from, c.to]),
    );
  }
  if (r.applied.length > 0) {
    summary.details(
      `${r.applied.length} object(s) ${r.dryRun ? 'validated (server-side dry run)' : 'applied'}`,
      r.applied
        .map((a) => `- ${a.kind}/${a.name}${a.namespace ? ` (${a.namespace})` : ''} from ${a.file}:${a.line}`)
        .join('\n'),
    );
  }
  if (r.timeline.length > 0) {
    summary.heading('Timeline', 3).table(
      ['+s', 'Time (UTC)', 'Event'],
      r.timeline.map((e) => [e.t.toFixed(1), e.at.slice(11, 19), e.event]),
    );
  }
  if (r.pods.length > 0) {
    summary.heading(r.failure ? 'New pods when the failure was detected' : 'New pods', 3).table(
      ['Pod', 'Ready', 'Status', 'Restarts', 'Node'],
      r.pods.map((p) => [p.name, p.ready, p.status, p.restarts, p.node ?? '']),
    );
  }
  if (r.rollback) {
    const rb = r.rollback;
    summary.heading('Rollback', 3);
    summary.text(
      `${rb.ok ? '✅' : '❌ **The rollback failed too.**'} revision ${rb.fromRevision} → ${rb.toRevision} (${rb.action === 'skip' ? 'skipped' : rb.action === 'template' ? 'restored the recorded template' : 'rollout undo'}): ${rb.message}`,
    );
    if (rb.pods.length > 0)
      summary.table(
        ['Pod', 'Ready', 'Status', 'Restarts'],
        rb.pods.map((p) => [p.name, p.ready, p.status, p.restarts]),
      );
  }
  if (r.replicaSets.length > 0) summary.heading('ReplicaSets', 3).list(r.replicaSets);
}
