import type { AttemptOutcome, LeasedItem, ReleaseReason } from '../../src-shared/job';
import { ConsumerSpans, type SpanOutcome } from '../observability/tracing';
import { chargeCost } from '../limits/pool-hooks';
import { agentOf } from '../queue/job-codec';
import { type Ack, AckBatcher, type AckOutcome } from './ack-batcher';
import type { AbortReason, ProgressNote, RunJob, RunResult } from './messages';
import { groupBy, type PoolContext } from './pool-context';
import { flowStateOf, suspendRun } from '../flows/pool-flows';
import type { PoolEvent } from './pool-events';
import type { ThreadHandle, ThreadDeath } from './thread-handle';
import type { ThreadSupervisor } from './thread-supervisor';

/** What an attempt's end event reports, kept with its acknowledgement until Redis answers. */
interface AckNote {
  attempt: number;
  agent: string;
  ms: number;
}

export interface RunningJob {
  runId: number;
  queue: string;
  id: string;
  token: string;
  attempt: number;
  agent: string;
  thread: ThreadHandle;
  startedAt: number;
  timer: NodeJS.Timeout | undefined;
  killTimer: NodeJS.Timeout | undefined;
  abortReason: AbortReason | undefined;
  /** Date.now() when its lease ends by the Redis clock, as known at dispatch (undefined before the clock is known). */
  leaseEndsAt: number | undefined;
}

/**
 * Outcomes and acknowledgements: the jobs running on the threads, their
 * timeouts, aborts and results, and what each ends as (complete, fail,
 * release, or nothing for a lost lease), acknowledged to Redis in batches.
 * A fault stays with the job that caused it: the runs beside it in a thread
 * that had to go are handed back without spending an attempt.
 */
export class JobOutcomes {
  readonly runs = new Map<number, RunningJob>();
  private readonly acks: AckBatcher<AckNote>;
  /** OpenTelemetry consumer spans of running attempts (a no-op without an SDK). */
  private readonly spans = new ConsumerSpans();
  private nextRunId = 1;
  /** Moving average of how long jobs ran, for the default prefetch. */
  avgRunMs: number | undefined;
  processed = 0;
  failed = 0;

  constructor(
    private readonly ctx: PoolContext,
    private readonly supervisor: ThreadSupervisor,
    /** Redis acknowledged a batch (the outage watch counts it as a reply). */
    private readonly onReply: () => void,
  ) {
    this.acks = new AckBatcher(
      ctx.adapter,
      (outcomes) => {
        onReply();
        this.onAcked(outcomes);
      },
      (err) => ctx.report(err),
    );
  }

  /**
   * Registers a run of `item` on `thread` and arms its timeout; the caller sends the returned message.
   * `leaseEndsAt`: Date.now() when its lease ends, `startBy` past which it must not start (RunJob.startBy); both
   * unknown before the Redis clock is.
   */
  start(
    queue: string,
    item: LeasedItem,
    agent: string,
    input: unknown,
    thread: ThreadHandle,
    leaseEndsAt?: number,
    startBy?: number,
  ): RunJob {
    const job: RunningJob = {
      runId: this.nextRunId++,
      queue,
      id: item.action.id,
      token: item.lease.token,
      attempt: item.attempt,
      agent,
      thread,
      startedAt: Date.now(),
      timer: undefined,
      killTimer: undefined,
      abortReason: undefined,
      leaseEndsAt,
    };
    const timeoutMs = item.timeoutMs ?? this.ctx.options.jobTimeoutMs;
    job.timer = setTimeout(
      () => {
        this.relieveStalledThread(job);
        job.timer = setTimeout(() => this.abort(job, 'timeout'), timeoutMs - Math.floor(timeoutMs / 2));
      },
      Math.floor(timeoutMs / 2),
    );
    this.runs.set(job.runId, job);
    this.spans.start({
      queue,
      id: job.id,
      attempt: job.attempt,
      agent,
      ...(item.traceparent === undefined ? {} : { traceparent: item.traceparent }),
    });
    this.ctx.emit({ type: 'job', state: 'started', queue, id: job.id, attempt: job.attempt, agent });
    // One literal shape either way: a property added afterwards would cost an allocation per job.
    return startBy === undefined
      ? { runId: job.runId, jobId: job.id, attempt: job.attempt, agent, input }
      : { runId: job.runId, jobId: job.id, attempt: job.attempt, agent, input, startBy };
  }

  /** Queues an acknowledgement for a job leased but never run (held, dropped, not an agent job). */
  ackUnrun(queue: string, item: LeasedItem, ack: Ack): void {
    this.acks.add(queue, ack, { attempt: item.attempt, agent: agentOf(item.message.payload), ms: 0 });
  }

  /** Hands a job leased but never run back to its queue, attempt unspent. */
  handBack(queue: string, item: LeasedItem, reason: ReleaseReason): void {
    this.ackUnrun(queue, item, { kind: 'release', id: item.action.id, token: item.lease.token, reason });
  }

  /** Asks a job to stop; if it has not within the grace period, its thread is ended. */
  abort(job: RunningJob, reason: AbortReason): void {
    if (!this.runs.has(job.runId) || job.abortReason) return;
    job.abortReason = reason;
    // Stuck in its own synchronous start, the job cannot hear the abort: a grace period would only
    // keep the thread (and its neighbours) blocked longer.
    if ((reason === 'timeout' || reason === 'cancelled') && job.thread.busyWith === job.runId) {
      this.killThreadOf(job, reason);
      return;
    }
    job.thread.abort(job.runId, reason);
    if (reason === 'timeout' || reason === 'cancelled') {
      job.killTimer = setTimeout(() => {
        if (this.runs.has(job.runId)) this.killThreadOf(job, reason);
      }, this.ctx.options.killGraceMs);
    }
  }

  /** Graceful stop ran out of time: every run still going is aborted and handed back. */
  handBackAll(): void {
    for (const job of [...this.runs.values()]) {
      job.abortReason = 'shutdown';
      job.thread.abort(job.runId, 'shutdown');
      this.settle(job, { kind: 'release', id: job.id, token: job.token, reason: 'shutdown' });
    }
  }

  onResults(results: RunResult[]): void {
    for (const r of results) {
      const job = this.runs.get(r.runId);
      if (!job) continue;
      switch (job.abortReason) {
        case 'lease_lost':
          this.settle(job, undefined);
          break;
        case 'shutdown':
          this.settle(job, { kind: 'release', id: job.id, token: job.token, reason: 'shutdown' });
          break;
        case 'timeout':
          this.fail(job, 'timeout', `timed out after ${Date.now() - job.startedAt} ms`, r.ok ? '' : r.error.stack);
          break;
        case 'cancelled':
          this.fail(job, 'cancelled', 'cancelled', '');
          break;
        default:
          // Points limits (issue #18): the cost is debited while the attempt still holds its lease, before the ack.
          if (r.cost !== undefined) chargeCost(this.ctx, job, r.cost);
          if (r.ok && r.suspend !== undefined) this.suspend(job, r.suspend);
          else if (r.ok) this.settle(job, { kind: 'complete', id: job.id, token: job.token, json: r.json });
          else if (r.error.notStarted) this.notStarted(job, r.error.message);
          else if (r.error.retryAfterMs !== undefined)
            this.settle(job, { kind: 'release', id: job.id, token: job.token, reason: 'rate_limited', retryAfterMs: r.error.retryAfterMs });
          else this.fail(job, 'failed', r.error.message, r.error.stack, r.error.retryable);
      }
    }
  }

  /**
   * A thread died on its own. Died inside a run's synchronous start: that run
   * did it, its neighbours wait again unharmed. Otherwise the cause is unknown
   * and every run the thread held fails.
   */
  threadDied(thread: ThreadHandle, reason: ThreadDeath, error: Error): void {
    const culprit = this.runs.has(thread.busyWith) ? thread.busyWith : 0;
    const message = `${reason === 'out_of_memory' ? 'out of memory' : 'worker thread crashed'}: ${error.message}`;
    for (const runId of thread.running) {
      const job = this.runs.get(runId);
      if (!job) continue;
      if (culprit === 0 || runId === culprit) this.fail(job, reason, message, error.stack ?? '');
      else this.releaseInnocent(job);
    }
  }

  onProgress(notes: ProgressNote[]): void {
    const updates = notes.flatMap((n) => {
      const job = this.runs.get(n.runId);
      if (!job) return [];
      if (n.flowState) {
        this.answerFlowState(job);
        return [];
      }
      const update = {
        id: job.id,
        token: job.token,
        ...(n.fraction !== undefined ? { fraction: n.fraction } : {}),
        ...(n.message !== undefined ? { message: n.message } : {}),
        ...(n.log !== undefined ? { log: n.log } : {}),
      };
      return [{ queue: job.queue, update }];
    });
    for (const [queue, list] of groupBy(updates, (u) => u.queue)) {
      void this.ctx.adapter
        .reportProgress(
          queue,
          list.map((u) => u.update),
        )
        .catch((err: unknown) => this.ctx.report(err));
    }
  }

  /** Sends what is pending; resolves when Redis acknowledged it (or the attempt failed). */
  flush(): Promise<void> {
    return this.acks.flush();
  }

  /** No retries after this: on stop, what could not be acknowledged is left to lease expiry. */
  close(): void {
    this.acks.close();
  }

  /**
   * Halfway to its timeout and still inside its synchronous start, a run has
   * most likely hung its thread: the thread takes no more work and a
   * replacement (the ready spare) takes its place now, so its slots are not
   * lost until the timeout ends it.
   */
  private relieveStalledThread(job: RunningJob): void {
    const thread = job.thread;
    if (thread.busyWith !== job.runId || !thread.accepting || this.ctx.state !== 'running') return;
    this.supervisor.relieve(thread, `${job.queue}/${job.id} has blocked it for ${Date.now() - job.startedAt} ms`);
  }

  /**
   * Ends a thread whose job would not stop. The culprit is the run stuck in
   * its synchronous start, if any (it blocks the whole thread, so the others'
   * timers fire too), else the job itself; it fails, its neighbours wait again
   * without losing an attempt (a cancel request among them is honoured).
   */
  private killThreadOf(job: RunningJob, reason: 'timeout' | 'cancelled'): void {
    const thread = job.thread;
    if (thread.ended) return;
    if (!thread.isolated) {
      // Inline (workers: 'inline'): nothing can be terminated, and the neighbours are unharmed. The job fails and
      // its run is abandoned; whatever it reports later is dropped (its run id is gone).
      const message =
        reason === 'cancelled' ? 'cancelled' : `did not stop within ${this.ctx.options.killGraceMs} ms of its timeout: abandoned (inline)`;
      this.fail(job, reason, message, '');
      return;
    }
    const stuck = this.runs.get(thread.busyWith);
    const culprit = stuck && stuck.thread === thread ? stuck : job;
    for (const runId of thread.running) {
      const other = this.runs.get(runId);
      if (!other) continue;
      if (other === culprit) {
        const why = other === job ? reason : 'timeout';
        const blocked = thread.busyWith === other.runId;
        const message =
          why === 'cancelled'
            ? 'cancelled'
            : blocked
              ? `blocked its thread for ${Date.now() - other.startedAt} ms: thread terminated`
              : `did not stop within ${this.ctx.options.killGraceMs} ms of its timeout: thread terminated`;
        this.fail(other, why, message, '');
      } else if (other.abortReason === 'cancelled') {
        this.fail(other, 'cancelled', 'cancelled', '');
      } else {
        this.releaseInnocent(other);
      }
    }
    this.supervisor.terminate(thread, `terminated: ${culprit.queue}/${culprit.id} would not stop`);
  }

  /** A run that lost its thread through no fault of its own: back to waiting, no attempt spent. */
  private releaseInnocent(job: RunningJob): void {
    if (job.abortReason === 'lease_lost') this.settle(job, undefined);
    else this.settle(job, { kind: 'release', id: job.id, token: job.token, reason: 'neighbour_killed' });
  }

  private fail(job: RunningJob, reason: AttemptOutcome, message: string, stack: string, retryable = true): void {
    this.settle(job, { kind: 'fail', id: job.id, token: job.token, error: { message, stack }, retryable, reason });
  }

  /** Flows: a run asks for its job's step memo and children's results (src-main/flows/pool-flows.ts). */
  private answerFlowState(job: RunningJob): void {
    flowStateOf(this.ctx.adapter, job.queue, job.id).then(
      (state) => job.thread.flowState(job.runId, state),
      (err: unknown) => {
        this.ctx.report(err);
        this.abort(job, 'lease_lost');
      },
    );
  }

  /**
   * A run its thread did not start, its lease being over or nearly by then (the process stalled between
   * dispatch and start): like a late lease at dispatch, handed back if it may still be ours, else left
   * to the worker that has it now.
   */
  private notStarted(job: RunningJob, why: string): void {
    this.ctx.emit({ type: 'job', state: 'dropped', queue: job.queue, id: job.id, attempt: job.attempt, reason: why });
    if (job.leaseEndsAt === undefined || Date.now() < job.leaseEndsAt) {
      this.settle(job, { kind: 'release', id: job.id, token: job.token, reason: 'outage' });
    } else {
      this.settle(job, undefined, 'lost');
    }
  }

  /** Flows: the run spawned children; the job gives its slot back and waits for them (no attempt spent). */
  private suspend(job: RunningJob, spec: string): void {
    this.settle(job, undefined, 'suspended');
    suspendRun(this.ctx.adapter, job.queue, job.id, job.token, spec).catch((err: unknown) => this.ctx.report(err));
  }

  /**
   * Forgets a running job and queues its acknowledgement. Without one, its lease is lost (an event says
   * so), or `quietly` ends its span with that outcome and nothing else: a suspended run, a dropped one.
   */
  private settle(job: RunningJob, ack: Ack | undefined, quietly?: 'suspended' | 'lost'): void {
    if (!this.runs.delete(job.runId)) return;
    clearTimeout(job.timer);
    clearTimeout(job.killTimer);
    job.thread.running.delete(job.runId);
    if (ack) {
      const ms = Date.now() - job.startedAt;
      if (ack.kind !== 'release') this.avgRunMs = this.avgRunMs === undefined ? ms : this.avgRunMs * 0.9 + ms * 0.1;
      this.acks.add(job.queue, ack, { attempt: job.attempt, agent: job.agent, ms });
    } else if (quietly) {
      this.spans.end(job.queue, job.id, job.attempt, quietly);
    } else {
      this.spans.end(job.queue, job.id, job.attempt, 'lost');
      this.ctx.emit({ type: 'job', state: 'lost', queue: job.queue, id: job.id, attempt: job.attempt, reason: 'lease lost' });
    }
    this.ctx.wake();
  }

  private onAcked(outcomes: AckOutcome<AckNote>[]): void {
    for (const { ack, note, queue, result } of outcomes) {
      const { attempt, agent, ms: durationMs } = note;
      const id = ack.id;
      if (!result.ok) {
        this.finish({ type: 'job', queue, id, attempt, agent, durationMs, state: 'lost', reason: result.error.message });
      } else if (ack.kind === 'complete') {
        this.processed++;
        this.finish({ type: 'job', queue, id, attempt, agent, durationMs, state: 'completed' });
      } else if (ack.kind === 'release') {
        this.finish({ type: 'job', queue, id, attempt, agent, durationMs, state: 'released' });
      } else {
        this.failed++;
        const state = result.value === 'dead' ? 'dead' : result.value === 'cancelled' ? 'cancelled' : 'retrying';
        this.finish({ type: 'job', queue, id, attempt, agent, durationMs, state, error: ack.error.message, reason: ack.reason });
      }
    }
  }

  /** Emits an attempt's end, and ends its consumer span (observability/tracing.ts) with that outcome. */
  private finish(e: Extract<PoolEvent, { type: 'job' }> & { state: SpanOutcome }): void {
    this.spans.end(e.queue, e.id, e.attempt, e.state, e.error);
    this.ctx.emit(e);
  }
}
