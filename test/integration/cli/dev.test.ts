import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect } from 'vitest';
import { agentItem } from '../../../src-shared/item-schema';
import { findFreePort, pingRedis } from '../../../src-main/redis/redis-server-process';
import { THREAD_ENTRY, waitForState } from '../../support/pool';
import { cliTest as test } from './cli-fixture';
import { workerConfigYaml } from './worker-fixture';

describe('conveyor dev', () => {
  test('--once against a reachable Redis reports it, how it was found, and its queues', async ({ cli, adapter, queue, redisUrl, prefix }) => {
    await adapter.enqueue(queue, agentItem('echo', 1));
    const res = await cli.run(['dev', '--once']);
    expect(res).toMatchObject({ code: 0, stderr: '' });
    const url = new URL(redisUrl);
    expect(res.stdout).toMatch(new RegExp(`^redis +redis://${url.hostname}:${url.port}/0$`, 'm'));
    expect(res.stdout).toMatch(/^via +configured \(--redis-url\)$/m);
    expect(res.stdout).toMatch(/^connection +ok$/m);
    expect(res.stdout).toMatch(new RegExp(`^key prefix +${prefix}$`, 'm'));
    expect(res.stdout).toMatch(new RegExp(`^${queue} +no +1 +0`, 'm'));
  });

  test('without --once it prints a summary line as events arrive, at most one a second, and stops on shutdown', async ({ cli, adapter, queue }) => {
    let stop!: () => void;
    const shutdown = new Promise<void>((resolve) => (stop = resolve));
    // No worker: the jobs stay waiting, so the counts are known.
    const running = cli.run(['dev', '--no-worker'], { shutdown });
    // A job every 200 ms for 3 s: events keep coming whenever the monitor subscribes.
    const started = Date.now();
    let enqueued = 0;
    while (Date.now() - started < 3000) {
      await adapter.enqueue(queue, agentItem('echo', enqueued++));
      await new Promise((r) => setTimeout(r, 200));
    }
    // Let the last held-back line come out.
    await new Promise((r) => setTimeout(r, 1500));
    stop();
    const res = await running;
    const elapsedS = (Date.now() - started) / 1000;

    expect(res.code).toBe(0);
    const summaries = res.stdout.split('\n').filter((l) => /^\d\d:\d\d:\d\d /.test(l));
    expect(summaries.length).toBeGreaterThanOrEqual(2);
    expect(summaries.length).toBeLessThanOrEqual(Math.ceil(elapsedS) + 1);
    expect(summaries.at(-1)).toMatch(new RegExp(`^\\d\\d:\\d\\d:\\d\\d ${queue}: ${enqueued} waiting, 0 active, 0 delayed, 0 completed, 0 dead$`));
    expect(res.stdout).toMatch(/^stopping$/m);
  });

  test('without --no-worker it runs a worker on workers.queues, logging each job, and stops it on shutdown', async ({ cli, adapter, queue, prefix }) => {
    await cli.writeConfig(workerConfigYaml(prefix));
    let stop!: () => void;
    const shutdown = new Promise<void>((resolve) => (stop = resolve));
    const running = cli.run(['dev'], { shutdown, env: { CONVEYOR_THREAD_ENTRY: THREAD_ENTRY } });
    const id = await adapter.enqueue(queue, agentItem('echo', 'hi'));
    await waitForState(adapter, queue, id, ['completed']);
    stop();
    const res = await running;
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(new RegExp(` worker \\S+ started: redis .*, queues ${queue}, 1 thread × 2 jobs, `));
    expect(res.stdout).toMatch(new RegExp(`^\\S+ completed ${queue}/${id} attempt 1 echo in \\d+ ms$`, 'm'));
    expect(res.stdout).toMatch(/^\S+ stopped: 1 completed, 0 failed$/m);
  });

  test('--no-docker with nothing at a local target starts a private redis-server there (AOF in the data dir), stopped on exit', async ({ cli }) => {
    const port = await findFreePort();
    const res = await cli.run(['--config', cli.configPath, '--redis-url', `redis://127.0.0.1:${port}`, 'dev', '--once', '--no-docker'], { raw: true });
    expect(res.code).toBe(0);
    const dataDir = path.join(cli.dir, 'data', 'conveyor', 'redis');
    expect(res.stdout).toMatch(new RegExp(`^redis +redis://127\\.0\\.0\\.1:${port}/0$`, 'm'));
    expect(res.stdout).toContain(`private redis-server, pid `);
    expect(res.stdout).toContain(`append-only file in ${dataDir}`);
    expect(res.stderr).toMatch(/^conveyor: Docker not tried \(--no-docker\)$/m);
    expect(existsSync(path.join(dataDir, 'appendonlydir'))).toBe(true);
    expect(await pingRedis('127.0.0.1', port, 500)).toBe(false);
  });
});
