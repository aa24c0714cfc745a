/**
 * What a simulated container does, chosen by its image. Tests script failure modes by tag
 * (`app:crashloop`) or by registering their own rules (glob on the whole image reference); the
 * newest matching rule wins, the built-in tag rules come last, the default behaviour after them.
 */

export interface PodBehaviour {
  /** Virtual seconds from pod creation until the container starts (ContainerCreating before). */
  startSeconds?: number;
  /** Seconds after each start until the container passes its readiness probe; null: never ready. */
  readyAfterSeconds?: number | null;
  /** Seconds after each start when a ready container starts failing its readiness probe; null: never. */
  unreadyAfterSeconds?: number | null;
  /** Seconds a container runs before it exits; null: runs until deleted. */
  exitAfterSeconds?: number | null;
  /** Exit code and terminated reason when it exits (137/OOMKilled, 1/Error, 0/Completed). */
  exitCode?: number;
  exitReason?: string;
  /** The image cannot be pulled: ErrImagePull, then ImagePullBackOff, retried with back-off. */
  pullError?: string;
  /** The container cannot be created (e.g. CreateContainerConfigError and its message). */
  waitingReason?: string;
  waitingMessage?: string;
  /** The pod never gets a node: PodScheduled=False, reason Unschedulable, with this message. */
  unschedulable?: string;
  /** Virtual seconds a deleted pod takes to go away (capped by its grace period). */
  terminationSeconds?: number;
  /** What GET .../pods/<name>/log returns. */
  logs?: string;
}

export interface BehaviourRule {
  /** Glob over the image reference: `*` matches any run of characters, `?` one. */
  image: string;
  behaviour: PodBehaviour;
}

export const DEFAULT_BEHAVIOUR: Required<
  Omit<PodBehaviour, 'pullError' | 'waitingReason' | 'waitingMessage' | 'unschedulable'>
> = {
  startSeconds: 1,
  readyAfterSeconds: 2,
  unreadyAfterSeconds: null,
  exitAfterSeconds: null,
  exitCode: 0,
  exitReason: 'Completed',
  terminationSeconds: 1,
  logs: 'listening on :8080\n',
};

const BUILT_IN_RULES: BehaviourRule[] = [
  {
    image: '*:crashloop',
    behaviour: {
      exitAfterSeconds: 1,
      exitCode: 1,
      exitReason: 'Error',
      readyAfterSeconds: null,
      logs: 'panic: cannot connect to database: connection refused\n',
    },
  },
  {
    image: '*:oom',
    behaviour: {
      exitAfterSeconds: 2,
      exitCode: 137,
      exitReason: 'OOMKilled',
      readyAfterSeconds: null,
      logs: 'loading cache...\n',
    },
  },
  { image: '*:badpull', behaviour: { pullError: 'not found' } },
  { image: '*:neverready', behaviour: { readyAfterSeconds: null, logs: 'waiting for dependency...\n' } },
  {
    image: '*:configerror',
    behaviour: { waitingReason: 'CreateContainerConfigError', waitingMessage: 'secret "app-secrets" not found' },
  },
  {
    image: '*:unschedulable',
    behaviour: {
      unschedulable:
        '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.',
    },
  },
];

function globToRegExp(glob: string): RegExp {
  const escaped = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`);
}

export class BehaviourRegistry {
  private rules: { rule: BehaviourRule; pattern: RegExp }[] = [];
  private defaults: PodBehaviour;

  constructor(defaults: PodBehaviour = {}) {
    this.defaults = { ...DEFAULT_BEHAVIOUR, ...defaults };
  }

  /** Add a rule in front of the others (newest wins). */
  set(rule: BehaviourRule): void {
    this.rules = this.rules.filter((r) => r.rule.image !== rule.image);
    this.rules.unshift({ rule, pattern: globToRegExp(rule.image) });
  }

  /** Change what an image without a matching rule does (e.g. readyAfterSeconds). */
  setDefault(behaviour: PodBehaviour): void {
    this.defaults = { ...this.defaults, ...behaviour };
  }

  clear(): void {
    this.rules = [];
  }

  list(): BehaviourRule[] {
    return this.rules.map((r) => r.rule);
  }

  /** The effective behaviour: defaults overlaid by the first matching rule. */
  forImage(image: string): PodBehaviour & typeof DEFAULT_BEHAVIOUR {
    const match =
      this.rules.find((r) => r.pattern.test(image))?.rule ??
      BUILT_IN_RULES.find((r) => globToRegExp(r.image).test(image));
    return { ...DEFAULT_BEHAVIOUR, ...this.defaults, ...(match?.behaviour ?? {}) } as PodBehaviour &
      typeof DEFAULT_BEHAVIOUR;
  }
}
