import { hostname } from 'node:os';
import * as path from 'node:path';
import { describe, expect } from 'vitest';
import { item } from '../../support/queue';
import { eventually, waitForState } from '../../support/pool';
import { configYaml } from './cli-fixture';
import { WORKERS_YAML, workerTest as test } from './worker-fixture';

const ISO = String.raw`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z`;
const FIXTURES = path.resolve(__dirname, '../../fixtures');

/** stdout lines about jobs: `<iso> <state> <queue>/<id> ...`. */
function jobLines(stdout: string): string[] {
  return stdout.split('\n').filter((l) => new RegExp(`^${ISO} (started|completed|retrying|dead|cancelled|released|lost) \\S+/`).test(l));
}

describe('conveyor worker', () => {
  test('prints one start line: worker id, Redis target, queues, threads × jobs, agents', async ({ startWorker, redisUrl, prefix }) => {
    const worker = startWorker();
    const id = await worker.ready;
    const url = new URL(redisUrl);
    expect(id).toMatch(new RegExp(`^${hostname()}:${process.pid}:[0-9a-f]+$`));
    expect(worker.output().stdout).toMatch(
      new RegExp(
        `^${ISO} worker ${id} started: redis redis://${url.hostname}:${url.port}/0, key prefix ${prefix}, queues jobs, 1 thread × 2 jobs, agents echo, sleep, hash, summarizer, crash, fail, .*\\n`,
      ),
    );
  });

  test('runs jobs to completion, one timestamped line per state change', async ({ startWorker, adapter, queue }) => {
    const worker = startWorker();
    await worker.ready;
    const id = await adapter.enqueue(queue, item('echo', 'hi'));
    await waitForState(adapter, queue, id, ['completed']);
    expect((await adapter.getJob(queue, id))?.result).toBe('hi');
    await worker.waitFor(new RegExp(`completed ${queue}/${id} `));
    expect(jobLines(worker.output().stdout)).toEqual([
      expect.stringMatching(new RegExp(`^${ISO} started ${queue}/${id} attempt 1 echo$`)),
      expect.stringMatching(new RegExp(`^${ISO} completed ${queue}/${id} attempt 1 echo in \\d+ ms$`)),
    ]);
  });

  test('a failing job logs retrying, then dead, each with reason and error', async ({ startWorker, adapter, queue }) => {
    await adapter.createQueue(queue, { maxRetries: 1 });
    const worker = startWorker();
    const id = await adapter.enqueue(queue, item('fail', null));
    await waitForState(adapter, queue, id, ['dead']);
    await worker.waitFor(new RegExp(`dead ${queue}/${id} `));
    expect(jobLines(worker.output().stdout).filter((l) => !/ started /.test(l))).toEqual([
      expect.stringMatching(new RegExp(`^${ISO} retrying ${queue}/${id} attempt 1 fail in \\d+ ms: failed: fixture failure$`)),
      expect.stringMatching(new RegExp(`^${ISO} dead ${queue}/${id} attempt 2 fail in \\d+ ms: failed: fixture failure$`)),
    ]);
  });

  test('queue arguments, --threads and --concurrency override workers.*', async ({ startWorker, adapter }) => {
    const worker = startWorker(['other', 'more', '--create', '--threads', '2', '--concurrency', '3']);
    const id = await worker.ready;
    expect(worker.output().stdout).toContain(', queues other, more, 2 threads × 3 jobs, ');
    await eventually(async () => (await adapter.listWorkers()).length === 1, 5000, 'registered');
    expect((await adapter.listWorkers())[0]).toMatchObject({ id, queues: ['other', 'more'], threads: 2, concurrency: 3 });
  });

  test('--workers inline runs the agents on the main thread: the start line says so, jobs complete', async ({
    startWorker,
    adapter,
    queue,
  }) => {
    const worker = startWorker(['--workers', 'inline', '--threads', '4']);
    await worker.ready;
    expect(worker.output().stdout).toContain(', inline (main thread) × 2 jobs, ');
    const id = await adapter.enqueue(queue, item('echo', 'inline'));
    expect((await waitForState(adapter, queue, id, ['completed'])).result).toBe('inline');
  });

  test('--workers takes threads or inline only: a usage error, exit 2', async ({ cli }) => {
    const res = await cli.run(['worker', '--workers', 'process']);
    expect(res).toMatchObject({ code: 2, stdout: '' });
    expect(res.stderr).toMatch(
      /^conveyor: option '--workers <mode>' argument 'process' is invalid\. Allowed choices are threads, inline\./,
    );
  });

  test('--quiet prints no line per job', async ({ startWorker, adapter, queue }) => {
    const worker = startWorker(['--quiet']);
    await worker.ready;
    const ids = await adapter.enqueueMany(queue, [item('echo', 1), item('echo', 2)]);
    for (const id of ids) await waitForState(adapter, queue, id, ['completed']);
    const res = await worker.stop();
    expect(res.code).toBe(0);
    expect(jobLines(res.stdout)).toEqual([]);
    expect(res.stdout).toMatch(new RegExp(`^${ISO} stopped: 2 completed, 0 failed$`, 'm'));
  });

  test('shutdown is graceful: a job still running goes back to waiting (released), the registry drops the worker, exit 0', async ({
    startWorker,
    adapter,
    queue,
  }) => {
    const worker = startWorker();
    await worker.ready;
    const id = await adapter.enqueue(queue, item('sleep', { ms: 60_000 }));
    await waitForState(adapter, queue, id, ['active']);
    const res = await worker.stop();
    expect(res.code).toBe(0);
    const job = await adapter.getJob(queue, id);
    expect(job?.state).toBe('waiting');
    expect(job?.attempts[0]?.outcome).toBe('released');
    expect(res.stdout).toMatch(new RegExp(`^${ISO} stopping: waiting up to 300 ms for 1 running job, .*$`, 'm'));
    expect(res.stdout).toMatch(new RegExp(`^${ISO} released ${queue}/${id} attempt 1 sleep in \\d+ ms$`, 'm'));
    expect(await adapter.listWorkers()).toEqual([]);
  });

  test('plug-ins that fail to load: one stderr line each, with path and error; the rest run', async ({ startWorker, cli, prefix }) => {
    await cli.writeConfig(
      configYaml(prefix, WORKERS_YAML.replace(/agents_dir: .*/, `agents_dir: ${JSON.stringify(path.join(FIXTURES, 'agents-broken'))}`)),
    );
    const worker = startWorker();
    await worker.ready;
    expect(worker.output().stdout).toMatch(/, agents echo, sleep, hash, summarizer, valid\n/);
    const lines = worker.output().stderr.trimEnd().split('\n');
    expect(lines).toEqual([
      expect.stringMatching(
        new RegExp(
          `^conveyor: warning: agent not loaded: ${path.join(FIXTURES, 'agents-broken', 'not-an-agent.ts')}: the default export is not an agent: `,
        ),
      ),
      expect.stringMatching(
        new RegExp(`^conveyor: warning: agent not loaded: ${path.join(FIXTURES, 'agents-broken', 'syntax-error.mjs')}: syntax error`),
      ),
    ]);
  });

  test('threads that die at start-up: one line, exit 1', async ({ startWorker }) => {
    const worker = startWorker(['--thread-entry', path.join(FIXTURES, 'broken-thread-entry.mjs')]);
    const res = await worker.result;
    expect(res).toMatchObject({ code: 1, stdout: '' });
    expect(res.stderr).toBe('conveyor: worker threads keep dying at start-up (3 in a row): broken on purpose\n');
  });

  test('a thread entry that does not exist fails before connecting, exit 1', async ({ startWorker, cli }) => {
    const res = await startWorker([], { env: { CONVEYOR_THREAD_ENTRY: 'nope.js' } }).result;
    expect(res).toMatchObject({ code: 1, stdout: '' });
    expect(res.stderr).toBe(`conveyor: CONVEYOR_THREAD_ENTRY: worker thread entry ${path.join(cli.dir, 'nope.js')} does not exist\n`);
  });
});
