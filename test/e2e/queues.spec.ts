/**
 * Queues: Pause in the Queues view stops a queue being worked (a job enqueued
 * meanwhile is held waiting while another queue's job goes through), Resume
 * lets it run; a capped queue that is full refuses an enqueue with the
 * explained queue-full error, its cap and depth shown.
 */
import { expect, test } from './fixtures';
import { createQueueThroughForm, enqueueThroughForm, jobRow, openView, queueRow, screenshot, showJobs, submitEnqueue } from './support/ui';

test.use({ stackOptions: { poolQueues: ['default', 'side'], workerQueues: ['default', 'side'] } });

test('pause holds new jobs waiting; resume runs them', async ({ app: page, stack }) => {
  await openView(page, 'queues');
  const row = queueRow(page, 'default');
  await row.getByTestId('queue-pause').click();
  await expect(row).toHaveAttribute('data-paused', 'true');
  await expect(row.getByTestId('queue-paused-badge')).toBeVisible();
  await expect(row.getByTestId('queue-action-result')).toHaveText('Paused: workers take no new jobs from it.');

  const held = await enqueueThroughForm(page, { queue: 'default', agent: 'echo', input: 'enqueued while paused' });
  // A job on a queue that is not paused, enqueued after it, goes through: both pools are taking jobs...
  const passing = await enqueueThroughForm(page, { queue: 'side', agent: 'echo', input: 'not paused' });
  await showJobs(page, 'side');
  await expect(jobRow(page, passing)).toHaveAttribute('data-state', 'completed');
  // ...but not the paused queue's.
  await showJobs(page, 'default');
  await expect(jobRow(page, held)).toHaveAttribute('data-state', 'waiting');
  expect((await stack.job('default', held)).state).toBe('waiting');
  await openView(page, 'queues');
  await expect(row.getByTestId('queue-count-waiting')).toHaveText('1 (held)');
  await expect(row.getByTestId('queue-count-completed')).toHaveText('0');
  await screenshot(page, 'queues-paused-job-held');

  await row.getByTestId('queue-resume').click();
  await expect(row).toHaveAttribute('data-paused', 'false');
  await expect(row.getByTestId('queue-action-result')).toHaveText('Resumed.');
  await expect(row.getByTestId('queue-count-completed')).toHaveText('1');
  await expect(row.getByTestId('queue-count-waiting')).toHaveText('0');
  await showJobs(page, 'default');
  await expect(jobRow(page, held)).toHaveAttribute('data-state', 'completed');
  await screenshot(page, 'queues-resumed-job-completed');
});

test('a full capped queue refuses an enqueue and says why, with its cap and depth', async ({ app: page }) => {
  await createQueueThroughForm(page, { name: 'capped', cap: 1 });
  const row = queueRow(page, 'capped');
  await expect(row.getByTestId('queue-settings')).toContainText('cap 1 ·');
  // Paused, so no worker takes its one job and it stays full.
  await row.getByTestId('queue-pause').click();
  await expect(row).toHaveAttribute('data-paused', 'true');

  await enqueueThroughForm(page, { queue: 'capped', agent: 'echo', input: 'fills the queue' });
  await submitEnqueue(page, { queue: 'capped', agent: 'echo', input: 'one too many' });
  const error = page.getByTestId('queue-full-error');
  await expect(error).toHaveText(
    'Queue "capped" is full: 1 job is waiting or delayed, and its cap is 1. The job was not enqueued. ' +
      "Wait for workers to work it down, or raise the queue's cap (max length).",
  );
  await expect(page.getByTestId('enqueue-result')).toHaveCount(0);
  // The Enqueue view's depth bar says the same.
  const depth = page.getByTestId('view-enqueue').getByTestId('depth-bar');
  await expect(depth).toHaveAttribute('data-full', 'true');
  await expect(depth).toHaveAttribute('aria-valuetext', '1 of 1 (full)');
  await screenshot(page, 'queues-full-refused', error);

  await openView(page, 'queues');
  await expect(row).toHaveAttribute('data-full', 'true');
  await expect(row.getByTestId('queue-full-badge')).toBeVisible();
  await expect(row.getByTestId('depth-text')).toHaveText('1 / 1');
  await expect(row.getByTestId('queue-count-waiting')).toHaveText('1 (held)');
  await screenshot(page, 'queues-full-badge');
});
