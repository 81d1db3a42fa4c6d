/**
 * Workers: the Workers view lists the separate `conveyor worker` process (by
 * its pid, apart from the web mode's own local pool) and, while it runs a long
 * `sleep` job from a queue only it serves, that running job.
 */
import { expect, test } from './fixtures';
import { enqueueThroughForm, openView, screenshot } from './support/ui';

// The local pool serves `default`; only the worker process serves `solo`.
test.use({ stackOptions: { poolQueues: ['default'], workerQueues: ['solo'] } });

test('the Workers view shows the worker process and the job it is running', async ({ app: page, stack }) => {
  const worker = stack.worker;
  if (!worker) throw new Error('this test needs the worker process');

  await openView(page, 'workers');
  const byPid = (pid: number) =>
    page.getByTestId('worker-row').filter({ has: page.getByTestId('worker-pid').getByText(String(pid), { exact: true }) });
  const row = byPid(worker.pid);
  await expect(row).toHaveAttribute('data-worker-id', worker.workerId);
  await expect(row.getByTestId('worker-queues')).toHaveText('solo');
  await expect(row.getByTestId('worker-capacity')).toContainText(`1×${stack.options.concurrency}`);
  await expect(row.getByTestId('worker-running')).toHaveText('0');
  // The web mode's local pool is a worker too, in its own process.
  await expect(byPid(stack.serve.pid).getByTestId('worker-queues')).toHaveText('default');
  await expect(page.getByTestId('worker-row')).toHaveCount(2);

  // A minute-long job that only the worker process can take.
  const id = await enqueueThroughForm(page, { queue: 'solo', agent: 'sleep', input: { ms: 60_000 } });
  await openView(page, 'workers');
  const running = row.getByTestId('worker-running');
  // "1 job", a disclosure of the list of its jobs.
  await expect(running).toHaveText(/^1 job/);
  await running.getByText('1 job').click();
  const link = running.getByRole('link', { name: `solo/${id}` });
  await expect(link).toBeVisible();
  await expect(link).toHaveAttribute('href', `#/jobs/solo/${id}`);
  await expect(byPid(stack.serve.pid).getByTestId('worker-running')).toHaveText('0');
  await screenshot(page, 'workers-process-running-sleep-job', row);

  // The link opens the job: active, on the worker process.
  await link.click();
  await expect(page.getByTestId('job-detail-state')).toHaveAttribute('data-state', 'active');
  await expect(page.getByTestId('attempt').first().getByTestId('attempt-worker')).toHaveText(worker.workerId);
  await expect(page.getByTestId('job-detail-progress-text')).toContainText('ms');
  await screenshot(page, 'workers-running-job-detail');
});
