/**
 * Enqueue: a job submitted with the Enqueue form shows up in Jobs, is run by a
 * worker (the web mode's local pool or the separate worker process) and
 * reaches completed; its detail shows the agent's result.
 */
import { expect, test } from './fixtures';
import { enqueueThroughForm, jobRow, screenshot, showJobs } from './support/ui';

test('a job enqueued through the form appears in Jobs, completes, and its detail shows the result', async ({ app: page, stack }) => {
  const input = { greeting: 'hello from the e2e form', n: 42 };
  const id = await enqueueThroughForm(page, { queue: 'default', agent: 'echo', input });
  await expect(page.getByTestId('enqueue-result')).toContainText('on default');

  await showJobs(page, 'default');
  const row = jobRow(page, id);
  await expect(row).toBeVisible();
  await expect(row).toHaveAttribute('data-state', 'completed');
  await expect(row.getByTestId('job-agent')).toHaveText('echo');

  await row.getByTestId('job-link').click();
  await expect(page).toHaveURL(new RegExp(`#/jobs/default/${id}$`));
  await expect(page.getByTestId('job-detail-id')).toHaveText(id);
  await expect(page.getByTestId('job-detail-state')).toHaveAttribute('data-state', 'completed');
  await expect(page.getByTestId('job-detail-agent')).toHaveText('echo');
  // echo returns its input: the result is the same JSON.
  const result = page.getByTestId('job-detail-result');
  await expect(result).toContainText('"greeting": "hello from the e2e form"');
  expect(JSON.parse((await result.textContent()) ?? '')).toEqual(input);
  await expect(page.getByTestId('job-detail-progress-text')).toContainText('100%');
  const attempts = page.getByTestId('attempt');
  await expect(attempts).toHaveCount(1);
  await expect(attempts.first()).toHaveAttribute('data-outcome', 'completed');
  // The worker that ran it is one of the two of this test.
  const ranOn = (await attempts.first().getByTestId('attempt-worker').textContent()) ?? '';
  const pids = [String(stack.serve.pid), ...(stack.worker ? [String(stack.worker.pid)] : [])];
  expect(
    pids.some((pid) => ranOn.includes(`:${pid}:`)),
    `attempt worker ${ranOn} is one of pids ${pids.join(', ')}`,
  ).toBe(true);

  // What Redis holds agrees with the page.
  expect(await stack.job('default', id)).toMatchObject({ state: 'completed', result: input });
  await screenshot(page, 'enqueue-completed-detail');
});
