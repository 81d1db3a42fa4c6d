/**
 * Issue #17, as a person meets it in the control center (web mode): the agent
 * filter and the bulk actions it scopes, only valid actions offered, release
 * reasons in words, the live list's agent and input, the Overview's default
 * queue, one Tab stop per job row, and "Run now" on a delayed job.
 * No separate worker process: the local pool works `default`; `held` is
 * worked by no one, so its jobs stay waiting.
 */
import Redis from 'ioredis';
import { expect, test } from './fixtures';
import type { Page } from '@playwright/test';
import { jobRow, openView, showJobs } from './support/ui';

test.use({ stackOptions: { poolQueues: ['default'], workerQueues: [] } });

/** Enqueues `count` jobs of `agent` on `queue` through the Enqueue view's "Many jobs" form. */
async function enqueueMany(page: Page, queue: string, agent: string, count: number): Promise<void> {
  await openView(page, 'enqueue');
  const queueSelect = page.getByTestId('enqueue-queue');
  await expect(queueSelect.locator(`option[value="${queue}"]`)).toHaveCount(1);
  await queueSelect.selectOption(queue);
  await page.getByTestId('enqueue-agent').selectOption(agent);
  await page.getByTestId('enqueue-mode-text').check();
  await page.getByRole('tab', { name: 'Many jobs' }).click();
  await page.getByTestId('bulk-enqueue-lines').fill(Array.from({ length: count }, (_, i) => `${agent}-${i}`).join('\n'));
  await page.getByTestId('bulk-enqueue-submit').click();
  await expect(page.getByTestId('bulk-enqueue-result')).toBeVisible();
}

test('the agent filter finds jobs beyond the first page, and "Remove all" removes exactly what it selects, counted first', async ({
  app: page,
  stack,
}) => {
  await stack.cli('queue', 'create', 'held');
  // More jobs of another agent than one page (200) ahead of the echo jobs.
  await enqueueMany(page, 'held', 'fail', 230);
  await enqueueMany(page, 'held', 'echo', 3);

  await showJobs(page, 'held', 'waiting');
  await page.getByTestId('agent-filter').selectOption('echo');
  await expect(page.getByTestId('job-list')).toHaveAttribute('data-count', '3');
  await expect(page.getByTestId('job-agent')).toHaveText(['echo', 'echo', 'echo']);

  await page.getByTestId('state-remove-all').click();
  const dialog = page.getByTestId('confirm-dialog');
  await expect(dialog).toContainText('Remove 3 waiting jobs of agent “echo” in “held”?');
  await dialog.getByTestId('confirm-ok').click();
  await expect(page.getByTestId('bulk-result')).toHaveText('Removed 3 jobs.');
  // The 230 jobs of the other agent are all still there.
  await page.getByTestId('agent-filter').selectOption('');
  await expect(page.getByTestId('state-filter-waiting')).toContainText('230');
  await expect(page.getByTestId('job-list')).toHaveAttribute('data-count', '200');
});

test('only valid actions are offered (no Remove for running jobs), and "Run now" runs a delayed job', async ({ app: page, stack }) => {
  await test.step('no Remove for running jobs, in bulk or on a running job’s page', async () => {
    const id = (await stack.cli('enqueue', 'default', 'hang', '{"async": true}')).trim();
    await showJobs(page, 'default', 'active');
    await expect(jobRow(page, id)).toBeVisible();
    await expect(page.getByTestId('state-cancel-all')).toBeVisible();
    await expect(page.getByTestId('state-remove-all')).toHaveCount(0);
    // A running job selected: Remove selected says why it cannot.
    await jobRow(page, id).getByTestId('job-select').check();
    await expect(page.getByTestId('bulk-remove')).toBeDisabled();
    await expect(page.getByTestId('bulk-remove')).toHaveAttribute('aria-description', /running job cannot be removed/);
    await jobRow(page, id).getByTestId('job-link').click();
    await expect(page.getByTestId('job-detail-state')).toHaveAttribute('data-state', 'active');
    await expect(page.getByTestId('job-cancel')).toBeVisible();
    await expect(page.getByTestId('job-remove')).toHaveCount(0);
  });

  await test.step('"Run now" moves a delayed job to waiting, and it runs', async () => {
    const id = (await stack.cli('enqueue', 'default', 'echo', 'later', '--delay', '600000')).trim();
    await page.goto(`${stack.url}#/jobs/default/${id}`);
    await expect(page.getByTestId('job-detail-state')).toHaveAttribute('data-state', 'delayed');
    await page.getByTestId('job-promote').click();
    await expect(page.getByTestId('job-detail-state')).toHaveAttribute('data-state', 'completed');
  });
});

test('released attempts say why in words ("released" alone for older data), and each job row is one Tab stop', async ({
  app: page,
  stack,
  redisUrl,
}) => {
  await stack.cli('queue', 'create', 'held');
  const old = (await stack.cli('enqueue', 'held', 'echo', 'a')).trim();
  const held = (await stack.cli('enqueue', 'held', 'echo', 'b')).trim();
  const redis = new Redis(redisUrl);
  try {
    const now = String(Date.now());
    const attempt = { att: '1', 'a:1:leased': now, 'a:1:ended': now, 'a:1:outcome': 'released' };
    // One written before reasons were kept, one handed back after the prefetch hold.
    await redis.hset(`${stack.keyPrefix}:{held}:job:${old}`, attempt);
    await redis.hset(`${stack.keyPrefix}:{held}:job:${held}`, { ...attempt, 'a:1:why': 'prefetch_hold' });
  } finally {
    redis.disconnect();
  }

  await test.step('release reasons in words', async () => {
    await page.goto(`${stack.url}#/jobs/held/${old}`);
    await expect(page.getByTestId('attempt-outcome')).toHaveText('released');
    await page.goto(`${stack.url}#/jobs/held/${held}`);
    await expect(page.getByTestId('attempt-outcome')).toHaveText('released (held too long before it could start)');
  });

  await test.step('one Tab stop per row; Space on it selects the row', async () => {
    await showJobs(page, 'held', 'waiting');
    await jobRow(page, old).getByTestId('job-link').focus();
    await page.keyboard.press('Tab');
    await expect(jobRow(page, held).getByTestId('job-link')).toBeFocused();
    await page.keyboard.press('Space');
    await expect(jobRow(page, held).getByTestId('job-select')).toBeChecked();
  });
});

test('the live list shows agent and input of jobs heard of through events; Overview opens on the busiest queue', async ({
  app: page,
  stack,
}) => {
  await test.step('the live "all" list shows the agent and input of a job it heard of only through events', async () => {
    await showJobs(page, 'default', 'all');
    const id = (await stack.cli('enqueue', 'default', 'echo', 'hello-live')).trim();
    const row = jobRow(page, id);
    await expect(row).toHaveAttribute('data-state', 'completed');
    await expect(row.getByTestId('job-agent')).toHaveText('echo');
    await expect(row.getByTestId('job-input')).toHaveText('hello-live');
  });

  await test.step('Overview opens on the busiest queue, not the first by name; its charts are no unlabelled Tab stop', async () => {
    await stack.cli('queue', 'create', 'aaa-idle');
    await stack.cli('pause', 'aaa-idle');
    // A fresh window: no queue picked yet.
    await page.goto(stack.url);
    await expect(page.getByTestId('connection-state')).toHaveText('connected');
    await openView(page, 'overview');
    await expect(page.getByTestId('metrics-queue-select')).toHaveValue('default');
    await expect(page.getByTestId('throughput-chart')).toBeVisible();
    await expect(page.locator('svg[tabindex="0"]')).toHaveCount(0);
  });
});
