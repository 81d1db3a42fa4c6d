/**
 * History: the Overview's History panel, and each queue's own in the Queues
 * view, show what Redis keeps of finished jobs (metrics.history): throughput
 * and wait/run percentiles, per range.
 */
import { expect, test } from './fixtures';
import { createQueueThroughForm, enqueueThroughForm, jobRow, openView, queueRow, showJobs } from './support/ui';

test('the Overview shows the stored history of a finished job', async ({ app: page }) => {
  const id = await enqueueThroughForm(page, { queue: 'default', agent: 'echo', input: 'counted' });
  await showJobs(page, 'default');
  await expect(jobRow(page, id)).toHaveAttribute('data-state', 'completed');
  await openView(page, 'overview');
  const panel = page.getByTestId('history-panel');
  // A range click reads the history again (it also refreshes every 30 s).
  await panel.getByTestId('history-range-15m').click();
  await expect(panel.getByTestId('history-chart')).toContainText('1 completed');
  await expect(panel.getByTestId('history-run')).not.toContainText('–');
  await panel.getByTestId('history-queue').selectOption('default');
  await panel.getByTestId('history-range-7d').click();
  await expect(panel.getByTestId('history-chart')).toContainText('1 completed');
});

test("a queue shows its own stored history, not the other queues'", async ({ app: page }) => {
  await createQueueThroughForm(page, { name: 'quiet' });
  const id = await enqueueThroughForm(page, { queue: 'default', agent: 'echo', input: 'counted' });
  await showJobs(page, 'default');
  await expect(jobRow(page, id)).toHaveAttribute('data-state', 'completed');
  await openView(page, 'queues');

  await queueRow(page, 'default').getByTestId('queue-history-toggle').click();
  const own = page.locator('[data-testid="queue-history"][data-queue="default"]').getByTestId('history-panel');
  await expect(own).toHaveAttribute('data-queue', 'default');
  // Fixed to its queue: no queue picker, but the agent picker and the four ranges.
  await expect(own.getByTestId('history-queue')).toHaveCount(0);
  await expect(own.getByTestId('history-agent')).toBeVisible();
  for (const r of ['15m', '1h', '24h', '7d']) await expect(own.getByTestId(`history-range-${r}`)).toBeVisible();
  await own.getByTestId('history-range-15m').click();
  await expect(own.getByTestId('history-chart')).toContainText('1 completed');
  await expect(own.getByTestId('history-run')).not.toContainText('–');
  await own.getByTestId('history-agent').selectOption('echo');
  await expect(own.getByTestId('history-chart')).toContainText('1 completed');

  await queueRow(page, 'quiet').getByTestId('queue-history-toggle').click();
  const other = page.locator('[data-testid="queue-history"][data-queue="quiet"]').getByTestId('history-panel');
  await other.getByTestId('history-range-15m').click();
  await expect(other.getByTestId('history-chart')).toContainText('0 completed');
  await expect(other.getByTestId('history-run')).toContainText('–');
});
