/**
 * What a running worker prints: one timestamped line per job state change and
 * thread event on stdout, errors on stderr. A Redis outage is one line when it
 * starts and one when it ends (the pool's outage watch decides both, for a
 * refused connection and for a silent one alike), however many calls fail
 * meanwhile. A late lease dropped unrun is one line even in quiet mode.
 * `quiet` swaps the per-job lines for a summary every `summaryMs`.
 */
import type { Logger } from 'pino';
import { jsonLogger, type LogFormat } from '../../observability/logger';
import type { PoolEvent } from '../../pool/pool';
import { isConnectionError } from '../../queue/redis-client';
import type { CliWritable } from '../io';
import { oneLine } from '../output';

export interface PoolCounters {
  processed: number;
  failed: number;
  running: number;
}

export interface PoolLogOptions {
  /** Only the periodic summary, thread deaths and errors. */
  quiet: boolean;
  /** How often `quiet` prints the summary. Default 10 s. */
  summaryMs?: number;
  stats: () => PoolCounters;
  /** 'json': one pino object per line, job lines with jobId, queue and attempt fields. Default 'text'. */
  format?: LogFormat;
}

/** The same non-connection error again within this long is not printed again. */
const REPEAT_QUIET_MS = 10_000;

type JobEvent = Extract<PoolEvent, { type: 'job' }>;
type ThreadEvent = Extract<PoolEvent, { type: 'thread' }>;
type OutageEvent = Extract<PoolEvent, { type: 'outage' }>;

/** `completed jobs/42 attempt 1 echo in 12 ms`, `dead jobs/7 attempt 3 fail in 4 ms: failed: boom`. */
export function describeJobEvent(e: JobEvent): string {
  const parts: string[] = [e.state, `${e.queue}/${e.id}`];
  if (e.attempt > 0) parts.push(`attempt ${e.attempt}`);
  if (e.agent !== undefined) parts.push(e.agent);
  if (e.durationMs !== undefined && e.state !== 'started') parts.push(`in ${e.durationMs} ms`);
  const why = [e.reason, e.error].filter((s): s is string => s !== undefined && s !== '');
  // `cancelled: cancelled` says it once.
  const distinct = why.filter((s, i) => why.indexOf(s) === i).map(oneLine);
  return distinct.length > 0 ? `${parts.join(' ')}: ${distinct.join(': ')}` : parts.join(' ');
}

/** `thread 3 died (crashed): boom`, `thread 2 retired`. */
export function describeThreadEvent(e: ThreadEvent): string {
  let text = `thread ${e.threadId} ${e.state}`;
  if (e.reason !== undefined) text += ` (${oneLine(e.reason)})`;
  if (e.error !== undefined) text += `: ${oneLine(e.error)}`;
  return text;
}

/** `Redis unreachable: no reply from Redis for 3000 ms; ...`, `Redis is back after 6.2 s`. */
export function describeOutageEvent(e: OutageEvent): string {
  return e.state === 'started'
    ? `Redis unreachable: ${oneLine(e.reason)}; running jobs go on, no new job starts until it is back`
    : `Redis is back after ${(e.durationMs / 1000).toFixed(1)} s`;
}

/** A job line's fields in JSON logs: always jobId, queue and attempt. */
function jobFields(e: JobEvent): Record<string, unknown> {
  const { id, queue, attempt, state, agent, durationMs, error, reason } = e;
  return { jobId: id, queue, attempt, state, agent, durationMs, error, reason };
}

export class PoolLog {
  private readonly summaryMs: number;
  private summaryTimer: NodeJS.Timeout | undefined;
  private lastSummary = { at: Date.now(), done: 0 };
  private readonly recentErrors = new Map<string, number>();
  private readonly json: { out: Logger; err: Logger } | undefined;

  constructor(
    private readonly out: CliWritable,
    private readonly err: CliWritable,
    private readonly options: PoolLogOptions,
  ) {
    this.summaryMs = options.summaryMs ?? 10_000;
    if (options.format === 'json') this.json = { out: jsonLogger(out), err: jsonLogger(err) };
  }

  /** A line on stdout, timestamped (JSON: `fields` beside the message). */
  info(text: string, fields: Record<string, unknown> = {}): void {
    if (this.json) this.json.out.info(fields, text);
    else this.out.write(`${new Date().toISOString()} ${text}\n`);
  }

  /** A line on stderr, timestamped. */
  error(text: string): void {
    if (this.json) this.json.err.error(text);
    else this.err.write(`${new Date().toISOString()} ${text}\n`);
  }

  /** Starts the periodic summary of quiet mode. */
  start(): void {
    if (!this.options.quiet || this.summaryTimer) return;
    const s = this.options.stats();
    this.lastSummary = { at: Date.now(), done: s.processed + s.failed };
    this.summaryTimer = setInterval(() => this.summary(), this.summaryMs);
    this.summaryTimer.unref();
  }

  readonly onEvent = (e: PoolEvent): void => {
    switch (e.type) {
      case 'job':
        if (e.state === 'dropped') this.info(`late lease ${describeJobEvent(e)}`, jobFields(e));
        else if (!this.options.quiet) this.info(describeJobEvent(e), jobFields(e));
        break;
      case 'outage':
        this.error(describeOutageEvent(e));
        break;
      case 'thread':
        // Ready lines would only echo start-up; a stall or a death is trouble even in quiet mode.
        if (e.state === 'died' || e.state === 'stalled' || (e.state === 'retired' && !this.options.quiet))
          this.info(describeThreadEvent(e));
        break;
      case 'error':
        this.onError(e.error);
        break;
      case 'agents':
        // Printed once by the start line.
        break;
    }
  };

  /** Stops the timers; ends nothing else. */
  close(): void {
    clearInterval(this.summaryTimer);
    this.summaryTimer = undefined;
  }

  private summary(): void {
    const s = this.options.stats();
    const now = Date.now();
    const done = s.processed + s.failed;
    const rate = ((done - this.lastSummary.done) * 1000) / Math.max(1, now - this.lastSummary.at);
    this.lastSummary = { at: now, done };
    this.info(`processed ${s.processed}, failed ${s.failed}, running ${s.running}, ${rate.toFixed(1)} jobs/s`);
  }

  private onError(error: Error): void {
    const message = oneLine(error.message);
    // The outage lines say it, once each way.
    if (isConnectionError(error)) return;
    const now = Date.now();
    const last = this.recentErrors.get(message);
    if (last !== undefined && now - last < REPEAT_QUIET_MS) return;
    for (const [m, at] of this.recentErrors) if (now - at >= REPEAT_QUIET_MS) this.recentErrors.delete(m);
    this.recentErrors.set(message, now);
    this.error(`error: ${message}`);
  }
}
