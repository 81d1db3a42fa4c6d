/**
 * Retries: a job whose agent always throws (the `fail` fixture) on a queue
 * made in the Queues form with 2 retries and a fixed 1 s backoff is tried
 * three times, each retry after the backoff, then dead-lettered; the attempt
 * timeline shows every failed attempt. "Retry" on the job's detail sends it
 * back (with a fresh retry budget): it leaves dead and its attempts grow.
 */
import { expect, test } from './fixtures';
import { createQueueThroughForm, enqueueThroughForm, queueRow, screenshot } from './support/ui';

const BACKOFF_MS = 1000;

test.use({ stackOptions: { poolQueues: ['default', 'retrying'], workerQueues: ['default', 'retrying'] } });

test('a failing job retries with backoff, lands in dead, and Retry on its detail brings it back', async ({ app: page, stack }) => {
  // The pools made the queue with config.yml's defaults when they started; the form sets its own options.
  await createQueueThroughForm(page, { name: 'retrying', maxRetries: 2, backoff: { type: 'fixed', delayMs: BACKOFF_MS } });
  await expect(queueRow(page, 'retrying').getByTestId('queue-settings')).toContainText('retries 2 · fixed backoff 1 s');

  const id = await enqueueThroughForm(page, { queue: 'retrying', agent: 'fail', input: 'this job is doomed' });
  await page.getByTestId('enqueue-result-id').click();
  await expect(page.getByTestId('job-detail-id')).toHaveText(id);

  // Three attempts (1 + 2 retries), about a second apart, then dead.
  const state = page.getByTestId('job-detail-state');
  await expect(state).toHaveAttribute('data-state', 'dead', { timeout: 20_000 });
  await expect(page.getByTestId('job-detail-attempts')).toHaveText('3 of 3');
  const attempts = page.getByTestId('attempt');
  await expect(attempts).toHaveCount(3);
  for (let i = 0; i < 3; i++) {
    const attempt = attempts.nth(i);
    await expect(attempt).toHaveAttribute('data-attempt', String(i + 1));
    await expect(attempt).toHaveAttribute('data-outcome', 'failed');
    await expect(attempt.getByTestId('attempt-error')).toContainText('fixture failure');
    await expect(attempt.getByTestId('attempt-fate')).toHaveText(i < 2 ? 'retried' : 'dead-lettered');
  }
  await expect(page.getByTestId('job-detail-error')).toContainText('fixture failure');
  await expect(page.getByTestId('job-retry')).toBeVisible();

  // The backoff, by the Redis clock: each retry was leased no sooner than the delay after the failure before it.
  const record = await stack.job('retrying', id);
  expect(record.attempts).toHaveLength(3);
  for (let i = 1; i < 3; i++) {
    const failedAt = record.attempts[i - 1]?.endedAt ?? NaN;
    const retriedAt = record.attempts[i]?.leasedAt ?? NaN;
    expect(retriedAt - failedAt, `attempt ${i + 1} waited the ${BACKOFF_MS} ms backoff`).toBeGreaterThanOrEqual(BACKOFF_MS - 10);
  }
  await screenshot(page, 'retries-dead-with-attempts', attempts.nth(2));

  // Retry from the detail: out of dead, tried again.
  await page.getByTestId('job-retry').click();
  await expect(page.getByTestId('job-action-result')).toHaveText('Retried 1 job.');
  await expect(state).not.toHaveAttribute('data-state', 'dead');
  const fourth = page.locator('[data-testid="attempt"][data-attempt="4"]');
  await expect(fourth).toBeVisible();
  await expect(attempts.nth(2).getByTestId('attempt-fate')).toHaveText('retried');
  await screenshot(page, 'retries-retried-from-detail', fourth);

  // A fresh budget: three more attempts, then dead again.
  await expect(attempts).toHaveCount(6, { timeout: 20_000 });
  await expect(state).toHaveAttribute('data-state', 'dead');
});

test('after Retry, the detail counts attempts against the fresh retry budget', async ({ app: page }) => {
  await createQueueThroughForm(page, { name: 'retrying', maxRetries: 1, backoff: { type: 'fixed', delayMs: 200 } });
  const id = await enqueueThroughForm(page, { queue: 'retrying', agent: 'fail', input: 'fails every time' });
  await page.getByTestId('enqueue-result-id').click();
  await expect(page.getByTestId('job-detail-id')).toHaveText(id);
  await expect(page.getByTestId('job-detail-state')).toHaveAttribute('data-state', 'dead');
  await expect(page.getByTestId('job-detail-attempts')).toHaveText('2 of 2');

  await page.getByTestId('job-retry').click();
  await expect(page.getByTestId('attempt')).toHaveCount(4);
  await expect(page.getByTestId('job-detail-state')).toHaveAttribute('data-state', 'dead');
  await screenshot(page, 'retries-attempts-after-manual-retry', page.getByTestId('job-detail-attempts'));
  // Two attempts of the fresh budget of two, four in all.
  await expect(page.getByTestId('job-detail-attempts')).toHaveText('2 of 2');
  await expect(page.getByTestId('job-detail-attempts-earlier')).toContainText('2 more before a manual retry');
});
