import type { LeasedItem, ReleaseReason } from '../../src-shared/job';
import { isConnectionError } from '../queue/redis-client';
import type { LeaseBatch } from '../queue/redis-queue-adapter';
import type { JobOutcomes } from './job-outcomes';
import type { LeaseTimes } from './lease-keeper';
import type { RunJob } from './messages';
import type { OutageWatch } from './outage-watch';
import { groupBy, pause, type PoolContext, Wakeup } from './pool-context';
import type { RedisClock } from './redis-clock';
import type { ThreadHandle } from './thread-handle';
import type { ThreadSupervisor } from './thread-supervisor';

/** About how long a prefetched job may wait for a slot. */
const PREFETCH_WAIT_MS = 20;
/** Prefetched jobs at most, per slot and overall (whichever is more). */
const PREFETCH_PER_SLOT = 8;
const PREFETCH_MIN_CAP = 64;
/** Jobs per lease call at most: one script call blocks Redis for every other client, ~8 µs per job. */
const MAX_LEASE_BATCH = 256;
/** A prefetched job not started by then goes back to the queue, for a worker with a free slot. */
export const PREFETCH_HOLD_MS = 1000;
const WAIT_SLICE_MS = 1000;
/** How late Redis may end a blocking command's timeout (its cron runs at `hz`, 10 by default). */
const REDIS_TIMER_RESOLUTION_MS = 100;

/** A job leased ahead of a free slot (see PoolOptions.prefetch). */
export interface HeldJob {
  queue: string;
  item: LeasedItem;
  heldAt: number;
}

/**
 * Dispatch and prefetch: leases as many jobs as there are free slots (plus,
 * for short jobs, a few held to start the moment a slot frees), and sends
 * each to the least-loaded thread. No job starts after its lease deadline by
 * the Redis clock, or so close to it that the lease could not be renewed in
 * time: such a lease (a reply that came late, a held job that waited through
 * a stall) is dropped unrun, reported as `dropped`, and handed back if it is
 * still ours. While Redis is out, nothing starts.
 */
export class Dispatcher {
  /** Prefetched jobs, in lease order. */
  held: HeldJob[] = [];
  /** Set when held jobs had to go back: no prefetching until a slot frees. */
  prefetchPaused = false;
  concurrency: number;
  private readonly wakeup = new Wakeup();
  /** Ends the dispatcher's blocking waits when the pool stops. */
  private readonly stopWaiting = new AbortController();

  constructor(
    private readonly ctx: PoolContext,
    private readonly supervisor: ThreadSupervisor,
    private readonly outcomes: JobOutcomes,
    private readonly clock: RedisClock,
    private readonly outage: OutageWatch,
    private readonly times: LeaseTimes,
  ) {
    this.concurrency = ctx.options.concurrency;
  }

  wake(): void {
    this.wakeup.wake();
  }

  /** Resolves on the next wake, or after `ms`. */
  nextWake(ms: number): Promise<void> {
    return this.wakeup.next(ms);
  }

  /** Cuts the blocking wait short; the loop ends once the pool is no longer running. */
  stop(): void {
    this.stopWaiting.abort();
    this.wake();
  }

  async run(): Promise<void> {
    const queues = this.ctx.options.queues;
    const signal = this.stopWaiting.signal;
    let turn = 0;
    // The queues ran dry at the last look; when the next timer (a delayed job, a lease expiry) fires.
    let idle = false;
    let nextTimer = -1;
    const waitMs = (): number => (nextTimer >= 0 ? Math.min(Math.max(nextTimer, 1), WAIT_SLICE_MS) : WAIT_SLICE_MS);
    while (this.ctx.state === 'running') {
      this.startHeld();
      if (this.wanted() <= 0) {
        await this.nextWake(WAIT_SLICE_MS);
        continue;
      }
      try {
        if (idle && nextTimer >= 0 && nextTimer < REDIS_TIMER_RESOLUTION_MS) {
          // A limiter's next start (issue #18) is often a few ms away: Redis ends a blocked command's timeout on its
          // own cron (10 Hz by default), so a short wait there ends up to 100 ms late. Sleep here instead, then lease.
          await this.nextWake(nextTimer);
          idle = false;
          continue;
        }
        if (idle && queues.length === 1) {
          // One queue: the lease rides behind the wait, so a job enqueued now arrives with the wake-up.
          const queue = queues[0] as string;
          const batch = await this.ctx.adapter.waitAndLease(queue, this.wanted(), this.ctx.workerId, waitMs(), { start: true, signal });
          nextTimer = batch.nextTimerMs;
          // A blocking call says nothing of the clock (its lease ran after the wait): renew first if need be.
          this.take(queue, await this.withClock(queue, batch.items));
          idle = !batch.more;
          continue;
        }
        let leased = 0;
        nextTimer = -1;
        for (let i = 0; i < queues.length && this.wanted() > 0 && this.ctx.state === 'running'; i++) {
          const queue = queues[(turn + i) % queues.length] as string;
          const batch = await this.lease(queue);
          if (batch.nextTimerMs >= 0 && (nextTimer < 0 || batch.nextTimerMs < nextTimer)) nextTimer = batch.nextTimerMs;
          if (!this.take(queue, batch.items)) break;
          // A lease that emptied its queue counts as finding nothing: block now rather than lease again for nothing.
          if (batch.more) leased += batch.items.length;
        }
        turn++;
        idle = leased === 0;
        if (idle) this.supervisor.spawnSpare();
        if (idle && queues.length > 1 && this.ctx.state === 'running') {
          await this.ctx.adapter.waitForJobs(queues, waitMs(), signal);
        }
      } catch (err) {
        this.ctx.report(err);
        // Redis down (or another fault): back off, the adapter reconnects by itself.
        await pause(isConnectionError(err) ? 500 : 1000, signal);
      }
    }
  }

  /** Starts held jobs on the slots that are free now (none while Redis is out: their leases could not be renewed). */
  startHeld(): void {
    if (this.held.length === 0 || this.ctx.state !== 'running' || this.outage.down) return;
    const n = Math.min(this.held.length, this.freeSlots());
    if (n === 0) return;
    for (const [queue, held] of groupBy(this.held.splice(0, n), (h) => h.queue))
      this.dispatch(
        queue,
        held.map((h) => h.item),
      );
  }

  /** Hands the oldest `n` held jobs back to their queues, attempts unspent. */
  releaseHeld(n: number, reason: ReleaseReason): void {
    for (const h of this.held.splice(0, n)) this.outcomes.handBack(h.queue, h.item, reason);
  }

  freeSlots(): number {
    return this.supervisor.freeSlots(this.concurrency);
  }

  /** A non-blocking lease, timed to learn the Redis clock from its deadlines. */
  private async lease(queue: string): Promise<LeaseBatch> {
    const sentAt = Date.now();
    const batch = await this.ctx.adapter.lease(queue, this.wanted(), this.ctx.workerId, { start: true });
    this.outage.replied();
    const first = batch.items[0];
    if (first) this.clock.observe(sentAt, first.lease.deadline - this.times.leaseMs(queue));
    return batch;
  }

  /**
   * Items from a blocking lease, judged against the clock: without a recent
   * observation of it, their leases are renewed first (a quick call that
   * both times the clock and says which leases are still ours).
   */
  private async withClock(queue: string, items: LeasedItem[]): Promise<LeasedItem[]> {
    if (items.length === 0) return items;
    this.outage.replied();
    if (this.clock.offset !== undefined) return items;
    const sentAt = Date.now();
    const results = await this.ctx.adapter.extendLeases(
      queue,
      items.map((i) => ({ id: i.action.id, token: i.lease.token })),
    );
    const kept: LeasedItem[] = [];
    results.forEach((r, i) => {
      const item = items[i] as LeasedItem;
      if (r.ok) {
        this.clock.observe(sentAt, r.value.deadline - this.times.leaseMs(queue));
        item.lease.deadline = r.value.deadline;
        kept.push(item);
      } else {
        this.drop(queue, item, 'its lease was gone when the reply came');
      }
    });
    return kept;
  }

  /** Runs what a lease brought, or, once the pool is stopping, hands it straight back. False when stopping. */
  private take(queue: string, items: LeasedItem[]): boolean {
    if (this.ctx.state !== 'running') {
      for (const item of items) this.outcomes.handBack(queue, item, 'shutdown');
      return false;
    }
    this.dispatch(queue, items);
    return true;
  }

  /** How many jobs to lease now: the free slots, plus room left for prefetched ones (one call's worth). */
  private wanted(): number {
    if (this.outage.down) return 0;
    return Math.min(this.freeSlots() + Math.max(0, this.prefetchLimit() - this.held.length), MAX_LEASE_BATCH);
  }

  private prefetchLimit(): number {
    if (this.prefetchPaused) return 0;
    if (this.ctx.options.prefetch !== undefined) return this.ctx.options.prefetch;
    const avg = this.outcomes.avgRunMs;
    if (avg === undefined) return 0;
    const slots = this.supervisor.live().length * this.concurrency;
    // The k-th held job waits about k × avgRunMs / slots.
    const fit = Math.floor((slots * PREFETCH_WAIT_MS) / Math.max(avg, 0.05));
    return Math.min(fit, Math.max(PREFETCH_MIN_CAP, PREFETCH_PER_SLOT * slots));
  }

  /** Why a job whose lease has `left` ms must not start now (its lease is over or nearly), or undefined. */
  private lateness(left: number | undefined, margin: number): string | undefined {
    if (left === undefined || left >= margin) return undefined;
    return left <= 0
      ? `its lease ended ${-left} ms ago by the Redis clock`
      : `its lease ends in ${left} ms by the Redis clock, too soon to renew`;
  }

  /** A late lease: not run; handed back if it may still be ours, else left to the worker that has it now. */
  private drop(queue: string, item: LeasedItem, reason: string): void {
    this.ctx.emit({ type: 'job', state: 'dropped', queue, id: item.action.id, attempt: item.attempt, reason });
    const left = this.clock.remainingMs(item.lease.deadline);
    if (left === undefined || left > 0) this.outcomes.handBack(queue, item, 'outage');
  }

  private dispatch(queue: string, items: LeasedItem[]): void {
    if (items.length === 0) return;
    const perThread = new Map<ThreadHandle, RunJob[]>();
    const threads = this.supervisor.threads;
    const load = new Map(threads.map((t) => [t, t.running.size]));
    for (const item of items) {
      const payload = item.message.payload as { agent?: unknown; input?: unknown } | null;
      if (!payload || typeof payload !== 'object' || typeof payload.agent !== 'string') {
        this.outcomes.ackUnrun(queue, item, {
          kind: 'fail',
          id: item.action.id,
          token: item.lease.token,
          error: { message: 'payload is not an agent job: expected {agent, input}', stack: '' },
          retryable: false,
          reason: 'failed',
        });
        continue;
      }
      const left = this.clock.remainingMs(item.lease.deadline);
      const margin = this.times.startMarginMs(queue);
      const late = this.lateness(left, margin);
      if (late) {
        this.drop(queue, item, late);
        continue;
      }
      // Least-loaded thread that still has a free slot.
      let best: ThreadHandle | undefined;
      for (const t of threads) {
        const n = load.get(t) ?? 0;
        if (t.accepting && n < this.concurrency && (!best || n < (load.get(best) ?? 0))) best = t;
      }
      if (!best) {
        // Leased ahead (or a slot went with a thread meanwhile): held until a slot frees.
        this.held.push({ queue, item, heldAt: Date.now() });
        continue;
      }
      load.set(best, (load.get(best) ?? 0) + 1);
      let list = perThread.get(best);
      if (!list) perThread.set(best, (list = []));
      // The thread checks again when it starts the run: the process may stall in between.
      const endsAt = left === undefined ? undefined : Date.now() + left;
      list.push(
        this.outcomes.start(queue, item, payload.agent, payload.input, best, endsAt, endsAt === undefined ? undefined : endsAt - margin),
      );
    }
    for (const [thread, jobs] of perThread) thread.run(jobs);
  }
}
