/**
 * Config: the raw YAML editor refuses an invalid config.yml (bad YAML, or a
 * value out of range) with each problem's path and reason, and the file on
 * disk stays byte for byte as it was; a valid change (workers.concurrency) is
 * saved with the file's comments kept and applied at once: the applied lines
 * say so, and the Workers view's local pool has the new size (the separate
 * worker process, which read the file when it started, keeps its own).
 */
import { readFile } from 'node:fs/promises';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { CONCURRENCY_COMMENT, CONFIG_HEADER_COMMENT } from './support/conveyor-stack';
import { openView, screenshot } from './support/ui';

/** The Config view's YAML tab, showing the file as on disk. */
async function openYamlEditor(page: Page, onDisk: string): Promise<void> {
  await openView(page, 'config');
  await page.getByTestId('config-tab-yaml').click();
  await expect(page.getByTestId('config-yaml')).toHaveValue(onDisk);
  await expect(page.getByTestId('config-validation')).toHaveAttribute('data-state', 'unchanged');
}

test('a YAML syntax error is refused with its line and reason; the file is unchanged', async ({ app: page, stack }) => {
  const before = await readFile(stack.configPath);
  await openYamlEditor(page, before.toString('utf8'));

  // `threads:` indented deeper than its siblings: no longer YAML.
  const text = before.toString('utf8');
  const line = text.split('\n').indexOf('  threads: 1') + 1;
  expect(line).toBeGreaterThan(0);
  await page.getByTestId('config-yaml').fill(text.replace('  threads: 1', '    threads: 1'));
  await expect(page.getByTestId('config-validation')).toHaveAttribute('data-state', 'invalid');
  const issue = page.getByTestId('config-issues').getByTestId('config-issue');
  await expect(issue).toHaveCount(1);
  // No key path for a file that does not parse: the line says where.
  await expect(issue).toHaveAttribute('data-path', '');
  await expect(issue).toHaveText(
    new RegExp(`^YAML syntax error at line ${line}, column \\d+: All mapping items must start at the same column$`),
  );
  await expect(page.getByTestId('config-yaml')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByTestId('config-yaml-save')).toBeDisabled();
  await screenshot(page, 'config-yaml-syntax-error', issue);

  expect((await readFile(stack.configPath)).equals(before), 'config.yml is byte for byte as before').toBe(true);
});

test('an invalid value is refused with its path and reason; the file is unchanged', async ({ app: page, stack }) => {
  const before = await readFile(stack.configPath);
  await openYamlEditor(page, before.toString('utf8'));

  const invalid = before
    .toString('utf8')
    .replace(/concurrency: \d+/, 'concurrency: 0')
    .replace('  threads: 1', '  threads: 1\n  bogus_key: true');
  await page.getByTestId('config-yaml').fill(invalid);
  await expect(page.getByTestId('config-validation')).toHaveAttribute('data-state', 'invalid');
  const issues = page.getByTestId('config-issues');
  await expect(issues.locator('[data-testid="config-issue"][data-path="workers.concurrency"]')).toHaveText(
    'workers.concurrency: expected an integer 1-1000, got 0',
  );
  await expect(issues.locator('[data-testid="config-issue"][data-path="workers.bogus_key"]')).toHaveText('workers.bogus_key: unknown key');
  await expect(page.getByTestId('config-yaml-save')).toBeDisabled();
  await screenshot(page, 'config-invalid-value', issues);

  expect((await readFile(stack.configPath)).equals(before), 'config.yml is byte for byte as before').toBe(true);
  // The pool still runs at the old size.
  await expect(page.getByTestId('status-pool')).toContainText(`local pool 1×${stack.options.concurrency}`);
});

test('a valid change is saved with its comments kept and applied to the local pool', async ({ app: page, stack }) => {
  const before = (await readFile(stack.configPath)).toString('utf8');
  expect(before).toContain(`concurrency: ${stack.options.concurrency}   ${CONCURRENCY_COMMENT}`);
  await openYamlEditor(page, before);

  const next = 7;
  const changed = before.replace(/concurrency: \d+/, `concurrency: ${next}`);
  await page.getByTestId('config-yaml').fill(changed);
  await expect(page.getByTestId('config-valid')).toBeVisible();
  await page.getByTestId('config-yaml-save').click();

  const saved = page.getByTestId('config-saved');
  await expect(saved).toContainText(`Saved to ${stack.configPath}.`);
  await expect(saved.getByTestId('config-applied-line')).toHaveText([`local pool resized to 1×${next}`]);
  await screenshot(page, 'config-saved-applied', saved);

  // On disk: the new value, every comment (the header and the line's own) kept.
  const after = (await readFile(stack.configPath)).toString('utf8');
  expect(after).toContain(CONFIG_HEADER_COMMENT);
  expect(after).toContain(`concurrency: ${next}   ${CONCURRENCY_COMMENT}`);
  expect(after).toBe(changed);
  // The editor starts again from the saved file.
  await expect(page.getByTestId('config-yaml')).toHaveValue(after);

  await openView(page, 'workers');
  await expect(page.getByTestId('pool-size')).toHaveText(`1 thread × ${next} jobs`);
  await expect(page.getByTestId('status-pool')).toContainText(`local pool 1×${next}`);
  // The registry row of the serve process (its local pool) follows on its next heartbeat.
  const servePoolRow = page
    .getByTestId('worker-row')
    .filter({ has: page.getByTestId('worker-pid').getByText(String(stack.serve.pid), { exact: true }) });
  await expect(servePoolRow.getByTestId('worker-capacity')).toContainText(`1×${next}`);
  // The separate worker process read config.yml when it started: it keeps its size.
  const pid = String(stack.worker?.pid);
  const workerRow = page.getByTestId('worker-row').filter({ has: page.getByTestId('worker-pid').getByText(pid, { exact: true }) });
  await expect(workerRow.getByTestId('worker-capacity')).toContainText(`1×${stack.options.concurrency}`);
  await screenshot(page, 'config-workers-new-concurrency', page.getByTestId('pool-status'));
});
