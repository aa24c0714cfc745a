// `pnpm rehearse`: the deploy workflow, end to end, on this machine. It deploys a good release, then a
// broken one, and shows the automatic rollback. Real: PostgreSQL 15, the backup directory, the
// reference service (probed over HTTP), the actions' bundles, GitHub's workflow parser and expression
// engine. Simulated: the Kubernetes API (test/kube-fake) and third-party actions (checkout, cloud sign-in).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, runWorkflow, type WorkflowRun } from '@ralph-deploy/workflow-sim';
import { BROKEN_IMAGE, createStage, ENVIRONMENT, GOOD_IMAGE, type Stage } from './stage.js';

const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const mark = (r: string) => ({ success: '✅', failure: '❌', skipped: '⏭️ ', cancelled: '🚫' })[r] ?? r;

export async function deploy(
  stage: Stage,
  image: string,
  options: { quiet?: boolean; inputs?: Record<string, unknown> } = {},
): Promise<WorkflowRun> {
  return runWorkflow(join(repoRoot, '.github/workflows/deploy.yml'), {
    workspace: stage.workspace,
    event: { name: 'workflow_call' },
    inputs: {
      environment: ENVIRONMENT,
      image,
      attest: 'rollback-plan,notify-team',
      'github-deployment': false,
      ...options.inputs,
    },
    secrets: { DATABASE_URL: stage.databaseUrl },
    env: stage.env,
    standIns: {
      'actions/checkout': () => ({}),
      'aws-actions/configure-aws-credentials': () => ({}),
    },
    onEvent: options.quiet
      ? undefined
      : (e) => {
          if (e.type === 'job' && e.result) console.log(`  ${mark(e.result)} ${e.job}`);
          if (e.type === 'step' && e.result === 'failure') console.log(`      ↳ ${e.name}: ${e.detail ?? 'failed'}`);
        },
  });
}

function printSummaries(run: WorkflowRun): void {
  for (const id of run.order) {
    const job = run.jobs[id];
    for (const step of job?.steps ?? []) {
      if (!step.summary.trim()) continue;
      console.log(`\n${bold(`── ${id} / ${step.name} ──`)}`);
      console.log(step.summary.trim());
    }
  }
}

async function main(): Promise<number> {
  for (const name of ['preflight-check', 'backup', 'migrate-db', 'deploy-rollout', 'smoke-test']) {
    if (!existsSync(join(repoRoot, 'dist', name, 'index.js'))) {
      console.error(`dist/${name}/index.js is missing: run \`pnpm build\` first`);
      return 1;
    }
  }
  console.log(bold('ralph-deploy rehearsal') + ' — the deploy workflow on this machine');
  console.log(
    'Kubernetes: SIMULATOR (test/kube-fake, not a cluster). Real: PostgreSQL 15, backups, reference service, action bundles.\n',
  );
  const stage = await createStage();
  try {
    console.log(
      `stage: postgres ${stage.postgres.port}, reference service ${stage.service.url}, kubernetes simulator ${stage.kube.url}`,
    );
    console.log(`workspace: ${stage.workspace}\n`);

    console.log(bold(`1. Deploy a good release: ${GOOD_IMAGE}`));
    const good = await deploy(stage, GOOD_IMAGE);
    printSummaries(good);

    console.log('\n' + bold(`2. Deploy a broken release: ${BROKEN_IMAGE} (its pods crash on start)`));
    const broken = await deploy(stage, BROKEN_IMAGE);
    printSummaries(broken);

    const live = stage.kube.get('Deployment', 'production', 'ralph-orchestrator') as unknown as
      { spec: { template: { spec: { containers: { name: string; image: string }[] } } } } | undefined;
    const liveImage = live?.spec.template.spec.containers.find((c) => c.name === 'ralph')?.image;
    const goodOk = good.conclusion === 'success' && good.outputs.result === 'succeeded';
    const brokenOk =
      broken.conclusion === 'failure' && broken.outputs.result === 'rolled-back' && liveImage === GOOD_IMAGE;
    console.log('\n' + bold('Verdict'));
    console.log(
      `  good release:   ${good.conclusion} (result ${String(good.outputs.result)}, revision ${String(good.outputs.revision)})`,
    );
    console.log(
      `  broken release: ${broken.conclusion} (result ${String(broken.outputs.result)}, revision ${String(broken.outputs.revision)})`,
    );
    console.log(`  live image now: ${liveImage ?? 'unknown'}`);
    if (goodOk && brokenOk) {
      console.log(bold('\nREHEARSAL PASSED: the good release went live, the broken one was detected and rolled back.'));
      return 0;
    }
    console.log(bold('\nREHEARSAL FAILED: see the phases above.'));
    return 1;
  } finally {
    await stage.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(`rehearsal: ${e instanceof Error ? e.message : String(e)}`);
      process.exit(1);
    },
  );
}
