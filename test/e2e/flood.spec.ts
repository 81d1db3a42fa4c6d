/**
 * Flood: 1,000 echo jobs a second for 10 s, enqueued in batches of 100 by a
 * separate producer process (test/e2e/support/flood.ts, enqueueMany through a
 * RedisQueueAdapter) and worked by the web mode's local pool and the separate
 * worker process together, while the control center's Overview watches. The
 * page stays responsive (no main-thread task of 200 ms or more, by a
 * `longtask` PerformanceObserver installed before the app's scripts) and,
 * once drained, the counts are right: 10,000 completed, nothing left waiting,
 * delayed, active, dead or cancelled.
 *
 * The figures (longest task, long-task time, job events received, producer
 * timing, drain time) are printed and attached as flood-figures.json.
 */
import { loadavg } from 'node:os';
import type { WebSocket } from '@playwright/test';
import { expect, test } from './fixtures';
import { spawnTsScript } from './support/conveyor-stack';
import { raiseBrowserPriority } from './support/priority';
import { openControlCenter, openView, screenshot } from './support/ui';

const RATE = 1000;
const SECONDS = 10;
const BATCH = 100;
const TOTAL = RATE * SECONDS;
const LONGEST_TASK_LIMIT_MS = 200;
const WARM_UP_JOBS = 5;

test.use({
  // Completed jobs are kept (retention) beyond the flood, so the count can reach 10,000.
  stackOptions: { poolQueues: ['flood'], workerQueues: ['flood'], concurrency: 16, keepCompleted: 50_000 },
  // What is measured is the app: no trace snapshots of the DOM in its main thread meanwhile.
  trace: 'off',
});

interface LongTasks {
  count: number;
  totalMs: number;
  maxMs: number;
  /** [start ms, duration ms] of each. */
  tasks: Array<[number, number]>;
}

/**
 * Page script (a string: this file is compiled without the DOM types): adds
 * up `longtask` entries (main-thread tasks of 50 ms or more) in `window.__longTasks`.
 */
const LONG_TASK_OBSERVER = `
  (() => {
    const t = { count: 0, totalMs: 0, maxMs: 0, tasks: [],
      reset() { this.count = 0; this.totalMs = 0; this.maxMs = 0; this.tasks = []; } };
    window.__longTasks = t;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        t.count += 1; t.totalMs += e.duration; t.maxMs = Math.max(t.maxMs, e.duration);
        t.tasks.push([Math.round(e.startTime), Math.round(e.duration)]);
      }
    }).observe({ type: 'longtask', buffered: true });
  })();
`;
const READ_LONG_TASKS =
  '({ count: window.__longTasks.count, totalMs: window.__longTasks.totalMs, maxMs: window.__longTasks.maxMs, tasks: window.__longTasks.tasks })';

test('a flood of 1,000 jobs/s for 10 s keeps the page responsive and the counts right', async ({ page, stack }, testInfo) => {
  test.setTimeout(180_000);
  // Before any script of the app runs.
  await page.addInitScript({ content: LONG_TASK_OBSERVER });

  // Job events reaching the page, counted off its socket in this process (nothing added to the page's work).
  const received = { frames: 0, batches: 0, events: 0, counting: false };
  page.on('websocket', (ws: WebSocket) => {
    ws.on('framereceived', ({ payload }) => {
      if (!received.counting || typeof payload !== 'string') return;
      received.frames += 1;
      const frame = JSON.parse(payload) as { kind: string; event?: string; payload?: unknown };
      if (frame.kind === 'event' && frame.event === 'jobs.events' && Array.isArray(frame.payload)) {
        received.batches += 1;
        received.events += frame.payload.length;
      }
    });
  });

  await openControlCenter(page, stack.url, stack.options.concurrency);
  // On this 2-core box other processes (ours and other test runs) would otherwise add their CPU time to the page's task durations.
  const priority = raiseBrowserPriority();
  await openView(page, 'overview');
  const card = page.locator('[data-testid="overview-queue-card"][data-queue="flood"]');
  await expect(card).toBeVisible();
  await expect(page.getByTestId('metrics-queue-select')).toHaveValue('flood');

  // Warm-up: the queue's first finished jobs bring its charts in (a one-off render, not the flood's doing).
  // They are then removed, so the count that follows is the flood's alone.
  const warmUp: string[] = [];
  for (let i = 0; i < WARM_UP_JOBS; i++) warmUp.push((await stack.cli('enqueue', 'flood', 'echo', `warm-up ${i}`)).trim());
  await expect(card.getByTestId('queue-count-completed')).toHaveText(String(WARM_UP_JOBS));
  await expect(page.getByTestId('throughput-chart')).toBeVisible();
  await expect(page.getByTestId('run-histogram')).toBeVisible();
  const chartsIn = (await page.evaluate(READ_LONG_TASKS)) as LongTasks;
  for (const id of warmUp) await stack.cli('remove', 'flood', id);
  await expect(card.getByTestId('queue-count-completed')).toHaveText('0');

  const producer = spawnTsScript(
    'flood producer',
    'test/e2e/support/flood.ts',
    ['--config', stack.configPath, '--queue', 'flood', '--rate', String(RATE), '--seconds', String(SECONDS), '--batch', String(BATCH)],
    testInfo.outputPath('producer.log'),
  );
  try {
    await producer.waitFor(/\{"ready":true\}\n/, 30_000);
    // The window measured: from the flood's first batch until the queue is drained.
    await page.evaluate('window.__longTasks.reset()');
    received.counting = true;
    const floodStart = Date.now();
    const loadBefore = loadavg()[0] ?? 0;

    const [line] = await producer.waitFor(/\{"enqueued".*\}\n/, 60_000);
    const produced = JSON.parse(line) as { enqueued: number; batches: number; elapsedMs: number; maxLagMs: number };
    expect(produced.enqueued).toBe(TOTAL);
    const floodEnd = Date.now();

    // Drained: every job completed, nothing left over.
    await expect(card.getByTestId('queue-count-completed')).toHaveText('10,000', { timeout: 90_000 });
    const drainedAt = Date.now();
    for (const state of ['waiting', 'delayed', 'active', 'dead', 'cancelled', 'paused'] as const) {
      await expect(card.getByTestId(`queue-count-${state}`)).toHaveText('0');
    }
    received.counting = false;
    const tasks = (await page.evaluate(READ_LONG_TASKS)) as LongTasks;
    await screenshot(page, 'flood-overview-drained-10000-completed');

    // Redis agrees with the page.
    const queues = JSON.parse(await stack.cli('queue', 'ls', '--json')) as Array<{ name: string; counts: Record<string, number> }>;
    expect(queues.find((q) => q.name === 'flood')?.counts).toMatchObject({ completed: TOTAL, waiting: 0, active: 0, delayed: 0, dead: 0 });

    const figures = {
      jobs: TOTAL,
      producer: { elapsedMs: produced.elapsedMs, batches: produced.batches, maxBatchLagMs: produced.maxLagMs },
      drainedAfterFloodMs: drainedAt - floodEnd,
      windowMs: drainedAt - floodStart,
      longTasks: {
        longestMs: Math.round(tasks.maxMs),
        totalMs: Math.round(tasks.totalMs),
        count: tasks.count,
        each: tasks.tasks.map(([start, ms]) => ({ atMs: start, ms })),
      },
      received: { jobEvents: received.events, jobEventBatches: received.batches, frames: received.frames },
      beforeTheFlood: { longestTaskMsPageLoadAndChartsComingIn: Math.round(chartsIn.maxMs) },
      box: {
        loadAverage1m: { before: loadBefore, after: loadavg()[0] ?? 0 },
        browserProcessesRaised: priority.raised.length,
        ...(priority.error ? { priorityError: priority.error } : {}),
      },
    };
    console.log(
      `flood figures: longest task ${figures.longTasks.longestMs} ms, long-task time ${figures.longTasks.totalMs} ms in ${tasks.count} tasks, ` +
        `${received.events} job events received in ${received.batches} batches (${received.frames} frames); ` +
        `${TOTAL} jobs enqueued in ${produced.elapsedMs} ms (max batch lag ${produced.maxLagMs} ms), drained ${figures.drainedAfterFloodMs} ms after the last batch; ` +
        `before the flood (page load, charts coming in): longest task ${figures.beforeTheFlood.longestTaskMsPageLoadAndChartsComingIn} ms; ` +
        `load average ${loadBefore.toFixed(1)} → ${figures.box.loadAverage1m.after.toFixed(1)}`,
    );
    await testInfo.attach('flood-figures.json', { body: JSON.stringify(figures, null, 2), contentType: 'application/json' });

    // Every job was seen by the page: at least its enqueued and completed events.
    expect(received.events).toBeGreaterThanOrEqual(2 * TOTAL);
    expect(tasks.maxMs, 'longest main-thread task during the flood (ms)').toBeLessThan(LONGEST_TASK_LIMIT_MS);
  } finally {
    await producer.stop();
  }
});
