import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { QueueCounts } from '../../src-shared/job';
import type { WorkerInfo } from '../../src-shared/worker';
import type { PoolEvent } from '../pool/pool-events';
import type { Redis } from 'ioredis';
import { HISTORY_BOUNDS_MS } from './history-keys';
import { readHistoryTotals } from './history';

/**
 * Prometheus metrics of a Conveyor process, for `/metrics`.
 *
 * Queue-wide series are read from Redis at scrape time, so every exporter
 * (each worker, `conveyor serve`) reports the same values for a queue: depth
 * by state, and the job counters and wait/run histograms that the scripts keep
 * (metrics.lua's running totals, every process's work included). Aggregate them
 * with max(), not sum(), across exporters (deploy/grafana/conveyor.json does).
 * Process series (`conveyor_worker_*`) count what this process's pool did.
 */

export interface QueueMetricsSource {
  readonly redis: Redis;
  readonly keyPrefix: string;
  listQueues(): Promise<string[]>;
  counts(queue: string): Promise<QueueCounts>;
  listWorkers(): Promise<WorkerInfo[]>;
}

export interface PoolMetricsSource {
  on(event: 'event', listener: (e: PoolEvent) => void): unknown;
  off(event: 'event', listener: (e: PoolEvent) => void): unknown;
  readonly stats: { running: number; threads: number };
  readonly size: { threads: number; concurrency: number };
}

export interface ConveyorMetricsOptions {
  adapter: QueueMetricsSource;
  /** Queues reported; default every queue. */
  queues?: () => Promise<string[]> | string[];
  /** A worker process's pool: adds the `conveyor_worker_*` series. */
  pool?: PoolMetricsSource;
}

const SECONDS = HISTORY_BOUNDS_MS.map((ms) => ms / 1000);
const STATES: Array<keyof QueueCounts> = ['waiting', 'delayed', 'active', 'completed', 'dead', 'cancelled', 'paused'];
/** Ways an attempt ends, as metrics.lua counts them (each attempt one of these). */
const OUTCOMES: Record<string, string> = { c: 'completed', r: 'retried', d: 'dead', x: 'cancelled' };
const POOL_OUTCOMES: Record<string, string> = {
  completed: 'completed',
  retrying: 'retried',
  dead: 'dead',
  cancelled: 'cancelled',
  released: 'released',
  lost: 'lost',
};

const escapeLabel = (v: string): string => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

/** Per agent: bucket counts, sum (ms) and count of one histogram kind ('w' wait, 't' run) in a totals hash. */
function histogramsOf(totals: Record<string, string>, kind: 'w' | 't'): Map<string, { buckets: number[]; sumMs: number }> {
  const out = new Map<string, { buckets: number[]; sumMs: number }>();
  const of = (agent: string): { buckets: number[]; sumMs: number } => {
    let h = out.get(agent);
    if (!h) out.set(agent, (h = { buckets: new Array<number>(HISTORY_BOUNDS_MS.length + 1).fill(0), sumMs: 0 }));
    return h;
  };
  const sumKind = kind.toUpperCase();
  for (const [field, value] of Object.entries(totals)) {
    const bar = field.indexOf('|');
    const k = field.slice(0, bar);
    const agent = field.slice(bar + 1);
    if (k === sumKind) of(agent).sumMs += Number(value);
    else if (k[0] === kind && /^\d+$/.test(k.slice(1))) {
      const h = of(agent);
      const i = Number(k.slice(1)) - 1;
      h.buckets[i] = (h.buckets[i] ?? 0) + Number(value);
    }
  }
  return out;
}

/** Exposition text of a histogram family from stored bucket counts (prom-client cannot be given buckets). */
function histogramText(name: string, help: string, series: Array<{ labels: string; buckets: number[]; sumMs: number }>): string {
  const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} histogram`];
  for (const s of series) {
    let acc = 0;
    SECONDS.forEach((le, i) => {
      acc += s.buckets[i] ?? 0;
      lines.push(`${name}_bucket{${s.labels},le="${le}"} ${acc}`);
    });
    acc += s.buckets[SECONDS.length] ?? 0;
    lines.push(
      `${name}_bucket{${s.labels},le="+Inf"} ${acc}`,
      `${name}_sum{${s.labels}} ${s.sumMs / 1000}`,
      `${name}_count{${s.labels}} ${acc}`,
    );
  }
  return lines.join('\n') + '\n';
}

export class ConveyorMetrics {
  readonly registry = new Registry();
  private readonly detach: () => void;

  constructor(private readonly options: ConveyorMetricsOptions) {
    const { adapter, pool } = options;
    const r = [this.registry];
    const queues = async (): Promise<string[]> => [...(await (options.queues?.() ?? adapter.listQueues()))].sort();
    new Gauge({
      name: 'conveyor_queue_jobs',
      help: 'Jobs in the queue by state (read from Redis at scrape)',
      labelNames: ['queue', 'state'],
      registers: r,
      async collect() {
        this.reset();
        for (const q of await queues()) {
          const c = await adapter.counts(q);
          for (const s of STATES) this.set({ queue: q, state: s }, c[s]);
        }
      },
    });
    new Counter({
      name: 'conveyor_jobs_total',
      help: 'Job attempts ended, by outcome (completed, retried, dead, cancelled), every process included (Redis totals)',
      labelNames: ['queue', 'agent', 'outcome'],
      registers: r,
      async collect() {
        this.reset();
        for (const q of await queues()) {
          for (const [field, value] of Object.entries(await readHistoryTotals(adapter.redis, adapter.keyPrefix, q))) {
            const bar = field.indexOf('|');
            const outcome = OUTCOMES[field.slice(0, bar)];
            if (outcome) this.inc({ queue: q, agent: field.slice(bar + 1), outcome }, Number(value));
          }
        }
      },
    });
    new Gauge({
      name: 'conveyor_workers',
      help: 'Worker processes registered in Redis (heartbeat not expired)',
      registers: r,
      async collect() {
        this.set((await adapter.listWorkers()).length);
      },
    });
    new Gauge({
      name: 'conveyor_redis_rtt_seconds',
      help: 'Round-trip time of a PING to Redis, measured at scrape',
      registers: r,
      async collect() {
        const t = process.hrtime.bigint();
        await adapter.redis.ping();
        this.set(Number(process.hrtime.bigint() - t) / 1e9);
      },
    });
    this.detach = pool ? this.poolMetrics(pool) : (): void => undefined;
  }

  private poolMetrics(pool: PoolMetricsSource): () => void {
    const r = [this.registry];
    new Gauge({
      name: 'conveyor_worker_threads',
      help: 'Live worker threads of this process',
      registers: r,
      collect() {
        this.set(pool.stats.threads);
      },
    });
    new Gauge({
      name: 'conveyor_worker_threads_target',
      help: 'Worker threads this process is configured for',
      registers: r,
      collect() {
        this.set(pool.size.threads);
      },
    });
    new Gauge({
      name: 'conveyor_worker_concurrency',
      help: 'Jobs at once per thread',
      registers: r,
      collect() {
        this.set(pool.size.concurrency);
      },
    });
    new Gauge({
      name: 'conveyor_worker_running_jobs',
      help: 'Jobs this process is running',
      registers: r,
      collect() {
        this.set(pool.stats.running);
      },
    });
    const jobs = new Counter({
      name: 'conveyor_worker_jobs_total',
      help: 'Job attempts this process ended, by outcome',
      labelNames: ['queue', 'agent', 'outcome'],
      registers: r,
    });
    const runs = new Histogram({
      name: 'conveyor_worker_job_run_seconds',
      help: 'Run time of the attempts this process ended',
      labelNames: ['queue', 'agent'],
      buckets: SECONDS,
      registers: r,
    });
    const onEvent = (e: PoolEvent): void => {
      if (e.type !== 'job') return;
      const outcome = POOL_OUTCOMES[e.state];
      if (!outcome) return;
      const labels = { queue: e.queue, agent: e.agent ?? '' };
      jobs.inc({ ...labels, outcome });
      if (e.durationMs !== undefined && outcome !== 'lost' && outcome !== 'released') runs.observe(labels, e.durationMs / 1000);
    };
    pool.on('event', onEvent);
    return () => pool.off('event', onEvent);
  }

  /** The whole exposition: the registry's metrics, then the wait and run histograms kept in Redis. */
  async render(): Promise<string> {
    const { adapter } = this.options;
    const waits: Array<{ labels: string; buckets: number[]; sumMs: number }> = [];
    const runs: typeof waits = [];
    for (const q of [...(await (this.options.queues?.() ?? adapter.listQueues()))].sort()) {
      const totals = await readHistoryTotals(adapter.redis, adapter.keyPrefix, q);
      for (const [into, kind] of [
        [waits, 'w'],
        [runs, 't'],
      ] as const) {
        for (const [agent, h] of histogramsOf(totals, kind))
          into.push({ labels: `queue="${escapeLabel(q)}",agent="${escapeLabel(agent)}"`, ...h });
      }
    }
    return (
      (await this.registry.metrics()) +
      histogramText(
        'conveyor_job_wait_seconds',
        'Time from enqueue (or due time, or the previous attempt) to lease, every process included',
        waits,
      ) +
      histogramText('conveyor_job_run_seconds', 'Time from start to end of an attempt, every process included', runs)
    );
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  close(): void {
    this.detach();
  }
}
