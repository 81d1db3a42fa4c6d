/**
 * History: the Overview's History panel shows what Redis keeps of finished
 * jobs (metrics.history): throughput and wait/run percentiles, per range.
 */
import { expect, test } from './fixtures';
import { enqueueThroughForm, jobRow, openView, showJobs } from './support/ui';

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
