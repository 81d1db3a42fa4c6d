/**
 * Flows in the Jobs view (issue #19, "the Jobs view can show flows"): a
 * fan-out flow enqueued with the CLI is listed under the Jobs view's Flows
 * switch with its children counted by outcome; the parent opens inline to its
 * children (states and links) and, through its link, to its detail with the tree.
 */
import { writeFile } from 'node:fs/promises';
import { expect, test } from './fixtures';
import { openView, screenshot } from './support/ui';

test('a fan-out flow is listed under Flows, expands to its children, and opens its tree', async ({ app: page, stack }, testInfo) => {
  // Two CLI calls and three views after the stack starts: on a loaded machine the default minute (fixtures included) ran out.
  test.slow();
  // The parent and one child are on queues no worker works: the flow stays open while the test looks.
  await stack.cli('queue', 'create', 'reduce');
  await stack.cli('queue', 'create', 'held');
  const flowFile = testInfo.outputPath('fan-out.json');
  await writeFile(
    flowFile,
    JSON.stringify({
      queue: 'reduce',
      agent: 'echo',
      input: 'combine',
      id: 'doc-1',
      children: [
        { queue: 'default', agent: 'echo', input: 'part 0' },
        { queue: 'default', agent: 'echo', input: 'part 1' },
        { queue: 'held', agent: 'echo', input: 'part 2' },
      ],
    }),
  );
  await stack.cli('flow', 'add', flowFile);

  await openView(page, 'jobs');
  const select = page.getByTestId('jobs-queue-select');
  await expect(select.locator('option[value="reduce"]')).toHaveCount(1);
  await select.selectOption('reduce');
  await page.getByTestId('flows-toggle').click();
  await expect(page.getByTestId('flows-toggle')).toHaveAttribute('aria-pressed', 'true');

  const row = page.locator('[data-testid="flow-row"][data-job="reduce/doc-1"]');
  await expect(row.getByTestId('flow-state')).toHaveText('waiting-children');
  await expect(row.getByTestId('flow-children-count')).toHaveText('3');
  // The worked children complete; the list follows on its poll.
  await expect(row.getByTestId('flow-outcome-completed')).toHaveText('2 completed');
  await expect(row.getByTestId('flow-outcome-pending')).toHaveText('1 pending');

  await row.getByTestId('flow-expand').click();
  await expect(row.getByTestId('flow-expand')).toHaveAttribute('aria-expanded', 'true');
  const children = page.getByTestId('flow-children').getByTestId('flow-node');
  await expect(children).toHaveCount(3);
  await expect(page.locator('[data-testid="flow-node"][data-job="default/doc-1.0"]').getByTestId('flow-node-state')).toHaveText(
    'completed',
  );
  await expect(page.locator('[data-testid="flow-node"][data-job="held/doc-1.2"]').getByTestId('flow-node-state')).toHaveText('waiting');
  await screenshot(page, 'jobs-flows', row);

  // Each child links to its own detail, the parent to its detail with the whole tree.
  await expect(page.locator('[data-testid="flow-node"][data-job="held/doc-1.2"] a')).toHaveAttribute('href', '#/jobs/held/doc-1.2');
  await row.getByTestId('flow-parent-link').click();
  const tree = page.getByTestId('flow-tree');
  await expect(tree).toBeVisible();
  await expect(tree.getByTestId('flow-node')).toHaveCount(4);
  await expect(tree.locator('[data-testid="flow-node"][data-job="default/doc-1.1"]').getByTestId('flow-node-state')).toHaveText(
    'completed',
  );
});
