/**
 * Queue and agent metrics from the job event stream: completions and failures
 * per second over a sliding window, queue depth against its cap, and wait and
 * run time percentiles. Pure logic with an injected clock: feed it events
 * (`ingest`) and depths (`setDepth`), read `snapshot()`.
 *
 * Durations come from event timestamps (the Redis server's clock), so a skewed
 * local clock does not distort them; rates are bucketed by event second, with
 * events from the future counted in the current second.
 */
import type { AgentMetrics, Histogram, MetricsSnapshot, QueueMetrics, RatePoint } from '../../src-shared/contract';
import type { JobEvent } from '../../src-shared/job';

export interface MetricsOptions {
  /** Sliding window. Default 60 s. */
  windowMs?: number;
  /** Jobs followed from enqueue to finish; the oldest are forgotten beyond this. Default 100 000. */
  maxTrackedJobs?: number;
  now?: () => number;
}

const SECOND = 1000;

// ------------------------------------------------------------- histogram

/** Fixed log-scale bucket bounds: 2^(i/4) ms (±10 % resolution), 1 ms to about 70 minutes. */
export const BUCKET_BOUNDS: readonly number[] = Array.from({ length: 4 * 22 + 1 }, (_, i) => {
  const v = 2 ** (i / 4);
  return Number(v.toPrecision(3));
});

/** Index of the first bucket whose bound is ≥ ms (the last bucket takes everything above). */
export function bucketOf(ms: number): number {
  if (!(ms > 1)) return 0;
  const i = Math.ceil(4 * Math.log2(ms) - 1e-9);
  const last = BUCKET_BOUNDS.length - 1;
  if (i >= last) return last;
  // toPrecision rounding can put the bound a hair below ms.
  return (BUCKET_BOUNDS[i] as number) < ms ? i + 1 : i;
}

/** Counts of one second. */
class HistogramSlot {
  readonly counts = new Map<number, number>();
  count = 0;
  max = 0;

  add(ms: number): void {
    const b = bucketOf(ms);
    this.counts.set(b, (this.counts.get(b) ?? 0) + 1);
    this.count++;
    if (ms > this.max) this.max = ms;
  }
}

/** A chart shows at least this many buckets. */
export const MIN_CHART_BUCKETS = 12;

/** Percentiles and chart buckets of the slots in the window. */
function summarize(slots: Iterable<HistogramSlot>): Histogram {
  const counts = new Map<number, number>();
  let count = 0;
  let max = 0;
  for (const s of slots) {
    for (const [b, n] of s.counts) counts.set(b, (counts.get(b) ?? 0) + n);
    count += s.count;
    if (s.max > max) max = s.max;
  }
  if (count === 0) return { count: 0, p50: 0, p95: 0, p99: 0, max: 0, buckets: [] };
  const used = [...counts.keys()].sort((a, b) => a - b);
  let first = used[0] as number;
  let last = used[used.length - 1] as number;
  // Widened with empty neighbours: one or two bars alone say nothing about the spread (issue #17).
  while (last - first + 1 < MIN_CHART_BUCKETS && (first > 0 || last < BUCKET_BOUNDS.length - 1)) {
    if (first > 0) first--;
    if (last - first + 1 < MIN_CHART_BUCKETS && last < BUCKET_BOUNDS.length - 1) last++;
  }
  const buckets: Histogram['buckets'] = [];
  for (let b = first; b <= last; b++) buckets.push({ le: BUCKET_BOUNDS[b] as number, count: counts.get(b) ?? 0 });
  const percentile = (p: number): number => {
    const rank = Math.max(1, Math.ceil(p * count));
    let seen = 0;
    for (const { le, count: n } of buckets) {
      seen += n;
      // A bucket's bound overstates by up to one step; never beyond what was seen.
      if (seen >= rank) return Math.min(le, max);
    }
    return max;
  };
  return { count, p50: percentile(0.5), p95: percentile(0.95), p99: percentile(0.99), max, buckets };
}

// -------------------------------------------------------------- windowing

/** Per-second slots keyed by the second (ms, floored); old ones are pruned on read and write. */
class Window<T> {
  private readonly slots = new Map<number, T>();

  constructor(
    private readonly windowMs: number,
    private readonly make: () => T,
  ) {}

  at(second: number): T {
    let slot = this.slots.get(second);
    if (!slot) this.slots.set(second, (slot = this.make()));
    return slot;
  }

  /** Slots within the window ending at `nowSecond` (inclusive). */
  within(nowSecond: number): T[] {
    this.prune(nowSecond);
    return [...this.slots.values()];
  }

  get(second: number): T | undefined {
    return this.slots.get(second);
  }

  prune(nowSecond: number): void {
    const oldest = nowSecond - this.windowMs + SECOND;
    for (const second of this.slots.keys()) if (second < oldest) this.slots.delete(second);
  }

  get empty(): boolean {
    return this.slots.size === 0;
  }
}

interface Rates {
  completed: number;
  failed: number;
}

class Series {
  readonly rates: Window<Rates>;
  readonly runMs: Window<HistogramSlot>;

  constructor(windowMs: number) {
    this.rates = new Window(windowMs, () => ({ completed: 0, failed: 0 }));
    this.runMs = new Window(windowMs, () => new HistogramSlot());
  }
}

class QueueSeries extends Series {
  readonly waitMs: Window<HistogramSlot>;
  depth = 0;
  cap = 0;
  /** Seen by `setDepth` (the queue exists), not only in events. */
  known = false;

  constructor(windowMs: number) {
    super(windowMs);
    this.waitMs = new Window(windowMs, () => new HistogramSlot());
  }
}

/** What is known of a job between its events. */
interface Tracked {
  agent?: string;
  /** When it became runnable (enqueued or retried, plus any delay). */
  readyAt?: number;
  startedAt?: number;
}

// ---------------------------------------------------------------- metrics

export class Metrics {
  readonly windowMs: number;
  private readonly maxTracked: number;
  private readonly now: () => number;
  private readonly queues = new Map<string, QueueSeries>();
  private readonly agents = new Map<string, Series>();
  private readonly jobs = new Map<string, Tracked>();
  private since: number;

  constructor(options: MetricsOptions = {}) {
    this.windowMs = options.windowMs ?? 60_000;
    this.maxTracked = options.maxTrackedJobs ?? 100_000;
    this.now = options.now ?? Date.now;
    if (!Number.isInteger(this.windowMs) || this.windowMs < SECOND || this.windowMs % SECOND !== 0) {
      throw new TypeError(`metrics windowMs must be a whole number of seconds, got ${this.windowMs}`);
    }
    if (!Number.isInteger(this.maxTracked) || this.maxTracked < 1) {
      throw new TypeError(`metrics maxTrackedJobs must be a positive integer, got ${this.maxTracked}`);
    }
    this.since = this.now();
  }

  /** Forget everything (e.g. after switching to another Redis). */
  reset(): void {
    this.queues.clear();
    this.agents.clear();
    this.jobs.clear();
    this.since = this.now();
  }

  /** How many jobs are being followed (bounded by maxTrackedJobs). */
  get trackedJobs(): number {
    return this.jobs.size;
  }

  /** The queues that exist now, with their depth (waiting + delayed) and cap; others are dropped once idle. */
  setQueues(depths: ReadonlyArray<{ queue: string; depth: number; cap: number }>): void {
    const present = new Set(depths.map((d) => d.queue));
    for (const [name, q] of this.queues) if (!present.has(name)) q.known = false;
    for (const d of depths) this.setDepth(d.queue, d.depth, d.cap);
  }

  setDepth(queue: string, depth: number, cap: number): void {
    const q = this.queue(queue);
    q.depth = depth;
    q.cap = cap;
    q.known = true;
  }

  ingest(events: readonly JobEvent[]): void {
    for (const e of events) this.one(e);
  }

  private queue(name: string): QueueSeries {
    let q = this.queues.get(name);
    if (!q) this.queues.set(name, (q = new QueueSeries(this.windowMs)));
    return q;
  }

  private agent(name: string): Series {
    let a = this.agents.get(name);
    if (!a) this.agents.set(name, (a = new Series(this.windowMs)));
    return a;
  }

  private track(key: string): Tracked {
    let t = this.jobs.get(key);
    if (!t) {
      this.jobs.set(key, (t = {}));
      if (this.jobs.size > this.maxTracked) {
        const oldest = this.jobs.keys().next().value as string;
        this.jobs.delete(oldest);
      }
    }
    return t;
  }

  /** The second an event counts in: its own, or now's if it claims to be from the future. */
  private secondOf(ts: number): number {
    return Math.floor(Math.min(ts, this.now()) / SECOND) * SECOND;
  }

  private inWindow(second: number): boolean {
    return second > this.secondOf(this.now()) - this.windowMs;
  }

  private count(e: JobEvent, agent: string | undefined, what: keyof Rates): void {
    const second = this.secondOf(e.ts);
    if (!this.inWindow(second)) return;
    this.queue(e.queue).rates.at(second)[what]++;
    if (agent !== undefined) this.agent(agent).rates.at(second)[what]++;
  }

  private sample(window: Window<HistogramSlot>, e: JobEvent, ms: number): void {
    const second = this.secondOf(e.ts);
    if (this.inWindow(second)) window.at(second).add(Math.max(0, ms));
  }

  /** Ends an attempt: a run-time sample for the queue and the agent. */
  private endRun(e: JobEvent, t: Tracked | undefined): void {
    if (t?.startedAt === undefined) return;
    const ms = e.ts - t.startedAt;
    this.sample(this.queue(e.queue).runMs, e, ms);
    if (t.agent !== undefined) this.sample(this.agent(t.agent).runMs, e, ms);
    delete t.startedAt;
  }

  private one(e: JobEvent): void {
    if (e.jobId === undefined) return;
    const key = `${e.queue}\u0000${e.jobId}`;
    switch (e.type) {
      case 'enqueued': {
        const t = this.track(key);
        if (e.agent) t.agent = e.agent;
        t.readyAt = e.ts + (e.delayMs ?? 0);
        delete t.startedAt;
        break;
      }
      case 'started': {
        const t = this.track(key);
        if (t.readyAt !== undefined) this.sample(this.queue(e.queue).waitMs, e, e.ts - t.readyAt);
        delete t.readyAt;
        t.startedAt = e.ts;
        break;
      }
      case 'completed': {
        const t = this.jobs.get(key);
        this.count(e, t?.agent, 'completed');
        this.endRun(e, t);
        this.jobs.delete(key);
        break;
      }
      case 'failed':
      case 'stalled': {
        const t = this.jobs.get(key);
        // A cancelled job's attempt ends with `failed` (why: cancelled): not a failure of the job.
        if (e.reason !== 'cancelled') this.count(e, t?.agent, 'failed');
        this.endRun(e, t);
        // A stalled job with retries left waits again at once.
        if (t && e.type === 'stalled') t.readyAt = e.ts;
        break;
      }
      case 'retrying': {
        const t = this.jobs.get(key);
        if (t) {
          t.readyAt = e.ts + (e.delayMs ?? 0);
          delete t.startedAt;
        }
        break;
      }
      case 'dead':
      case 'cancelled':
      case 'removed':
        this.jobs.delete(key);
        break;
      default:
        break;
    }
  }

  snapshot(): MetricsSnapshot {
    const at = this.now();
    const nowSecond = this.secondOf(at);
    // Rates over the part of the window this process has seen, so they are right from the start.
    const seconds = Math.min(this.windowMs, Math.max(SECOND, at - this.since)) / SECOND;
    const rate = (w: Window<Rates>): { completedPerSec: number; failedPerSec: number } => {
      let completed = 0;
      let failed = 0;
      for (const r of w.within(nowSecond)) {
        completed += r.completed;
        failed += r.failed;
      }
      return { completedPerSec: completed / seconds, failedPerSec: failed / seconds };
    };
    const points = this.windowMs / SECOND;
    const series = (w: Window<Rates>): RatePoint[] =>
      Array.from({ length: points }, (_, i) => {
        const t = nowSecond - (points - 1 - i) * SECOND;
        const r = w.get(t);
        return { t, completed: r?.completed ?? 0, failed: r?.failed ?? 0 };
      });

    const queues: QueueMetrics[] = [];
    for (const [name, q] of [...this.queues].sort(([a], [b]) => a.localeCompare(b))) {
      const waitMs = summarize(q.waitMs.within(nowSecond));
      const runMs = summarize(q.runMs.within(nowSecond));
      q.rates.prune(nowSecond);
      if (!q.known && q.rates.empty && waitMs.count === 0 && runMs.count === 0) {
        this.queues.delete(name);
        continue;
      }
      queues.push({ queue: name, ...rate(q.rates), depth: q.depth, cap: q.cap, waitMs, runMs, series: series(q.rates) });
    }
    const agents: AgentMetrics[] = [...this.agents]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([agent, a]) => ({ agent, ...rate(a.rates), runMs: summarize(a.runMs.within(nowSecond)) }));
    return { at, windowMs: this.windowMs, queues, agents };
  }
}
