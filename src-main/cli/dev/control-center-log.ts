/**
 * What `conveyor dev` prints while the control center runs in its process:
 * a timestamped line per job state change (the core's `jobs.events`, every
 * queue), one when the local pool starts, resizes or stops, and one per Redis
 * connection change. A burst prints at most `maxLinesPerSecond` job lines a
 * second; the rest is counted and summarised when the second is over
 * ("… 1480 more job events: 740 started, 740 completed").
 */
import type { ConnectionStatus, PoolStatus } from '../../../src-shared/contract';
import type { JobEvent, JobEventType } from '../../../src-shared/job';
import type { ControlSurface } from '../../control/surface';
import type { CliWritable } from '../io';
import { oneLine } from '../output';

export interface ControlCenterLogOptions {
  /** Default 20. */
  maxLinesPerSecond?: number;
  now?: () => number;
}

/** Not state changes: a lease comes with `started`, progress and log lines belong in the app. */
const NOT_PRINTED: ReadonlySet<JobEventType> = new Set<JobEventType>(['leased', 'progress', 'log']);
const WINDOW_MS = 1000;

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** `completed default/42 attempt 1`, `enqueued default/43 summarizer`, `dead default/7 attempt 3: failed: boom`, `drained default (12 jobs)`. */
export function describeJobEvent(e: JobEvent): string {
  const parts: string[] = [e.type, e.jobId === undefined ? e.queue : `${e.queue}/${e.jobId}`];
  if (e.attempt !== undefined && e.attempt > 0) parts.push(`attempt ${e.attempt}`);
  if (e.agent !== undefined) parts.push(e.agent);
  if (e.type === 'retrying' && e.delayMs !== undefined) parts.push(`in ${e.delayMs} ms`);
  if (e.count !== undefined) parts.push(`(${plural(e.count, 'job')})`);
  const why = [e.reason, e.error].filter((s): s is string => s !== undefined && s !== '').map(oneLine);
  const distinct = why.filter((s, i) => why.indexOf(s) === i);
  return distinct.length > 0 ? `${parts.join(' ')}: ${distinct.join(': ')}` : parts.join(' ');
}

/** `local pool host:1:ab running: queues default, 2 threads × 8 jobs`, or `local pool stopped`. */
export function describePool(s: PoolStatus): string {
  if (!s.running) return 'local pool stopped';
  const name = s.workerId === undefined ? 'local pool' : `local pool ${s.workerId}`;
  return `${name} running: queues ${s.queues.join(', ')}, ${plural(s.threads, 'thread')} × ${plural(s.concurrency, 'job')}`;
}

function poolKey(s: PoolStatus): string {
  return JSON.stringify([s.running, s.workerId, s.queues, s.threads, s.concurrency]);
}

export class ControlCenterLog {
  private readonly maxLines: number;
  private readonly now: () => number;
  private windowStart = Number.NEGATIVE_INFINITY;
  private linesInWindow = 0;
  private readonly held = new Map<JobEventType, number>();
  private timer: NodeJS.Timeout | undefined;
  private lastPool: string | undefined;
  private lastConnection: string | undefined;
  private readonly unsubscribes: Array<() => void> = [];

  constructor(
    private readonly out: CliWritable,
    options: ControlCenterLogOptions = {},
  ) {
    this.maxLines = options.maxLinesPerSecond ?? 20;
    this.now = options.now ?? Date.now;
  }

  /** Follows a surface; `initial` is what held before (printed only if it differs later, or the pool line now). */
  follow(surface: ControlSurface, initial: { connection: ConnectionStatus; pool?: PoolStatus }): void {
    this.lastConnection = initial.connection.state;
    if (initial.pool) this.onPool(initial.pool);
    this.unsubscribes.push(
      surface.subscribe('jobs.events', (events) => this.onJobEvents(events)),
      surface.subscribe('pool.changed', (status) => this.onPool(status)),
      surface.subscribe('connection.changed', (status) => this.onConnection(status)),
    );
  }

  onJobEvents(events: readonly JobEvent[]): void {
    for (const e of events) {
      if (NOT_PRINTED.has(e.type)) continue;
      const now = this.now();
      if (now - this.windowStart >= WINDOW_MS) {
        this.flush();
        this.windowStart = now;
        this.linesInWindow = 0;
      }
      if (this.linesInWindow < this.maxLines) {
        this.linesInWindow++;
        this.line(describeJobEvent(e));
        continue;
      }
      this.held.set(e.type, (this.held.get(e.type) ?? 0) + 1);
      this.timer ??= setTimeout(() => this.flush(), this.windowStart + WINDOW_MS - now);
    }
  }

  onPool(status: PoolStatus): void {
    const key = poolKey(status);
    // Before the pool ever ran, "stopped" says nothing.
    if (key === this.lastPool || (this.lastPool === undefined && !status.running)) return;
    this.lastPool = key;
    this.line(describePool(status));
  }

  onConnection(status: ConnectionStatus): void {
    if (status.state === this.lastConnection) return;
    this.lastConnection = status.state;
    this.line(`Redis ${status.target} ${status.state}${status.error ? `: ${oneLine(status.error)}` : ''}`);
  }

  /** Stops following and prints what is held back. */
  close(): void {
    for (const off of this.unsubscribes.splice(0)) off();
    this.flush();
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.held.size === 0) return;
    const total = [...this.held.values()].reduce((a, b) => a + b, 0);
    const byType = [...this.held].map(([type, n]) => `${n} ${type}`).join(', ');
    this.held.clear();
    this.line(`… ${total} more job ${total === 1 ? 'event' : 'events'}: ${byType}`);
  }

  private line(text: string): void {
    this.out.write(`${new Date(this.now()).toISOString()} ${text}\n`);
  }
}
