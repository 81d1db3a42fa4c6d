/**
 * Schedules view: a schedule added through the form fires (by the schedulers
 * in `conveyor serve` and the worker), its last run links to its job, pause
 * and resume, run now, edit (an upsert: still one schedule), remove, and a bad
 * cron expression refused with the field named and nothing stored.
 */
import { expect, test } from './fixtures';
import { screenshot } from './support/ui';

async function openSchedules(page: import('@playwright/test').Page): Promise<void> {
  await page.getByTestId('nav-schedules').click();
  await expect(page.getByTestId('view-schedules')).toBeVisible();
}

test('add an interval schedule; it fires, links its job, pauses, resumes, runs now, edits and goes', async ({ app: page, stack }) => {
  await openSchedules(page);
  await expect(page.getByTestId('schedules-empty')).toBeVisible();
  const form = page.getByTestId('schedule-form');
  await form.getByTestId('schedule-queue').selectOption('default');
  await form.getByTestId('schedule-id').fill('heartbeat');
  await form.getByTestId('schedule-agent').fill('echo');
  await form.getByTestId('schedule-input').fill('"tick"');
  await form.getByTestId('schedule-mode').selectOption('every');
  await form.getByTestId('schedule-every').fill('2s');
  await form.getByTestId('schedule-save').click();

  const row = page.locator('[data-testid="schedule-row"][data-schedule="default/heartbeat"]');
  await expect(row).toBeVisible();
  await expect(row.getByTestId('schedule-next').locator('li')).toHaveCount(3);
  // The latest tick's job, newest first, linked to its job page.
  const lastJob = row.getByTestId('schedule-last-run').first();
  await expect(lastJob).toHaveAttribute('href', /^#\/jobs\/default\/heartbeat%40\d+$/, { timeout: 15_000 });
  await screenshot(page, 'schedules-firing', row);

  await row.getByTestId('schedule-pause').click();
  await expect(row).toHaveAttribute('data-paused', 'true');
  await expect(row.getByTestId('schedule-next')).toHaveText('—');
  await row.getByTestId('schedule-resume').click();
  await expect(row).toHaveAttribute('data-paused', 'false');

  await row.getByTestId('schedule-run-now').click();
  await expect(page.getByTestId('schedule-action-result')).toHaveText(/^Enqueued heartbeat@run-\d+-\d+\.$/);

  await row.getByTestId('schedule-edit').click();
  await form.getByTestId('schedule-every').fill('1h');
  await form.getByTestId('schedule-save').click();
  await expect(row.getByTestId('schedule-next').locator('li')).toHaveCount(3);
  const listed = JSON.parse(await stack.cli('schedule', 'ls', '--json')) as Array<{ id: string; everyMs: number }>;
  expect(listed).toEqual([expect.objectContaining({ id: 'heartbeat', everyMs: 3_600_000 })]);

  const jobId = decodeURIComponent((await lastJob.getAttribute('href'))?.split('/').at(-1) ?? '');
  await lastJob.click();
  await expect(page.getByTestId('job-detail-id')).toHaveText(jobId);
  expect((await stack.job('default', jobId)).id).toBe(jobId);

  await openSchedules(page);
  await row.getByTestId('schedule-remove').click();
  await expect(page.getByTestId('schedules-empty')).toBeVisible();
});

test('a bad cron expression is refused, naming the field; nothing is stored', async ({ app: page, stack }) => {
  await openSchedules(page);
  const form = page.getByTestId('schedule-form');
  await form.getByTestId('schedule-id').fill('broken');
  await form.getByTestId('schedule-agent').fill('echo');
  await form.getByTestId('schedule-cron').fill('every monday');
  await form.getByTestId('schedule-save').click();
  await expect(form.getByTestId('schedule-cron-error')).toContainText('cron');
  await expect(form.getByTestId('schedule-cron-error')).toContainText('5 fields');
  await screenshot(page, 'schedules-bad-cron', form);
  expect(JSON.parse(await stack.cli('schedule', 'ls', '--json'))).toEqual([]);
});
