/**
 * Schedules fired by real `conveyor worker` processes (the built CLI): three
 * at once, and a crash loop of 20 SIGKILLed restarts (BullMQ #2876). Checked
 * from the queue itself: exactly one job per tick of a 1-s interval over at
 * least 30 ticks. The two run side by side, each under its own key prefix.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect } from 'vitest';
import { ScheduleStore } from '../../../src-main/schedules';
import type { ScheduleInput } from '../../../src-shared/schedule';
import { workerProcessTest as test } from '../worker-process/worker-process-fixture';
import { percentile, report, sleep, tickJobs, until } from './tick-ledger';

function every1s(queue: string, ledger: string): ScheduleInput {
  return { queue, id: 'tick', agent: 'ledger', input: { ledger }, every: '1s', catchUp: 'each', catchUpLimit: 1000 };
}

describe.concurrent('schedules in worker processes', () => {
  test('three workers: one job per tick, each run once', { timeout: 90_000 }, async ({ adapter, spawnWorker }) => {
    const dir = await mkdtemp(path.join(tmpdir(), 'conveyor-sched-'));
    const ledger = path.join(dir, 'ledger');
    await adapter.createQueue('three');
    await new ScheduleStore(adapter).upsert(every1s('three', ledger));
    const workers = await Promise.all([0, 1, 2].map(() => spawnWorker(['three'])));
    // Three node processes starting at once on a shared 2-core machine: generous.
    await Promise.all(workers.map((w) => w.waitFor(/ worker \S+ started: /, 40_000)));
    const readyAt = Date.now();
    await until(async () => (await tickJobs(adapter, 'three', 'tick')).length >= 32, 60_000, '32 ticks');
    for (const w of workers) w.child.kill('SIGTERM');
    await Promise.all(workers.map((w) => w.exited));
    const r = report(await tickJobs(adapter, 'three', 'tick'), 1000);
    // Precision once all three run (ticks due during their start-up were caught up late, as they should be).
    const delays = (await tickJobs(adapter, 'three', 'tick')).filter((j) => j.tick > readyAt).map((j) => j.createdAt - j.tick);
    const runs = (await readFile(ledger, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => l.split(' ')[0]);
    console.log(
      `schedules, 3 workers: jobs ${r.jobs}, duplicates ${r.duplicates}, missed ${r.missed}, ` +
        `fire delay p50 ${percentile(delays, 50)} ms p99 ${percentile(delays, 99)} ms max ${Math.max(...delays)} ms (n=${delays.length})`,
    );
    expect(r.duplicates).toBe(0);
    expect(r.missed).toBe(0);
    expect(r.jobs).toBeGreaterThanOrEqual(32);
    expect(new Set(runs).size).toBe(runs.length);
    expect(percentile(delays, 99)).toBeLessThan(1000);
    await rm(dir, { recursive: true, force: true });
  });

  test('a crash loop of 20 SIGKILLed restarts: no tick doubled, none lost', { timeout: 120_000 }, async ({ adapter, spawnWorker }) => {
    const dir = await mkdtemp(path.join(tmpdir(), 'conveyor-sched-'));
    await adapter.createQueue('crash');
    await new ScheduleStore(adapter).upsert(every1s('crash', path.join(dir, 'ledger')));
    // Two overlapping lives at a time, each killed at a random moment (at start-up, between ticks, mid-claim).
    let kills = 0;
    const life = async (): Promise<void> => {
      while (kills < 20) {
        const w = await spawnWorker(['crash']);
        await sleep(700 + Math.random() * 2300);
        kills++;
        w.child.kill('SIGKILL');
        await w.exited;
      }
    };
    await Promise.all([life(), sleep(900).then(life)]);
    // One last life catches up whatever came due while none ran ('each'), then stops.
    const last = await spawnWorker(['crash']);
    await last.waitFor(/ worker \S+ started: /, 40_000);
    await sleep(2500);
    await until(async () => (await tickJobs(adapter, 'crash', 'tick')).length >= 30, 30_000, '30 ticks');
    last.child.kill('SIGTERM');
    await last.exited;
    const r = report(await tickJobs(adapter, 'crash', 'tick'), 1000);
    console.log(`schedules, crash loop of ${kills} kills: jobs ${r.jobs}, duplicates ${r.duplicates}, missed ${r.missed}`);
    expect(kills).toBeGreaterThanOrEqual(20);
    expect(r.duplicates).toBe(0);
    expect(r.missed).toBe(0);
    expect(r.jobs).toBeGreaterThanOrEqual(30);
    await rm(dir, { recursive: true, force: true });
  });
});
