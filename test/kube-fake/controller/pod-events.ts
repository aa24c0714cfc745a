/** The events a kubelet and scheduler record while a pod changes state (what `kubectl describe pod` shows). */
import type { ContainerStatus, Pod } from '../types.js';
import { recordEvent, type ControllerContext } from './context.js';

function record(
  ctx: ControllerContext,
  pod: Pod,
  type: 'Normal' | 'Warning',
  reason: string,
  message: string,
  component = 'kubelet',
): void {
  recordEvent(ctx, pod, ctx.types.pods, type, reason, message, component);
}

function containerEvents(
  ctx: ControllerContext,
  pod: Pod,
  before: ContainerStatus | undefined,
  after: ContainerStatus,
  image: string,
): void {
  const waitingBefore = before?.state.waiting?.reason;
  const waitingAfter = after.state.waiting?.reason;
  const name = after.name;
  if (waitingAfter && waitingAfter !== waitingBefore) {
    switch (waitingAfter) {
      case 'ErrImagePull':
        record(ctx, pod, 'Normal', 'Pulling', `Pulling image "${image}"`);
        record(ctx, pod, 'Warning', 'Failed', `Failed to pull image "${image}": ${after.state.waiting?.message ?? ''}`);
        record(ctx, pod, 'Warning', 'Failed', 'Error: ErrImagePull');
        break;
      case 'ImagePullBackOff':
        record(ctx, pod, 'Normal', 'BackOff', `Back-off pulling image "${image}"`);
        record(ctx, pod, 'Warning', 'Failed', 'Error: ImagePullBackOff');
        break;
      case 'CrashLoopBackOff':
        record(
          ctx,
          pod,
          'Warning',
          'BackOff',
          `Back-off restarting failed container ${name} in pod ${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`,
        );
        break;
      case 'ContainerCreating':
        break;
      default:
        record(ctx, pod, 'Warning', 'Failed', `Error: ${after.state.waiting?.message ?? waitingAfter}`);
    }
  }
  const started = after.state.running && after.containerID !== before?.containerID;
  if (started) {
    if (after.restartCount === 0) {
      record(ctx, pod, 'Normal', 'Pulling', `Pulling image "${image}"`);
      record(ctx, pod, 'Normal', 'Pulled', `Successfully pulled image "${image}"`);
    } else {
      record(ctx, pod, 'Normal', 'Pulled', `Container image "${image}" already present on machine`);
    }
    record(ctx, pod, 'Normal', 'Created', `Created container: ${name}`);
    record(ctx, pod, 'Normal', 'Started', `Started container ${name}`);
  }
  if (before?.ready && !after.ready && after.state.running && before.containerID === after.containerID) {
    record(ctx, pod, 'Warning', 'Unhealthy', 'Readiness probe failed: HTTP probe failed with statuscode: 503');
  }
}

export function podTransitionEvents(ctx: ControllerContext, before: Pod, after: Pod): void {
  if (!before.spec.nodeName && after.spec.nodeName) {
    record(
      ctx,
      after,
      'Normal',
      'Scheduled',
      `Successfully assigned ${after.metadata.namespace}/${after.metadata.name} to ${after.spec.nodeName}`,
      'default-scheduler',
    );
  }
  const scheduleFailure = after.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
  if (scheduleFailure && !before.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'False')) {
    record(
      ctx,
      after,
      'Warning',
      'FailedScheduling',
      scheduleFailure.message ?? 'pod cannot be scheduled',
      'default-scheduler',
    );
  }
  for (const status of after.status?.containerStatuses ?? []) {
    const image = after.spec.containers.find((c) => c.name === status.name)?.image ?? '';
    containerEvents(
      ctx,
      after,
      before.status?.containerStatuses?.find((s) => s.name === status.name),
      status,
      image,
    );
  }
}

export function podKillingEvents(ctx: ControllerContext, pod: Pod): void {
  for (const c of pod.spec.containers) record(ctx, pod, 'Normal', 'Killing', `Stopping container ${c.name}`);
}
