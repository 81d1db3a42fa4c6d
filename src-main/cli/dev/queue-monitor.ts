/**
 * The foreground of `conveyor dev`: follows every queue's event stream and,
 * when events arrive, prints one summary line of queue counts, at most one a
 * second. Queues created meanwhile are picked up within `refreshMs`.
 */
import type { QueueInfo } from '../../../src-shared/job';
import type { QueuePort } from '../../queue/port';
import { untilAborted } from '../abort';
import { queueInfos } from '../commands/queue';
import type { CliWritable } from '../io';
import { oneLine, waitingOf } from '../output';

export interface QueueMonitorOptions {
  /** Least time between two summary lines. Default 1000 ms. */
  minIntervalMs?: number;
  /** How often to look for new or deleted queues. Default 5000 ms. */
  refreshMs?: number;
}

function clock(): string {
  return new Date().toTimeString().slice(0, 8);
}

export function summaryLine(queues: QueueInfo[]): string {
  if (queues.length === 0) return 'no queues';
  return queues
    .map((q) => {
      const c = q.counts;
      const paused = q.paused ? ' (paused)' : '';
      return `${q.name}${paused}: ${waitingOf(c)} waiting, ${c.active} active, ${c.delayed} delayed, ${c.completed} completed, ${c.dead} dead`;
    })
    .join(' | ');
}

function sameNames(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((name, i) => name === b[i]);
}

export class QueueMonitor {
  private readonly minIntervalMs: number;
  private readonly refreshMs: number;
  private lastPrint = 0;
  private timer: NodeJS.Timeout | undefined;
  private printing: Promise<void> = Promise.resolve();

  constructor(
    private readonly adapter: QueuePort,
    private readonly out: CliWritable,
    options: QueueMonitorOptions = {},
  ) {
    this.minIntervalMs = options.minIntervalMs ?? 1000;
    this.refreshMs = options.refreshMs ?? 5000;
  }

  /** Runs until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    let queues = await this.adapter.listQueues();
    try {
      while (!signal.aborted) {
        // One round per queue list: a change of the list ends the round and starts a new one.
        const round = new AbortController();
        const endRound = (): void => round.abort();
        signal.addEventListener('abort', endRound, { once: true });
        const refresh = setInterval(() => {
          this.adapter.listQueues().then(
            (now) => {
              if (sameNames(now, queues)) return;
              queues = now;
              this.request();
              round.abort();
            },
            () => undefined, // Redis is down: the events loop waits it out, and so does this.
          );
        }, this.refreshMs);
        try {
          if (queues.length === 0) await untilAborted(round.signal);
          else for await (const batch of this.adapter.events(queues, { signal: round.signal })) if (batch.length > 0) this.request();
        } finally {
          clearInterval(refresh);
          signal.removeEventListener('abort', endRound);
        }
      }
    } finally {
      clearTimeout(this.timer);
      this.timer = undefined;
      await this.printing;
    }
  }

  /** Asks for a summary line: now, or as soon as a second has passed since the last one. */
  private request(): void {
    if (this.timer) return;
    const wait = Math.max(0, this.lastPrint + this.minIntervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.lastPrint = Date.now();
      this.printing = this.printing.then(() => this.print());
    }, wait);
  }

  private async print(): Promise<void> {
    try {
      this.out.write(`${clock()} ${summaryLine(await queueInfos(this.adapter))}\n`);
    } catch (err) {
      this.out.write(`${clock()} counts unavailable: ${oneLine(err instanceof Error ? err.message : String(err))}\n`);
    }
  }
}
