/**
 * The BullMQ job-scheduler bug reports as scenarios, run at once on separate
 * queues: each schedule ticks every second for 32 s while schedulers race
 * (in this process, on their own connections), and the queue must hold
 * exactly one job per tick. Separate processes: workers.test.ts.
 */
import { expect } from 'vitest';
import { ScheduleStore, startScheduler, type Scheduler } from '../../../src-main/schedules';
import type { RedisQueueAdapter } from '../../../src-main/queue/redis-queue-adapter';
import { MISFIRE_GRACE_MS, type ScheduleInput } from '../../../src-shared/schedule';
import { queueTest as test } from '../../support/queue';
import { percentile, report, sleep, tickJobs, type TickReport } from './tick-ledger';

const RUN_MS = 32_000;

function schedule(queue: string, id: string, extra: Partial<ScheduleInput> = {}): ScheduleInput {
  // 'each' with a high limit: a tick a loaded machine claims late still gets its job, so a missing one is a real loss.
  return { queue, id, agent: 'echo', input: { id }, every: '1s', catchUp: 'each', catchUpLimit: 1000, ...extra };
}

test(
  'exactly one job per tick under quick upserts, two instances, remove-then-upsert and concurrent schedulers',
  { timeout: 90_000 },
  async ({ connect }) => {
    const adapters: RedisQueueAdapter[] = [];
    for (let i = 0; i < 4; i++) adapters.push(await connect());
    const [a0, a1, a2, a3] = adapters as [RedisQueueAdapter, RedisQueueAdapter, RedisQueueAdapter, RedisQueueAdapter];
    for (const q of ['quick', 'instances', 'readd', 'many']) await a0.createQueue(q);
    const stores = adapters.map((a) => new ScheduleStore(a));
    const [s0, s1, s2, s3] = stores as [ScheduleStore, ScheduleStore, ScheduleStore, ScheduleStore];
    const schedulers: Scheduler[] = [];
    const t0 = Date.now();
    const running = () => Date.now() - t0 < RUN_MS;

    // #3262: a second instance upserts the schedule and starts its scheduler; the first stops half-way.
    await s0.upsert(schedule('instances', 'poll'));
    const first = startScheduler(a0, { queues: ['instances'] });
    await s1.upsert(schedule('instances', 'poll'));
    const second = startScheduler(a1, { queues: ['instances'] });
    schedulers.push(second);

    // Three schedulers on every queue.
    for (const a of [a1, a2, a3]) schedulers.push(startScheduler(a, { queues: ['quick', 'readd', 'many'] }));
    await s0.upsert(schedule('many', 'tick'));

    // #2988 and #3085: many upserts of the same schedule at once, again and again (a redeploy storm), from every store.
    // Each round changes the job input (a real write, racing the claims) and repeats itself (identical upserts).
    const quick = (async () => {
      for (let round = 0; running(); round++) {
        await Promise.all(
          stores.map((s) =>
            Promise.all([s.upsert(schedule('quick', 'storm', { input: round })), s.upsert(schedule('quick', 'storm', { input: round }))]),
          ),
        );
        await sleep(150);
      }
    })();

    // #3063: remove then upsert in close succession; ticks that fall between the two are not owed.
    const gaps: Array<[number, number]> = [];
    const readd = (async () => {
      await s2.upsert(schedule('readd', 'again'));
      while (running()) {
        await sleep(700 + Math.random() * 900);
        const from = Date.now();
        await Promise.all([s2.remove('readd', 'again'), sleep(Math.random() * 5)]);
        await s3.upsert(schedule('readd', 'again'));
        // A tick due just before the removal that no scheduler had claimed yet goes with the removed schedule.
        gaps.push([from - MISFIRE_GRACE_MS, Date.now()]);
      }
    })();

    await sleep(RUN_MS / 2);
    await first.stop();
    await Promise.all([quick, readd]);
    await sleep(RUN_MS - (Date.now() - t0));
    await Promise.all(schedulers.map((s) => s.stop()));

    const reports: Record<string, TickReport> = {};
    for (const [queue, id] of [
      ['quick', 'storm'],
      ['instances', 'poll'],
      ['readd', 'again'],
      ['many', 'tick'],
    ] as const) {
      reports[queue] = report(await tickJobs(a0, queue, id), 1000, queue === 'readd' ? gaps : []);
    }
    const delays = Object.values(reports).flatMap((r) => r.delays);
    console.log(
      'schedules scenarios:',
      JSON.stringify(
        Object.fromEntries(
          Object.entries(reports).map(([q, r]) => [
            q,
            {
              jobs: r.jobs,
              duplicates: r.duplicates,
              missed: r.missed,
              late: r.delays.map((d, i) => [i, d]).filter(([, d]) => (d ?? 0) > 200),
            },
          ]),
        ),
      ),
      `fire delay p50 ${percentile(delays, 50)} ms, p99 ${percentile(delays, 99)} ms, max ${Math.max(...delays)} ms (n=${delays.length})`,
    );
    for (const [queue, r] of Object.entries(reports)) {
      expect(r.duplicates, queue).toBe(0);
      expect(r.missed, queue).toBe(0);
      expect(r.jobs, queue).toBeGreaterThanOrEqual(queue === 'readd' ? 20 : 30);
    }
  },
);
