/**
 * A Redis outage seen from the control center (issue #17 points 2 and 8): a
 * window opened during it shows the queues last read (not "Loading queues…",
 * not `No jobs in ""`), the status bar names no internal command and says
 * the error once, and actions that need Redis are disabled with the reason.
 * This test has a Redis of its own, since it stops it.
 */
import { RedisServerProcess } from '../../src-main/redis/redis-server-process';
import { expect, test } from './fixtures';
import { DEFAULT_STACK_OPTIONS, startStack } from './support/conveyor-stack';
import { openControlCenter, openView } from './support/ui';

test('during an outage views keep the last known state and say why actions are off', async ({ page, build }, testInfo) => {
  const redis = await RedisServerProcess.start({ port: 0 });
  const options = { ...DEFAULT_STACK_OPTIONS, workerQueues: [] };
  const stack = await startStack(build, redis.url, testInfo.outputDir, options);
  try {
    await openControlCenter(page, stack.url, options.concurrency);
    await stack.cli('enqueue', 'default', 'echo', 'before the outage');
    await expect(page.getByTestId('overview-queues')).toContainText('default');

    await redis.stop();
    await expect(page.getByTestId('connection-state')).toHaveText('disconnected', { timeout: 30_000 });
    await test.step('the status bar: no internal names, the error not repeated', async () => {
      await openView(page, 'queues');
      await openView(page, 'jobs');
      const bar = page.getByTestId('status-bar');
      await expect(bar).not.toContainText('queues.list');
      await expect(bar).not.toContainText('workers.list');
      await expect(page.getByTestId('redis-banner')).not.toContainText(/unreachable.*unavailable/);
    });

    await test.step('a window opened during the outage shows the queues last read', async () => {
      await page.reload();
      await expect(page.getByTestId('connection-state')).toHaveText('disconnected');
      await openView(page, 'overview');
      await expect(page.getByTestId('overview-queues')).toContainText('default');
      await expect(page.getByTestId('last-known-note')).toBeVisible();
      await openView(page, 'jobs');
      await expect(page.getByTestId('jobs-queue-select')).toHaveValue('default');
      await expect(page.getByTestId('jobs-empty')).toContainText('“default” cannot be listed right now');
      await expect(page.getByTestId('view-jobs')).not.toContainText('“”');
    });

    await test.step('Pause and Enqueue are disabled, with the reason', async () => {
      await openView(page, 'queues');
      const pause = page.locator('[data-testid="queue-row"][data-queue="default"]').getByTestId('queue-pause');
      await expect(pause).toBeDisabled();
      await expect(pause).toHaveAttribute('aria-description', /Redis is unavailable/);
      await openView(page, 'enqueue');
      await expect(page.getByTestId('enqueue-submit')).toBeDisabled();
      await expect(page.getByTestId('enqueue-submit')).toHaveAttribute('aria-description', /Redis is unavailable/);
    });
  } finally {
    await stack.stop();
    await redis.stop();
  }
});
