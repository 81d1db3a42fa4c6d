import { describe, expect } from 'vitest';
import type { WorkerInfo } from '../../../src-shared/worker';
import { cliTest as test } from './cli-fixture';

function info(over: Partial<WorkerInfo>): WorkerInfo {
  const now = Date.now();
  return {
    id: 'h:1:aa',
    host: 'h',
    pid: 1,
    queues: ['jobs'],
    threads: 2,
    concurrency: 8,
    running: [],
    processed: 0,
    failed: 0,
    startedAt: now,
    lastHeartbeat: now,
    ...over,
  };
}

describe('conveyor workers', () => {
  test('lists each registered worker: id, host, pid, queues, threads×jobs, running, processed, failed, heartbeat age', async ({
    cli,
    adapter,
  }) => {
    await adapter.workers.heartbeat(
      info({
        id: 'b:20:bb',
        host: 'b',
        pid: 20,
        queues: ['jobs', 'mail'],
        running: ['jobs/1', 'mail/2'],
        processed: 41,
        failed: 3,
        lastHeartbeat: Date.now() - 1500,
      }),
      10_000,
    );
    await adapter.workers.heartbeat(info({ id: 'a:10:aa', host: 'a', pid: 10, threads: 4, concurrency: 1 }), 10_000);
    const res = await cli.run(['workers']);
    expect(res).toMatchObject({ code: 0, stderr: '' });
    const [header, ...rows] = res.stdout
      .trimEnd()
      .split('\n')
      .map((l) => l.trim().split(/\s+/));
    expect(header).toEqual(['ID', 'HOST', 'PID', 'QUEUES', 'THREADS', 'RUNNING', 'PROCESSED', 'FAILED', 'HEARTBEAT']);
    expect(rows).toEqual([
      ['a:10:aa', 'a', '10', 'jobs', '4×1', '0', '0', '0', expect.stringMatching(/^0\.\ds$/), 'ago'],
      ['b:20:bb', 'b', '20', 'jobs,mail', '2×8', '2', '41', '3', expect.stringMatching(/^1\.\ds$/), 'ago'],
    ]);
  });

  test('--json prints the registry entries', async ({ cli, adapter }) => {
    const entry = info({ running: ['jobs/7'] });
    await adapter.workers.heartbeat(entry, 10_000);
    const res = await cli.run(['workers', '--json']);
    expect(JSON.parse(res.stdout)).toEqual([entry]);
  });

  test('with none, says how to start one', async ({ cli }) => {
    expect(await cli.run(['workers'])).toMatchObject({ code: 0, stdout: 'no workers; start one with: conveyor worker [queue...]\n' });
  });
});
