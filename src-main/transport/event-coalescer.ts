/**
 * Rate-limits the events one front end (a window, a web socket) receives:
 * at most one send per `intervalMs` (50 ms: 20 sends a second), whatever the
 * event rate. Between sends, events wait and merge: job event batches are
 * concatenated, every other channel keeps only its latest payload (a metrics
 * snapshot or a status supersedes the one before). When several channels are
 * waiting, the one that has waited longest goes first.
 *
 * Plain Node, timers injectable, shared by the IPC and web transports.
 */
import type { EventName, Events } from '../../src-shared/contract';
import type { JobEvent } from '../../src-shared/job';

export interface CoalescerOptions {
  /** Minimum time between two sends. Default 50 ms (20 sends a second). */
  intervalMs?: number;
  /**
   * Most job events held for one send; beyond it the oldest are dropped (a
   * front end that far behind reloads its lists anyway). Default 5000.
   */
  maxJobEvents?: number;
  /** Whether the receiver can take a send now (e.g. a socket's buffer is not full). Default: always. */
  ready?: () => boolean;
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (timer: unknown) => void;
}

export type CoalescedSend = <E extends EventName>(event: E, payload: Events[E]) => void;

export const DEFAULT_EVENT_INTERVAL_MS = 50;
const DEFAULT_MAX_JOB_EVENTS = 5000;

export class EventCoalescer {
  private readonly pending = new Map<EventName, unknown>();
  private readonly intervalMs: number;
  private readonly maxJobEvents: number;
  private readonly ready: () => boolean;
  private readonly now: () => number;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (timer: unknown) => void;
  private timer: unknown;
  private lastSendAt = Number.NEGATIVE_INFINITY;
  private disposed = false;
  /** Job events dropped because the receiver fell too far behind. */
  dropped = 0;

  constructor(
    private readonly send: CoalescedSend,
    options: CoalescerOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? DEFAULT_EVENT_INTERVAL_MS;
    this.maxJobEvents = options.maxJobEvents ?? DEFAULT_MAX_JOB_EVENTS;
    this.ready = options.ready ?? (() => true);
    this.now = options.now ?? Date.now;
    this.setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = options.clearTimer ?? ((t) => clearTimeout(t as ReturnType<typeof setTimeout>));
  }

  push<E extends EventName>(event: E, payload: Events[E]): void {
    if (this.disposed) return;
    if (event === 'jobs.events') {
      const batch = payload as JobEvent[];
      if (batch.length === 0) return;
      const held = this.pending.get(event) as JobEvent[] | undefined;
      let merged = held ? held.concat(batch) : batch.slice();
      if (merged.length > this.maxJobEvents) {
        this.dropped += merged.length - this.maxJobEvents;
        merged = merged.slice(merged.length - this.maxJobEvents);
      }
      this.pending.set(event, merged);
    } else {
      // Latest wins; Map.set on a held key keeps its place in the queue.
      this.pending.set(event, payload);
    }
    this.schedule();
  }

  /** Drop whatever waits for `event` (e.g. after an unsubscribe). */
  discard(event: EventName): void {
    this.pending.delete(event);
  }

  dispose(): void {
    this.disposed = true;
    this.pending.clear();
    if (this.timer !== undefined) this.clearTimer(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.disposed || this.timer !== undefined || this.pending.size === 0) return;
    // Never sooner than a timer tick, so a synchronous burst leaves as one send.
    const delay = Math.max(0, this.lastSendAt + this.intervalMs - this.now());
    this.timer = this.setTimer(() => this.flushOne(), delay);
  }

  private flushOne(): void {
    this.timer = undefined;
    if (this.disposed) return;
    if (!this.ready()) {
      this.lastSendAt = this.now();
      this.schedule();
      return;
    }
    const first = this.pending.entries().next();
    if (first.done) return;
    const [event, payload] = first.value;
    this.pending.delete(event);
    this.lastSendAt = this.now();
    try {
      this.send(event, payload as Events[typeof event]);
    } catch {
      // A receiver that went away mid-send: its owner disposes us on close.
    }
    this.schedule();
  }
}
