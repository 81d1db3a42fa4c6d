/**
 * Search and bulk actions in the Jobs view: the search box finds a job by a
 * word of its payload; "Retry all dead" (state filter dead) sends every dead
 * job of the queue back, and they leave dead.
 */
import { expect, test } from './fixtures';
import { jobRow, screenshot, showJobs } from './support/ui';

test.use({ stackOptions: { poolQueues: ['default', 'brittle'], workerQueues: ['default', 'brittle'] } });

test('search finds a job by a word of its payload', async ({ app: page, stack }) => {
  // Three producers' jobs, through the CLI.
  const inputs = ['quarterly earnings summary for the board', 'weekly pelican census of the harbour', 'monthly budget review'];
  const ids: string[] = [];
  for (const input of inputs) ids.push((await stack.cli('enqueue', 'default', 'echo', input)).trim());
  const [, pelican] = ids;

  await showJobs(page, 'default');
  for (const id of ids) await expect(jobRow(page, id)).toHaveAttribute('data-state', 'completed');

  await page.getByTestId('jobs-search').fill('pelican');
  const rows = page.getByTestId('job-row');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toHaveAttribute('data-job-id', pelican ?? '');
  await expect(rows.first()).toContainText('weekly pelican census of the harbour');
  await expect(page.getByTestId('jobs-footer')).toContainText('1 matching job');
  await screenshot(page, 'search-found-by-payload-word');

  // Case does not matter; a word in no payload finds nothing.
  await page.getByTestId('jobs-search').fill('PELICAN');
  await expect(rows).toHaveCount(1);
  await page.getByTestId('jobs-search').fill('albatross');
  await expect(page.getByTestId('jobs-empty')).toContainText('No job matches “albatross”');
  await expect(rows).toHaveCount(0);
});

test('retry all dead moves every dead job out of dead', async ({ app: page, stack }) => {
  // No retries: a job that fails once is dead. `flaky` fails its first attempt only.
  await stack.cli('queue', 'create', 'brittle', '--max-retries', '0');
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) ids.push((await stack.cli('enqueue', 'brittle', 'flaky', '{"failTimes": 1}')).trim());

  await showJobs(page, 'brittle', 'dead');
  // The state button carries the count: "dead 3".
  await expect(page.getByTestId('state-filter-dead')).toHaveText(/^dead\s*3$/);
  for (const id of ids) await expect(jobRow(page, id)).toHaveAttribute('data-state', 'dead');
  await expect(page.getByTestId('job-row')).toHaveCount(3);
  await screenshot(page, 'bulk-three-dead');

  await page.getByTestId('state-retry-all').click();
  const dialog = page.getByTestId('confirm-dialog');
  await expect(dialog).toContainText('Retry 3 dead jobs in “brittle”?');
  await dialog.getByTestId('confirm-ok').click();
  await expect(page.getByTestId('bulk-result')).toHaveText('Retried 3 jobs.');

  // Out of dead: the list and the count empty, and the second attempt of each succeeds.
  await expect(page.getByTestId('jobs-empty')).toBeVisible();
  await expect(page.getByTestId('state-filter-dead')).toHaveText(/^dead\s*0$/);
  await page.getByTestId('state-filter-completed').click();
  for (const id of ids) await expect(jobRow(page, id)).toHaveAttribute('data-state', 'completed');
  await screenshot(page, 'bulk-retried-now-completed');
  for (const id of ids) expect((await stack.job('brittle', id)).attempts.map((a) => a.outcome)).toEqual(['failed', 'completed']);
});
