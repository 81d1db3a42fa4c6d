/**
 * Flow behaviours written once, run on a single Redis (flows.test.ts) and on
 * the 3-master cluster (flows-cluster.test.ts). Queues `fa`, `fb`, `fc` land
 * on different slots (on the cluster, on different masters too).
 */
import { expect } from 'vitest';
import type { JobState } from '../../../src-shared/job';
import type { RedisQueueAdapter } from '../../../src-main/queue/redis-queue-adapter';
import { QueueKeys } from '../../../src-main/queue/keys';
import { item } from '../../support/queue';

export const QUEUES = ['fa', 'fb', 'fc'] as const;

export async function createQueues(a: RedisQueueAdapter): Promise<void> {
  for (const q of QUEUES) await a.createQueue(q, { maxRetries: 0, backoff: { type: 'fixed', delayMs: 0, maxDelayMs: 0 } });
}

export async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function stateOf(a: RedisQueueAdapter, queue: string, id: string): Promise<JobState | undefined> {
  return (await a.getJob(queue, id))?.state;
}

export function waitState(a: RedisQueueAdapter, queue: string, id: string, state: JobState): Promise<true> {
  return until(`${queue}/${id} ${state}`, async () => (await stateOf(a, queue, id)) === state || undefined);
}

/** Leases the job `id` of `queue` (the only one waiting there in these tests) and completes it. */
export async function runOne(a: RedisQueueAdapter, queue: string, id: string, result: unknown): Promise<void> {
  const job = await until(`a lease of ${queue}/${id}`, async () => (await a.dequeue(queue)) ?? undefined);
  expect(job.action.id).toBe(id);
  await a.completeProcessing(queue, id, result, job.lease.token);
}

/** Leases and dead-letters the job `id`. */
export async function failOne(a: RedisQueueAdapter, queue: string, id: string): Promise<void> {
  const job = await until(`a lease of ${queue}/${id}`, async () => (await a.dequeue(queue)) ?? undefined);
  expect(job.action.id).toBe(id);
  await a.failProcessing(queue, id, new Error(`boom ${id}`), { retryable: false, token: job.lease.token });
}

/** How many `type` events the queue's stream holds for job `id`. */
export async function eventCount(a: RedisQueueAdapter, queue: string, type: string, id: string): Promise<number> {
  const entries = await a.redis.xrange(new QueueKeys(a.keyPrefix, queue).key('events'), '-', '+');
  return entries.filter(([, f]) => f[1] === type && f[3] === id).length;
}

export const fanIn = (id: string, n: number) => ({
  queue: 'fa',
  item: item('reduce', id),
  opts: { jobId: id },
  children: Array.from({ length: n }, (_, i) => ({ queue: QUEUES[1 + (i % 2)] as string, item: item('map', i) })),
});

/**
 * The kill-between-steps check: `dying` finishes both children but "dies"
 * (its fault hook throws) after each child's outbox entry is written and
 * before the parent's apply; the parent stays in waiting-children until
 * `survivor` sweeps, and then moves to waiting exactly once.
 */
export async function killBetweenSteps(
  dying: RedisQueueAdapter,
  survivor: RedisQueueAdapter,
  step: 'before-apply' | 'before-delete',
): Promise<void> {
  // The survivor's sweeper timer off: the test sweeps by hand, after checking the state the death left.
  survivor.flows.close();
  await createQueues(dying);
  dying.flows.outbox.fault = (s) => {
    if (s === step) throw new Error(`injected death ${s}`);
  };
  await dying.flows.enqueueFlow(fanIn('k', 2));
  await runOne(dying, 'fb', 'k.0', 'r0');
  await runOne(dying, 'fc', 'k.1', 'r1');
  await new Promise((r) => setTimeout(r, 100));
  // After the crash: no apply reached the parent (before-apply), or every apply did and the entries stay (before-delete).
  expect(await stateOf(survivor, 'fa', 'k')).toBe(step === 'before-apply' ? 'waiting-children' : 'waiting');
  await survivor.flows.sweep('fb');
  await survivor.flows.sweep('fc');
  await waitState(survivor, 'fa', 'k', 'waiting');
  // Swept again (entries already applied): nothing changes; the parent is in the wait set once.
  await survivor.flows.sweep('fb');
  expect(await eventCount(survivor, 'fa', 'children_done', 'k')).toBe(1);
  expect((await survivor.counts('fa')).waiting).toBe(1);
  const results = await survivor.flows.childResults('fa', 'k');
  expect(results.map((r) => [r.id, r.outcome, r.result]).sort()).toEqual([
    ['k.0', 'completed', 'r0'],
    ['k.1', 'completed', 'r1'],
  ]);
}

/**
 * The kill-between-trim-and-apply check: `dying` finishes a flow whose root's
 * queue keeps no completed jobs, and "dies" before applying the root's `trim`
 * entry; the children stay until `survivor` sweeps, which deletes them once.
 */
export async function killBeforeTrim(dying: RedisQueueAdapter, survivor: RedisQueueAdapter): Promise<void> {
  survivor.flows.close();
  await createQueues(dying);
  await dying.createQueue('fa', { retention: { completed: { count: 0, ageS: 0 }, dead: { count: 0, ageS: 0 } } });
  dying.flows.outbox.fault = (step, entry) => {
    if (step === 'before-apply' && entry.startsWith('trim')) throw new Error('injected death before-apply');
  };
  await dying.flows.enqueueFlow(fanIn('d', 2));
  await runOne(dying, 'fb', 'd.0', 'a');
  await runOne(dying, 'fc', 'd.1', 'b');
  await runOne(dying, 'fa', 'd', 'root');
  await new Promise((r) => setTimeout(r, 100));
  // The root is gone, its children stay, the entry waits in fa's outbox.
  expect(await survivor.getJob('fa', 'd')).toBeNull();
  expect(await stateOf(survivor, 'fb', 'd.0')).toBe('completed');
  expect(await outboxSize(survivor)).toBe(1);
  dying.flows.close();
  await survivor.flows.sweep('fa');
  expect(await countFinished(survivor)).toBe(0);
  expect(await outboxSize(survivor)).toBe(0);
  // The same entry applied again changes nothing.
  await survivor.redis.zadd(new QueueKeys(survivor.keyPrefix, 'fa').key('outbox'), Date.now(), 'trim\nfa\nd\n\n\nfb/d.0\nfc/d.1');
  await survivor.flows.sweep('fa');
  expect(await countFinished(survivor)).toBe(0);
  expect(await outboxSize(survivor)).toBe(0);
}

/** Finished jobs left on the flow queues. */
export async function countFinished(a: RedisQueueAdapter): Promise<number> {
  let n = 0;
  for (const q of QUEUES) {
    const c = await a.counts(q);
    n += c.completed + c.dead + c.cancelled;
  }
  return n;
}

/** Entries left in the flow queues' outboxes. */
export async function outboxSize(a: RedisQueueAdapter): Promise<number> {
  let n = 0;
  for (const q of QUEUES) n += await a.redis.zcard(new QueueKeys(a.keyPrefix, q).key('outbox'));
  return n;
}
