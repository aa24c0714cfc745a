/**
 * The Deployment controller (pkg/controller/deployment: sync.go, rolling.go, recreate.go, progress.go),
 * re-run on every change and tick. Each step mirrors the upstream function of the same name so its
 * semantics (revisions, rounding, condition reasons, proportional scaling) can be checked against it.
 */
import { isDeepStrictEqual } from 'node:util';
import { StatusError } from '../errors.js';
import { parseTimestamp } from '../clock.js';
import { clone, type Condition, type Deployment, type DeploymentStatus, type ReplicaSet } from '../types.js';
import {
  controllerRef,
  controllerUid,
  getCondition,
  omitZero,
  recordEvent,
  type ControllerContext,
} from './context.js';
import {
  byCreation,
  DESIRED_REPLICAS,
  equalIgnoreHash,
  hasProgressDeadline,
  isRollingUpdate,
  MAX_REPLICAS,
  maxSurge,
  maxUnavailable,
  POD_TEMPLATE_HASH,
  replicasOf,
  REVISION,
  REVISION_HISTORY,
  revisionOf,
  skipCopyAnnotation,
  specReplicas,
  sum,
} from './deployment-util.js';
import { podTemplateHash } from './hash.js';
import { isActivePod, podsOf } from './replicaset.js';

export const Reasons = {
  NewReplicaSetCreated: 'NewReplicaSetCreated',
  FoundNewReplicaSet: 'FoundNewReplicaSet',
  ReplicaSetUpdated: 'ReplicaSetUpdated',
  NewReplicaSetAvailable: 'NewReplicaSetAvailable',
  ProgressDeadlineExceeded: 'ProgressDeadlineExceeded',
  DeploymentPaused: 'DeploymentPaused',
  DeploymentResumed: 'DeploymentResumed',
  MinimumReplicasAvailable: 'MinimumReplicasAvailable',
  MinimumReplicasUnavailable: 'MinimumReplicasUnavailable',
} as const;

const MAX_REV_HISTORY_CHARS = 2000;

class Sync {
  constructor(
    private readonly ctx: ControllerContext,
    private d: Deployment,
  ) {}

  private get now(): string {
    return this.ctx.clock.timestamp();
  }

  private condition(type: string, status: Condition['status'], reason: string, message: string): Condition {
    const now = this.now;
    return { type, status, lastUpdateTime: now, lastTransitionTime: now, reason, message };
  }

  /** SetDeploymentCondition: same status and reason is a no-op; same status keeps the transition time. */
  private static setCondition(status: DeploymentStatus, c: Condition): void {
    const current = getCondition(status, c.type);
    if (current && current.status === c.status && current.reason === c.reason) return;
    if (current && current.status === c.status) c.lastTransitionTime = current.lastTransitionTime;
    status.conditions = [...(status.conditions ?? []).filter((x) => x.type !== c.type), c];
  }

  private static removeCondition(status: DeploymentStatus, type: string): void {
    if (status.conditions) status.conditions = status.conditions.filter((c) => c.type !== type);
  }

  private writeDeployment(): void {
    const stored = this.ctx.store.get(this.ctx.types.deployments, this.d.metadata.namespace!, this.d.metadata.name!) as
      Deployment | undefined;
    if (!stored || stored.metadata.uid !== this.d.metadata.uid) return;
    stored.metadata.annotations = this.d.metadata.annotations;
    stored.status = this.d.status;
    if (stored.status?.conditions?.length === 0) delete stored.status.conditions;
    this.d = this.ctx.store.update(this.ctx.types.deployments, stored) as Deployment;
  }

  private writeReplicaSet(rs: ReplicaSet): ReplicaSet {
    return this.ctx.store.update(this.ctx.types.replicasets, rs) as ReplicaSet;
  }

  private event(type: 'Normal' | 'Warning', reason: string, message: string): void {
    recordEvent(this.ctx, this.d, this.ctx.types.deployments, type, reason, message, 'deployment-controller');
  }

  // ---------- entry point ----------

  run(): void {
    const d = this.d;
    const rsList = this.replicaSets();
    if (d.metadata.deletionTimestamp) return this.syncStatusOnly(rsList);
    this.checkPausedConditions();
    if (d.spec.paused) return this.sync(rsList);
    if (this.isScalingEvent(rsList)) return this.sync(rsList);
    if (isRollingUpdate(d)) this.rolloutRolling(rsList);
    else this.rolloutRecreate(rsList);
  }

  /** ReplicaSets this Deployment controls, adopting matching orphans (ClaimReplicaSets). */
  private replicaSets(): ReplicaSet[] {
    const all = this.ctx.store.list(this.ctx.types.replicasets, this.d.metadata.namespace) as ReplicaSet[];
    const owned: ReplicaSet[] = [];
    for (const rs of all) {
      if (controllerUid(rs) === this.d.metadata.uid) owned.push(rs);
    }
    return owned;
  }

  // ---------- sync.go ----------

  private checkPausedConditions(): void {
    const d = this.d;
    if (!hasProgressDeadline(d)) return;
    const cond = getCondition(d.status, 'Progressing');
    if (cond?.reason === Reasons.ProgressDeadlineExceeded) return;
    const pausedCondExists = cond?.reason === Reasons.DeploymentPaused;
    d.status = d.status ?? {};
    if (d.spec.paused && !pausedCondExists) {
      Sync.setCondition(
        d.status,
        this.condition('Progressing', 'Unknown', Reasons.DeploymentPaused, 'Deployment is paused'),
      );
      this.writeDeployment();
    } else if (!d.spec.paused && pausedCondExists) {
      Sync.setCondition(
        d.status,
        this.condition('Progressing', 'Unknown', Reasons.DeploymentResumed, 'Deployment is resumed'),
      );
      this.writeDeployment();
    }
  }

  private sync(rsList: ReplicaSet[]): void {
    const { newRS, oldRSs } = this.getAllReplicaSetsAndSyncRevision(rsList, false);
    this.scale(newRS, oldRSs);
    const fresh = this.replicaSets();
    const refreshed = this.split(fresh, newRS);
    if (this.d.spec.paused) this.cleanupDeployment(refreshed.oldRSs);
    this.syncDeploymentStatus([...refreshed.oldRSs, ...(refreshed.newRS ? [refreshed.newRS] : [])], refreshed.newRS);
  }

  private syncStatusOnly(rsList: ReplicaSet[]): void {
    const { newRS, oldRSs } = this.getAllReplicaSetsAndSyncRevision(rsList, false);
    this.syncDeploymentStatus([...oldRSs, ...(newRS ? [newRS] : [])], newRS);
  }

  private split(rsList: ReplicaSet[], newRS: ReplicaSet | undefined): { newRS?: ReplicaSet; oldRSs: ReplicaSet[] } {
    const fresh = newRS ? rsList.find((r) => r.metadata.uid === newRS.metadata.uid) : undefined;
    return { newRS: fresh, oldRSs: rsList.filter((r) => r !== fresh) };
  }

  private findNewReplicaSet(rsList: ReplicaSet[]): ReplicaSet | undefined {
    return [...rsList].sort(byCreation).find((rs) => equalIgnoreHash(rs.spec.template, this.d.spec.template));
  }

  private getAllReplicaSetsAndSyncRevision(
    rsList: ReplicaSet[],
    createIfNotExisted: boolean,
  ): { newRS?: ReplicaSet; oldRSs: ReplicaSet[] } {
    const existing = this.findNewReplicaSet(rsList);
    const oldRSs = rsList.filter((rs) => rs !== existing);
    const newRS = this.getNewReplicaSet(existing, oldRSs, createIfNotExisted);
    return { newRS, oldRSs };
  }

  private setNewReplicaSetAnnotations(rs: ReplicaSet, newRevision: string, exists: boolean): boolean {
    let changed = this.copyDeploymentAnnotationsToReplicaSet(rs);
    const annotations = (rs.metadata.annotations = rs.metadata.annotations ?? {});
    const oldRevision = annotations[REVISION];
    const oldRevisionInt = oldRevision === undefined ? 0 : Number(oldRevision);
    if (!Number.isFinite(oldRevisionInt)) return false;
    const newRevisionInt = Number(newRevision);
    if (oldRevisionInt < newRevisionInt) {
      annotations[REVISION] = newRevision;
      changed = true;
    }
    // Rolling back to this ReplicaSet: keep the revisions it had before in revision-history.
    if (oldRevision !== undefined && oldRevisionInt < newRevisionInt) {
      const history = annotations[REVISION_HISTORY];
      let revisions = history ? history.split(',') : [];
      revisions.push(oldRevision);
      while (revisions.join(',').length > MAX_REV_HISTORY_CHARS && revisions.length > 1) revisions = revisions.slice(1);
      annotations[REVISION_HISTORY] = revisions.join(',');
    }
    if (!exists && this.setReplicasAnnotations(rs, replicasOf(this.d), replicasOf(this.d) + maxSurge(this.d)))
      changed = true;
    return changed;
  }

  private copyDeploymentAnnotationsToReplicaSet(rs: ReplicaSet): boolean {
    let changed = false;
    rs.metadata.annotations = rs.metadata.annotations ?? {};
    for (const [key, value] of Object.entries(this.d.metadata.annotations ?? {})) {
      if (skipCopyAnnotation(key) || rs.metadata.annotations[key] === value) continue;
      rs.metadata.annotations[key] = value;
      changed = true;
    }
    return changed;
  }

  private setReplicasAnnotations(rs: ReplicaSet, desired: number, max: number): boolean {
    const annotations = (rs.metadata.annotations = rs.metadata.annotations ?? {});
    let changed = false;
    if (annotations[DESIRED_REPLICAS] !== String(desired)) {
      annotations[DESIRED_REPLICAS] = String(desired);
      changed = true;
    }
    if (annotations[MAX_REPLICAS] !== String(max)) {
      annotations[MAX_REPLICAS] = String(max);
      changed = true;
    }
    return changed;
  }

  private setDeploymentRevision(revision: string): boolean {
    const annotations = (this.d.metadata.annotations = this.d.metadata.annotations ?? {});
    if (annotations[REVISION] === revision) return false;
    annotations[REVISION] = revision;
    return true;
  }

  private getNewReplicaSet(
    existing: ReplicaSet | undefined,
    oldRSs: ReplicaSet[],
    create: boolean,
  ): ReplicaSet | undefined {
    const d = this.d;
    const maxOldRevision = Math.max(0, ...oldRSs.map(revisionOf));
    const newRevision = String(maxOldRevision + 1);

    if (existing) {
      let rs = clone(existing);
      const annotationsUpdated = this.setNewReplicaSetAnnotations(rs, newRevision, true);
      const minReadyChanged = (rs.spec.minReadySeconds ?? 0) !== (d.spec.minReadySeconds ?? 0);
      if (annotationsUpdated || minReadyChanged) {
        if (d.spec.minReadySeconds !== undefined) rs.spec.minReadySeconds = d.spec.minReadySeconds;
        else delete rs.spec.minReadySeconds;
        rs = this.writeReplicaSet(rs);
      }
      let needsUpdate = this.setDeploymentRevision(rs.metadata.annotations?.[REVISION] ?? newRevision);
      d.status = d.status ?? {};
      if (hasProgressDeadline(d) && !getCondition(d.status, 'Progressing')) {
        Sync.setCondition(
          d.status,
          this.condition(
            'Progressing',
            'True',
            Reasons.FoundNewReplicaSet,
            `Found new replica set "${rs.metadata.name}"`,
          ),
        );
        needsUpdate = true;
      }
      if (needsUpdate) this.writeDeployment();
      return rs;
    }
    if (!create) return undefined;

    const template = clone(d.spec.template ?? {});
    const hash = podTemplateHash(template, d.status?.collisionCount);
    template.metadata = template.metadata ?? {};
    template.metadata.labels = { ...(template.metadata.labels ?? {}), [POD_TEMPLATE_HASH]: hash };
    const selector = clone(d.spec.selector ?? {});
    selector.matchLabels = { ...(selector.matchLabels ?? {}), [POD_TEMPLATE_HASH]: hash };
    const rs: ReplicaSet = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${d.metadata.name}-${hash}`,
        namespace: d.metadata.namespace,
        labels: template.metadata.labels,
        ownerReferences: [controllerRef(d, this.ctx.types.deployments)],
      },
      spec: {
        replicas: 0,
        ...(d.spec.minReadySeconds !== undefined ? { minReadySeconds: d.spec.minReadySeconds } : {}),
        selector,
        template,
      },
    };
    rs.spec.replicas = this.newRSNewReplicas([...oldRSs, rs], rs);
    this.setNewReplicaSetAnnotations(rs, newRevision, false);

    const clash = this.ctx.store.get(this.ctx.types.replicasets, d.metadata.namespace!, rs.metadata.name!) as
      ReplicaSet | undefined;
    if (clash) {
      // A ReplicaSet with this hash exists but is not ours or has another template: bump collisionCount.
      if (controllerUid(clash) === d.metadata.uid && equalIgnoreHash(clash.spec.template, d.spec.template))
        return clash;
      d.status = { ...(d.status ?? {}), collisionCount: (d.status?.collisionCount ?? 0) + 1 };
      this.writeDeployment();
      throw new StatusError(
        409,
        'AlreadyExists',
        `replicasets.apps "${rs.metadata.name}" already exists (hash collision)`,
      );
    }
    const created = this.ctx.store.create(this.ctx.types.replicasets, rs) as ReplicaSet;
    if ((created.spec.replicas ?? 0) > 0) {
      this.event(
        'Normal',
        'ScalingReplicaSet',
        `Scaled up replica set ${created.metadata.name} from 0 to ${created.spec.replicas}`,
      );
    }
    this.setDeploymentRevision(newRevision);
    d.status = d.status ?? {};
    if (hasProgressDeadline(d)) {
      Sync.setCondition(
        d.status,
        this.condition(
          'Progressing',
          'True',
          Reasons.NewReplicaSetCreated,
          `Created new replica set "${created.metadata.name}"`,
        ),
      );
    }
    this.writeDeployment();
    return created;
  }

  private scaleReplicaSet(rs: ReplicaSet, newScale: number): ReplicaSet {
    const d = this.d;
    const sizeNeedsUpdate = specReplicas(rs) !== newScale;
    const copy = clone(rs);
    const annotationsChanged = this.setReplicasAnnotations(copy, replicasOf(d), replicasOf(d) + maxSurge(d));
    if (!sizeNeedsUpdate && !annotationsChanged) return rs;
    copy.spec.replicas = newScale;
    const updated = this.writeReplicaSet(copy);
    if (sizeNeedsUpdate) {
      const direction = specReplicas(rs) < newScale ? 'up' : 'down';
      this.event(
        'Normal',
        'ScalingReplicaSet',
        `Scaled ${direction} replica set ${rs.metadata.name} from ${specReplicas(rs)} to ${newScale}`,
      );
    }
    return updated;
  }

  private isScalingEvent(rsList: ReplicaSet[]): boolean {
    const { newRS, oldRSs } = this.getAllReplicaSetsAndSyncRevision(rsList, false);
    for (const rs of [...oldRSs, ...(newRS ? [newRS] : [])]) {
      if (specReplicas(rs) <= 0) continue;
      const desired = rs.metadata.annotations?.[DESIRED_REPLICAS];
      if (desired === undefined) continue;
      if (Number(desired) !== replicasOf(this.d)) return true;
    }
    return false;
  }

  /** Proportional scaling of a Deployment whose replicas changed mid-rollout (sync.go scale()). */
  private scale(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): void {
    const d = this.d;
    const activeOrLatest = this.findActiveOrLatest(newRS, oldRSs);
    if (activeOrLatest) {
      if (specReplicas(activeOrLatest) !== replicasOf(d)) this.scaleReplicaSet(activeOrLatest, replicasOf(d));
      return;
    }
    if (newRS && this.isSaturated(newRS)) {
      for (const old of oldRSs.filter((rs) => specReplicas(rs) > 0)) this.scaleReplicaSet(old, 0);
      return;
    }
    if (!isRollingUpdate(d)) return;
    const all = [...oldRSs, ...(newRS ? [newRS] : [])].filter((rs) => specReplicas(rs) > 0);
    const allReplicas = sum(all, specReplicas);
    const allowedSize = replicasOf(d) > 0 ? replicasOf(d) + maxSurge(d) : 0;
    const toAdd = allowedSize - allReplicas;
    const newer = (a: ReplicaSet, b: ReplicaSet) => byCreation(b, a);
    all.sort((a, b) => specReplicas(b) - specReplicas(a) || (toAdd > 0 ? newer(a, b) : byCreation(a, b)));
    const sizes = new Map<ReplicaSet, number>();
    let added = 0;
    for (const rs of all) {
      if (toAdd !== 0) {
        const proportion = this.proportion(rs, toAdd, added);
        sizes.set(rs, specReplicas(rs) + proportion);
        added += proportion;
      } else sizes.set(rs, specReplicas(rs));
    }
    if (toAdd !== 0 && all.length > 0) {
      const first = all[0]!;
      sizes.set(first, Math.max(0, sizes.get(first)! + (toAdd - added)));
    }
    for (const rs of all) this.scaleReplicaSet(rs, sizes.get(rs)!);
  }

  private proportion(rs: ReplicaSet, toAdd: number, added: number): number {
    if (specReplicas(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
    const fraction = this.replicaSetFraction(rs);
    const allowed = toAdd - added;
    return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
  }

  private replicaSetFraction(rs: ReplicaSet): number {
    const d = this.d;
    if (replicasOf(d) === 0) return -specReplicas(rs);
    const deploymentReplicas = replicasOf(d) + maxSurge(d);
    const annotated = rs.metadata.annotations?.[MAX_REPLICAS];
    const annotatedReplicas =
      annotated !== undefined && Number.isFinite(Number(annotated)) ? Number(annotated) : (d.status?.replicas ?? 0);
    if (annotatedReplicas === 0) return 0;
    return Math.round((specReplicas(rs) * deploymentReplicas) / annotatedReplicas) - specReplicas(rs);
  }

  private findActiveOrLatest(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): ReplicaSet | undefined {
    if (!newRS && oldRSs.length === 0) return undefined;
    const olderFirst = [...oldRSs].sort((a, b) => byCreation(b, a));
    const active = [...olderFirst, ...(newRS ? [newRS] : [])].filter((rs) => specReplicas(rs) > 0);
    if (active.length === 0) return newRS ?? olderFirst[0];
    if (active.length === 1) return active[0];
    return undefined;
  }

  private isSaturated(rs: ReplicaSet): boolean {
    const desired = Number(rs.metadata.annotations?.[DESIRED_REPLICAS]);
    const replicas = replicasOf(this.d);
    return specReplicas(rs) === replicas && desired === replicas && (rs.status?.availableReplicas ?? 0) === replicas;
  }

  private cleanupDeployment(oldRSs: ReplicaSet[]): void {
    const limit = this.d.spec.revisionHistoryLimit;
    if (limit === undefined || limit === null) return;
    const cleanable = oldRSs.filter((rs) => !rs.metadata.deletionTimestamp);
    const diff = cleanable.length - limit;
    if (diff <= 0) return;
    cleanable.sort((a, b) => revisionOf(a) - revisionOf(b) || byCreation(a, b));
    for (const rs of cleanable.slice(0, diff)) {
      if ((rs.status?.replicas ?? 0) !== 0 || specReplicas(rs) !== 0) continue;
      if ((rs.metadata.generation ?? 0) > (rs.status?.observedGeneration ?? 0)) continue;
      this.ctx.store.remove(this.ctx.types.replicasets, rs.metadata.namespace!, rs.metadata.name!);
    }
  }

  private calculateStatus(allRSs: ReplicaSet[], newRS: ReplicaSet | undefined): DeploymentStatus {
    const d = this.d;
    const available = sum(allRSs, (rs) => rs.status?.availableReplicas);
    const total = sum(allRSs, specReplicas);
    const status: DeploymentStatus = {
      observedGeneration: d.metadata.generation,
      replicas: sum(allRSs, (rs) => rs.status?.replicas),
      updatedReplicas: newRS ? (newRS.status?.replicas ?? 0) : 0,
      readyReplicas: sum(allRSs, (rs) => rs.status?.readyReplicas),
      availableReplicas: available,
      unavailableReplicas: Math.max(0, total - available),
      conditions: clone(d.status?.conditions ?? []),
      collisionCount: d.status?.collisionCount,
    };
    if (available >= replicasOf(d) - maxUnavailable(d)) {
      Sync.setCondition(
        status,
        this.condition('Available', 'True', Reasons.MinimumReplicasAvailable, 'Deployment has minimum availability.'),
      );
    } else {
      Sync.setCondition(
        status,
        this.condition(
          'Available',
          'False',
          Reasons.MinimumReplicasUnavailable,
          'Deployment does not have minimum availability.',
        ),
      );
    }
    return status;
  }

  private syncDeploymentStatus(allRSs: ReplicaSet[], newRS: ReplicaSet | undefined): void {
    this.commitStatus(this.calculateStatus(allRSs, newRS));
  }

  private commitStatus(status: DeploymentStatus): void {
    const normalized = omitZero(status, [
      'observedGeneration',
      'replicas',
      'updatedReplicas',
      'readyReplicas',
      'availableReplicas',
      'unavailableReplicas',
      'collisionCount',
    ]);
    if (normalized.conditions?.length === 0) delete normalized.conditions;
    if (isDeepStrictEqual(normalized, this.d.status ?? {})) return;
    this.d.status = normalized;
    this.writeDeployment();
  }

  // ---------- rolling.go ----------

  private rolloutRolling(rsList: ReplicaSet[]): void {
    const { newRS, oldRSs } = this.getAllReplicaSetsAndSyncRevision(rsList, true);
    if (!newRS) return;
    if (this.reconcileNewReplicaSet(newRS, oldRSs)) return this.syncRolloutStatusFresh(newRS);
    if (this.reconcileOldReplicaSets(newRS, oldRSs)) return this.syncRolloutStatusFresh(newRS);
    if (this.deploymentComplete(this.d.status ?? {})) this.cleanupDeployment(oldRSs);
    this.syncRolloutStatusFresh(newRS);
  }

  private syncRolloutStatusFresh(newRS: ReplicaSet): void {
    const { newRS: fresh, oldRSs } = this.split(this.replicaSets(), newRS);
    this.syncRolloutStatus([...oldRSs, ...(fresh ? [fresh] : [])], fresh);
  }

  /** NewRSNewReplicas: how far the new ReplicaSet may grow this step. */
  private newRSNewReplicas(allRSs: ReplicaSet[], newRS: ReplicaSet): number {
    const d = this.d;
    if (!isRollingUpdate(d)) return replicasOf(d);
    const maxTotal = replicasOf(d) + maxSurge(d);
    const current = sum(allRSs, specReplicas);
    if (current >= maxTotal) return specReplicas(newRS);
    const scaleUp = Math.min(maxTotal - current, replicasOf(d) - specReplicas(newRS));
    return specReplicas(newRS) + scaleUp;
  }

  private reconcileNewReplicaSet(newRS: ReplicaSet, oldRSs: ReplicaSet[]): boolean {
    const replicas = replicasOf(this.d);
    if (specReplicas(newRS) === replicas) return false;
    if (specReplicas(newRS) > replicas) {
      this.scaleReplicaSet(newRS, replicas);
      return true;
    }
    const wanted = this.newRSNewReplicas([...oldRSs, newRS], newRS);
    if (wanted === specReplicas(newRS)) return false;
    this.scaleReplicaSet(newRS, wanted);
    return true;
  }

  private reconcileOldReplicaSets(newRS: ReplicaSet, oldRSs: ReplicaSet[]): boolean {
    const d = this.d;
    if (sum(oldRSs, specReplicas) === 0) return false;
    const allPods = sum([...oldRSs, newRS], specReplicas);
    const minAvailable = replicasOf(d) - maxUnavailable(d);
    const newUnavailable = specReplicas(newRS) - (newRS.status?.availableReplicas ?? 0);
    const maxScaledDown = allPods - minAvailable - newUnavailable;
    if (maxScaledDown <= 0) return false;
    const { rsList: cleaned, scaledDown: cleanup } = this.cleanupUnhealthyReplicas(oldRSs, maxScaledDown);
    const scaledDown = this.scaleDownOldReplicaSetsForRollingUpdate([...cleaned, newRS], cleaned);
    return cleanup + scaledDown > 0;
  }

  private cleanupUnhealthyReplicas(
    oldRSs: ReplicaSet[],
    maxCleanup: number,
  ): { rsList: ReplicaSet[]; scaledDown: number } {
    const sorted = [...oldRSs].sort(byCreation);
    let total = 0;
    const result: ReplicaSet[] = [];
    for (const rs of sorted) {
      const unhealthy = specReplicas(rs) - (rs.status?.availableReplicas ?? 0);
      if (total >= maxCleanup || specReplicas(rs) === 0 || unhealthy <= 0) {
        result.push(rs);
        continue;
      }
      const count = Math.min(maxCleanup - total, unhealthy);
      result.push(this.scaleReplicaSet(rs, specReplicas(rs) - count));
      total += count;
    }
    return { rsList: result, scaledDown: total };
  }

  private scaleDownOldReplicaSetsForRollingUpdate(allRSs: ReplicaSet[], oldRSs: ReplicaSet[]): number {
    const minAvailable = replicasOf(this.d) - maxUnavailable(this.d);
    const available = sum(allRSs, (rs) => rs.status?.availableReplicas);
    if (available <= minAvailable) return 0;
    const totalScaleDown = available - minAvailable;
    let total = 0;
    for (const rs of [...oldRSs].sort(byCreation)) {
      if (total >= totalScaleDown) break;
      if (specReplicas(rs) === 0) continue;
      const count = Math.min(specReplicas(rs), totalScaleDown - total);
      this.scaleReplicaSet(rs, specReplicas(rs) - count);
      total += count;
    }
    return total;
  }

  // ---------- recreate.go ----------

  private rolloutRecreate(rsList: ReplicaSet[]): void {
    let { newRS, oldRSs } = this.getAllReplicaSetsAndSyncRevision(rsList, false);
    let scaledDown = false;
    for (const rs of oldRSs.filter((r) => specReplicas(r) > 0)) {
      this.scaleReplicaSet(rs, 0);
      scaledDown = true;
    }
    if (scaledDown) return this.syncRolloutStatusAll(newRS);
    if (this.oldPodsRunning(oldRSs)) return this.syncRolloutStatusAll(newRS);
    if (!newRS) ({ newRS, oldRSs } = this.getAllReplicaSetsAndSyncRevision(this.replicaSets(), true));
    if (!newRS) return;
    if (specReplicas(newRS) !== replicasOf(this.d)) this.scaleReplicaSet(newRS, replicasOf(this.d));
    if (this.deploymentComplete(this.d.status ?? {})) this.cleanupDeployment(oldRSs);
    this.syncRolloutStatusAll(newRS);
  }

  private syncRolloutStatusAll(newRS: ReplicaSet | undefined): void {
    const { newRS: fresh, oldRSs } = this.split(this.replicaSets(), newRS);
    this.syncRolloutStatus([...oldRSs, ...(fresh ? [fresh] : [])], fresh);
  }

  private oldPodsRunning(oldRSs: ReplicaSet[]): boolean {
    return oldRSs.some((rs) => podsOf(this.ctx, rs).some((p) => isActivePod(p) || p.metadata.deletionTimestamp));
  }

  // ---------- progress.go ----------

  private deploymentComplete(status: DeploymentStatus): boolean {
    const replicas = replicasOf(this.d);
    return (
      (status.updatedReplicas ?? 0) === replicas &&
      (status.replicas ?? 0) === replicas &&
      (status.availableReplicas ?? 0) === replicas &&
      (status.observedGeneration ?? 0) >= (this.d.metadata.generation ?? 0)
    );
  }

  private deploymentProgressing(newStatus: DeploymentStatus): boolean {
    const old = this.d.status ?? {};
    const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
    const newOld = (newStatus.replicas ?? 0) - (newStatus.updatedReplicas ?? 0);
    return (
      (newStatus.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) ||
      newOld < oldOld ||
      (newStatus.readyReplicas ?? 0) > (old.readyReplicas ?? 0) ||
      (newStatus.availableReplicas ?? 0) > (old.availableReplicas ?? 0)
    );
  }

  private deploymentTimedOut(newStatus: DeploymentStatus): boolean {
    if (!hasProgressDeadline(this.d)) return false;
    const c = getCondition(newStatus, 'Progressing');
    if (!c) return false;
    if (c.reason === Reasons.NewReplicaSetAvailable) return false;
    if (c.reason === Reasons.ProgressDeadlineExceeded) return true;
    const from = parseTimestamp(c.lastUpdateTime);
    if (from === undefined) return false;
    return from + this.d.spec.progressDeadlineSeconds! * 1000 < this.ctx.clock.now();
  }

  private syncRolloutStatus(allRSs: ReplicaSet[], newRS: ReplicaSet | undefined): void {
    const d = this.d;
    const newStatus = this.calculateStatus(allRSs, newRS);
    if (!hasProgressDeadline(d)) Sync.removeCondition(newStatus, 'Progressing');
    const current = getCondition(d.status, 'Progressing');
    const complete =
      (newStatus.replicas ?? 0) === (newStatus.updatedReplicas ?? 0) &&
      current?.reason === Reasons.NewReplicaSetAvailable;
    if (hasProgressDeadline(d) && !complete) {
      const subject = newRS ? `ReplicaSet "${newRS.metadata.name}"` : `Deployment "${d.metadata.name}"`;
      if (this.deploymentComplete(newStatus)) {
        Sync.setCondition(
          newStatus,
          this.condition(
            'Progressing',
            'True',
            Reasons.NewReplicaSetAvailable,
            `${subject} has successfully progressed.`,
          ),
        );
      } else if (this.deploymentProgressing(newStatus)) {
        const c = this.condition('Progressing', 'True', Reasons.ReplicaSetUpdated, `${subject} is progressing.`);
        if (current?.status === 'True') c.lastTransitionTime = current.lastTransitionTime;
        Sync.removeCondition(newStatus, 'Progressing');
        Sync.setCondition(newStatus, c);
      } else if (this.deploymentTimedOut(newStatus)) {
        const timedOut = getCondition(newStatus, 'Progressing')?.reason !== Reasons.ProgressDeadlineExceeded;
        Sync.setCondition(
          newStatus,
          this.condition(
            'Progressing',
            'False',
            Reasons.ProgressDeadlineExceeded,
            `${subject} has timed out progressing.`,
          ),
        );
        if (timedOut) this.event('Warning', 'ProgressDeadlineExceeded', `${subject} has timed out progressing.`);
      }
    }
    const failure = allRSs.flatMap((rs) => rs.status?.conditions ?? []).find((c) => c.type === 'ReplicaFailure');
    if (failure) Sync.setCondition(newStatus, { ...failure });
    else Sync.removeCondition(newStatus, 'ReplicaFailure');
    this.commitStatus(newStatus);
  }
}

export function syncDeployment(ctx: ControllerContext, d: Deployment): void {
  new Sync(ctx, d).run();
}
