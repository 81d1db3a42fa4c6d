import type { EnqueueOptions, JobState, QueueItemInput } from '../../src-shared/job';

/**
 * What a child's failure (dead or cancelled) does to its parent:
 * - `fail`: the parent ends dead, reason `child_failed` (the default);
 * - `ignore`: recorded in the parent's results, and counted as done;
 * - `continue`: the parent runs at once, with the results it has;
 * - `remove`: the pending siblings are cancelled and the parent runs at once.
 */
export type FlowPolicy = 'fail' | 'ignore' | 'continue' | 'remove';
export const FLOW_POLICIES: readonly FlowPolicy[] = ['fail', 'ignore', 'continue', 'remove'];

/** One job of a flow tree, as a producer gives it to `enqueueFlow`. */
export interface FlowNode<P = unknown> {
  queue: string;
  item: QueueItemInput<P>;
  /** The job id is `item.action.id`, `opts.jobId`, or derived from its parent's (`<parent id>.<index>`). */
  opts?: Pick<EnqueueOptions, 'priority' | 'maxRetries' | 'timeoutMs' | 'jobId'>;
  /** What this job's failure does to its parent (default `fail`). */
  onFailure?: FlowPolicy;
  /** Jobs that must end before this one runs; it waits in `waiting-children` until then. */
  children?: FlowNode[];
}

/** Where each job of an enqueued flow went. */
export interface FlowJobRef {
  queue: string;
  id: string;
  children?: FlowJobRef[];
}

/** Documented maximums: a flow beyond them is refused whole (FLOW_LIMITS in README "Flows"). */
export const FLOW_LIMITS = { maxChildren: 10_000, maxDepth: 16, maxJobs: 20_000 } as const;

/** How a child ended, as its parent recorded it. */
export type ChildOutcome = 'pending' | 'completed' | 'dead' | 'cancelled' | 'removed';

export interface ChildResult {
  queue: string;
  id: string;
  outcome: ChildOutcome;
  policy?: FlowPolicy;
  /** A completed child's result. */
  result?: unknown;
  /** A failed child's error text. */
  error?: string;
}

/** A flow seen from one of its jobs: its parent ref, and its subtree with states. */
export interface FlowTree {
  queue: string;
  id: string;
  /** Absent when the job no longer exists (trimmed or removed). */
  state?: JobState;
  parent?: { queue: string; id: string };
  /** As its parent recorded it. */
  outcome?: ChildOutcome;
  policy?: FlowPolicy;
  children: FlowTree[];
}

/** A validated node, encoded as enqueueFlowNode-6 takes it; a parent keeps its children's as its intent. */
export interface EncodedNode {
  queue: string;
  id: string;
  /** Message, agent, options (enqueue-coalescer's encoding). */
  enc: string[];
  policy: FlowPolicy;
  children: EncodedNode[];
}

export const childRef = (queue: string, id: string): string => `${queue}/${id}`;

export function parseRef(ref: string): { queue: string; id: string } {
  const slash = ref.indexOf('/');
  return { queue: ref.slice(0, slash), id: ref.slice(slash + 1) };
}
