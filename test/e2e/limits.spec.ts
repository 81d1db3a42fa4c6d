/**
 * Limits (issue #18): the Limits view sets a queue's limit and shows it with
 * its state, refuses a malformed rate with the field named (nothing stored),
 * and removes the limit.
 */
import { expect, test } from './fixtures';
import { openView, screenshot } from './support/ui';

test('set a limit, see its state, refuse a bad rate, remove it', async ({ app: page }) => {
  await openView(page, 'limits');
  await page.getByTestId('limits-queue').selectOption('default');
  await page.getByTestId('limit-rate').fill('10/s');
  await page.getByTestId('limit-concurrency').fill('3');
  await page.getByTestId('limit-set').click();
  const row = page.locator('[data-testid="limit-row"][data-scope="(queue)"]');
  await expect(row).toContainText('rate 10/s, concurrency 3');
  await expect(row).toContainText('0 / 3 (3 free)');
  await screenshot(page, 'limits-queue-limit', row);

  await page.getByTestId('limit-rate').fill('10 per sec');
  await page.getByTestId('limit-set').click();
  await expect(page.getByTestId('limits-error')).toContainText('rate: expected N/<window>');
  await expect(row).toContainText('rate 10/s, concurrency 3');

  await row.getByTestId('limit-remove').click();
  await expect(page.getByTestId('limit-row')).toHaveCount(0);
});
