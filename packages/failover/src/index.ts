export { runFailover, buildSteps, arnRegion, type FailoverOptions, type FailoverResult } from './failover.js';
export { reconcile, type ReconcileOutcome } from './reconcile.js';
export { RECORD_KEYS, loadRdsRecord, memoryRecord, type FailoverRecord, type RecordKey } from './record.js';
export { standbyReady, describeDeployment, type DeploymentSnapshot, type StandbyCluster } from './standby-cluster.js';
export { kubeStandbyCluster, toSnapshot } from './kube-standby.js';
export { normalizeDnsName, pointsAt, type DnsTarget } from './route53.js';
export { timelineRows, recoveryLine, TIMELINE_HEADERS } from './summary.js';
export type { FailoverStep, Observation, RunContext, TimelineEntry, StepResult } from './types.js';
