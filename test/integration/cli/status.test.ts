import { describe, expect } from 'vitest';
import { agentItem } from '../../../src-shared/item-schema';
import { cliTest as test, configYaml } from './cli-fixture';

describe('conveyor status', () => {
  test('--json: config, Redis target and connection, each queue with counts, paused and options', async ({
    cli,
    adapter,
    queue,
    prefix,
    redisUrl,
  }) => {
    await adapter.enqueue(queue, agentItem('echo', 1));
    await adapter.createQueue('other', { maxLength: 9 });
    await adapter.pause('other');

    const res = await cli.run(['status', '--json']);
    expect(res).toMatchObject({ code: 0, stderr: '' });
    const url = new URL(redisUrl);
    expect(JSON.parse(res.stdout)).toEqual({
      config: { path: cli.configPath, exists: true, source: 'argument' },
      redis: { target: `redis://${url.hostname}:${url.port}/0`, source: '--redis-url', connected: true, keyPrefix: prefix },
      queues: [
        {
          name: queue,
          paused: false,
          createdAt: expect.any(Number),
          counts: { waiting: 1, delayed: 0, active: 0, completed: 0, dead: 0, cancelled: 0, paused: 0, 'waiting-children': 0 },
          options: expect.objectContaining({ maxLength: 100_000, maxRetries: 3 }),
        },
        expect.objectContaining({ name: 'other', paused: true, options: expect.objectContaining({ maxLength: 9 }) }),
      ],
    });
  });

  test('[queue] limits the report to that queue', async ({ cli, adapter, queue }) => {
    await adapter.createQueue('other');
    const res = await cli.run(['status', queue, '--json']);
    expect((JSON.parse(res.stdout) as { queues: Array<{ name: string }> }).queues.map((q) => q.name)).toEqual([queue]);
  });

  test('never prints the password; config warnings go to stderr as "conveyor: warning:"', async ({ cli, prefix }) => {
    await cli.writeConfig(configYaml(prefix, '  redis_password: "hunter2-secret"\n'));
    const res = await cli.run(['status']);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^connection +ok$/m);
    expect(res.stdout + res.stderr).not.toContain('hunter2-secret');
    expect(res.stderr).toMatch(/^conveyor: warning: queue\.redis_password: a literal password in config\.yml/m);
  });
});
