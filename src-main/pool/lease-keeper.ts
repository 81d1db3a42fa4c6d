import { hostname } from 'node:os';
import type { WorkerInfo } from '../../src-shared/worker';
import type { BatchResult, LeaseRef } from '../queue/redis-queue-adapter';
import { type Dispatcher, type HeldJob, PREFETCH_HOLD_MS } from './dispatcher';
import type { JobOutcomes, RunningJob } from './job-outcomes';
import type { OutageWatch } from './outage-watch';
import { groupBy, type PoolContext } from './pool-context';
import type { RedisClock } from './redis-clock';
import type { ThreadSupervisor } from './thread-supervisor';

/** Each queue's lease length, and the timings that follow from it. */
export class LeaseTimes {
  private readonly byQueue = new Map<string, number>();
  private keep = 1000;

  set(queue: string, leaseMs: number): void {
    this.byQueue.set(queue, leaseMs);
    this.keep = Math.max(200, Math.min(1000, Math.floor(Math.min(...this.byQueue.values()) / 3)));
  }

  leaseMs(queue: string): number {
    return this.byQueue.get(queue) ?? 30_000;
  }

  /** How often leases are extended: well before they expire, and at least every second so a cancel request is seen fast. */
  get keepMs(): number {
    return this.keep;
  }

  /**
   * The least time a lease must have left for its job to start: enough for
   * the next keep-alive tick and a second to renew it, at most half the lease.
   */
  startMarginMs(queue: string): number {
    return Math.min(Math.floor(this.leaseMs(queue) / 2), this.keepMs + 1000);
  }
}

/**
 * Lease keeping and heartbeat: extends the leases of running and held jobs,
 * one call per queue, honouring cancel requests and lost leases; hands back
 * held jobs that waited too long; refreshes the worker's registry entry.
 * Every reply times the Redis clock and tells the outage watch Redis is there.
 */
export class LeaseKeeper {
  private timers: NodeJS.Timeout[] = [];
  /** A keep-alive round still waiting on Redis: the next tick does not pile another on it. */
  private keeping = false;
  private beating: Promise<void> | undefined;
  private readonly startedAt = Date.now();

  constructor(
    private readonly ctx: PoolContext,
    private readonly times: LeaseTimes,
    private readonly supervisor: ThreadSupervisor,
    private readonly dispatcher: Dispatcher,
    private readonly outcomes: JobOutcomes,
    private readonly clock: RedisClock,
    private readonly outage: OutageWatch,
  ) {}

  start(): void {
    this.timers.push(setInterval(() => void this.keep(), this.times.keepMs));
    this.timers.push(setInterval(() => void this.beat().catch(() => undefined), this.ctx.options.heartbeatMs));
    void this.beat().catch(() => undefined);
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
  }

  /** Refreshes the registry entry (one at a time); rejects when Redis did not take it. */
  beat(): Promise<void> {
    this.beating ??= this.sendBeat().finally(() => (this.beating = undefined));
    return this.beating;
  }

  private async sendBeat(): Promise<void> {
    if (this.ctx.state !== 'running') return;
    const beatMs = this.ctx.options.heartbeatMs;
    const info: WorkerInfo = {
      id: this.ctx.workerId,
      host: hostname(),
      pid: process.pid,
      queues: this.ctx.options.queues,
      threads: this.supervisor.live().length,
      concurrency: this.dispatcher.concurrency,
      running: [...this.outcomes.runs.values()].map((j) => `${j.queue}/${j.id}`),
      processed: this.outcomes.processed,
      failed: this.outcomes.failed,
      startedAt: this.startedAt,
      lastHeartbeat: Date.now(),
      agents: this.supervisor.agents.agents.map((a) => a.name),
    };
    try {
      await this.ctx.adapter.workers.heartbeat(info, beatMs * 5);
      this.outage.replied();
    } catch (err) {
      if (!this.outage.failed(err)) this.ctx.report(err);
      throw err;
    }
  }

  private async keep(): Promise<void> {
    const d = this.dispatcher;
    const fresh = d.held.findIndex((h) => Date.now() - h.heldAt < PREFETCH_HOLD_MS);
    const old = fresh === -1 ? d.held.length : fresh;
    // A thread still starting (replacing one that died, on a busy box that takes a while) will take them.
    if (old > 0 && !this.supervisor.starting) {
      d.prefetchPaused = true;
      d.releaseHeld(old, 'prefetch_hold');
    }
    if (this.keeping) return;
    this.keeping = true;
    try {
      await this.keepHeld();
      await this.keepRunning();
    } finally {
      this.keeping = false;
    }
  }

  private async keepRunning(): Promise<void> {
    const leased = [...this.outcomes.runs.values()].filter((job) => job.abortReason !== 'lease_lost');
    for (const [queue, jobs] of groupBy(leased, (job) => job.queue)) {
      const results = await this.extend(
        queue,
        jobs.map((j) => ({ id: j.id, token: j.token })),
      );
      results?.forEach((r, i) => {
        const job = jobs[i] as RunningJob;
        if (!r.ok) this.outcomes.abort(job, 'lease_lost');
        else if (r.value.cancelRequested) this.outcomes.abort(job, 'cancelled');
      });
    }
  }

  private async keepHeld(): Promise<void> {
    const d = this.dispatcher;
    for (const [queue, jobs] of groupBy(d.held, (h) => h.queue)) {
      const results = await this.extend(
        queue,
        jobs.map((h) => ({ id: h.item.action.id, token: h.item.lease.token })),
      );
      results?.forEach((r, i) => {
        const h = jobs[i] as HeldJob;
        if (!d.held.includes(h)) return;
        if (r.ok && !r.value.cancelRequested) {
          h.item.lease.deadline = r.value.deadline;
          return;
        }
        d.held = d.held.filter((x) => x !== h);
        const id = h.item.action.id;
        if (!r.ok) this.ctx.emit({ type: 'job', state: 'lost', queue, id, attempt: h.item.attempt, reason: 'lease lost' });
        else
          this.outcomes.ackUnrun(queue, h.item, {
            kind: 'fail',
            id,
            token: h.item.lease.token,
            error: { message: 'cancelled', stack: '' },
            retryable: true,
            reason: 'cancelled',
          });
      });
    }
  }

  /** One extendLeases call, timed for the clock; undefined when it failed (reported). */
  private async extend(
    queue: string,
    refs: LeaseRef[],
  ): Promise<Array<BatchResult<{ deadline: number; cancelRequested: boolean }>> | undefined> {
    const sentAt = Date.now();
    try {
      const results = await this.ctx.adapter.extendLeases(queue, refs);
      this.outage.replied();
      const ok = results.find((r) => r.ok);
      if (ok?.ok) this.clock.observe(sentAt, ok.value.deadline - this.times.leaseMs(queue));
      return results;
    } catch (err) {
      if (!this.outage.failed(err)) this.ctx.report(err);
      return undefined;
    }
  }
}
