import type { Redis } from 'ioredis';
import type { RedisQueueAdapter } from '../queue/redis-queue-adapter';
import { ScheduleStore, scheduleChannel } from './store';

export interface SchedulerOptions {
  /** Queues whose schedules this scheduler fires (default: every queue, listed again on each pass). */
  queues?: string[];
  /** Where errors go (default: console.warn). */
  log?: (line: string) => void;
  /** Called with the ids of the jobs each claim added. */
  onFire?: (queue: string, jobIds: string[]) => void;
}

export interface Scheduler {
  /** Makes the scheduler look at the schedules now (it also wakes on every schedule change). */
  wake(): void;
  /** Stops it; resolves once its pass is over and its connection closed. */
  stop(): Promise<void>;
}

/** The longest a scheduler sleeps without looking (a change notice lost in a reconnect, a queue created). */
const MAX_SLEEP_MS = 10_000;
/** After an error (Redis down): wait this long before trying again. */
const RETRY_MS = 1000;

/**
 * Starts a scheduler: it sleeps until the earliest next tick across the
 * schedules (by the Redis clock), claims what is due, and sleeps again; a
 * schedule change (upsert, pause, resume, remove) wakes it through Redis
 * pub/sub. Run one in as many processes as you like: each tick's claim is
 * one atomic script, so schedulers race harmlessly and none leads.
 */
export function startScheduler(adapter: RedisQueueAdapter, options: SchedulerOptions = {}): Scheduler {
  const store = new ScheduleStore(adapter);
  const log = options.log ?? ((line: string) => console.warn(line));
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let wakeUp: (() => void) | undefined;
  let woken = false;

  const wake = (): void => {
    woken = true;
    if (timer) clearTimeout(timer);
    wakeUp?.();
  };
  const sleep = (ms: number): Promise<void> =>
    new Promise<void>((resolve) => {
      if (woken || stopped) return resolve();
      wakeUp = resolve;
      timer = setTimeout(resolve, ms);
    }).then(() => {
      wakeUp = undefined;
      timer = undefined;
    });

  let subscriber: Redis | undefined;
  try {
    subscriber = adapter.redis.duplicate();
    subscriber.on('error', () => undefined);
    subscriber.on('message', (_channel: string, queue: string) => {
      if (!options.queues || options.queues.includes(queue)) wake();
    });
    // (Re)subscribes on every connect, then looks at once: that covers what changed while it was away.
    const sub = subscriber;
    sub.on('ready', () => {
      sub.subscribe(scheduleChannel(adapter.keyPrefix)).then(wake, () => undefined);
    });
    sub.connect().catch(() => undefined);
  } catch (err) {
    log(`conveyor: scheduler runs without change notices (${String(err)}); it looks every ${MAX_SLEEP_MS / 1000} s`);
  }

  /** One pass: fires what is due, and returns how long to sleep. */
  const pass = async (): Promise<number> => {
    const queues = options.queues ?? (await adapter.listQueues());
    const t0 = Date.now();
    const [earliest, [sec, usec]] = await Promise.all([store.earliest(queues), adapter.redis.time()]);
    const now = Number(sec) * 1000 + Math.floor(Number(usec) / 1000);
    // Redis clock minus this one, measured at the middle of the round trip.
    const offset = now - (t0 + Date.now()) / 2;
    let soonest = Infinity;
    let fired = false;
    for (const [i, queue] of queues.entries()) {
      const head = earliest[i];
      if (head === undefined) continue;
      if (head > now) {
        soonest = Math.min(soonest, head);
        continue;
      }
      for (const id of await store.due(queue, now)) {
        const jobs = await store.fire(queue, id);
        if (jobs.length > 0) options.onFire?.(queue, jobs);
        fired = true;
      }
    }
    if (fired) return 0;
    return Math.min(MAX_SLEEP_MS, Math.max(0, soonest - (Date.now() + offset)));
  };

  const loop = async (): Promise<void> => {
    // One line per outage, not one per retry.
    let failing = false;
    while (!stopped) {
      woken = false;
      let wait: number;
      try {
        wait = await pass();
        if (failing) log('conveyor: scheduler: running again');
        failing = false;
      } catch (err) {
        if (stopped) break;
        if (!failing) log(`conveyor: scheduler: ${err instanceof Error ? err.message : String(err)}; retrying every ${RETRY_MS / 1000} s`);
        failing = true;
        wait = RETRY_MS;
      }
      if (wait > 0) await sleep(wait);
    }
  };
  const running = loop();

  return {
    wake,
    async stop() {
      stopped = true;
      wake();
      await running;
      subscriber?.disconnect();
    },
  };
}
