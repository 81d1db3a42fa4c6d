import { describe, expect } from 'vitest';
import { cliTest as test } from '../cli/cli-fixture';

describe('conveyor limit set / ls / rm', () => {
  test('set then ls shows each limit; rm removes it', async ({ cli, adapter, queue }) => {
    expect(await cli.run(['limit', 'set', queue, '--rate', '10/s', '--concurrency', '5'])).toMatchObject({
      code: 0,
      stdout: `queue ${queue}, queue: limits set\n`,
    });
    expect((await cli.run(['limit', 'set', queue, '--group', 'acme', '--points', '200000/m'])).code).toBe(0);
    const ls = await cli.run(['limit', 'ls', queue, '--json']);
    const view = JSON.parse(ls.stdout) as { limits: Array<{ group?: string; spec: unknown }> };
    expect(view.limits).toEqual([
      expect.objectContaining({ spec: { rate: '10/s', concurrency: 5 } }),
      expect.objectContaining({ group: 'acme', spec: { points: '200000/m' } }),
    ]);
    expect((await cli.run(['limit', 'ls', queue])).stdout).toMatch(/^\(queue\)\trate 10\/s, concurrency 5\tactive 0\/5\n/);
    expect((await cli.run(['limit', 'rm', queue, '--group', 'acme'])).code).toBe(0);
    expect((await adapter.limits.list(queue)).limits).toHaveLength(1);
  });

  test('a malformed rate is one clear error naming the field; nothing stored', async ({ cli, adapter, queue }) => {
    const res = await cli.run(['limit', 'set', queue, '--rate', '10 per sec']);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/rate: expected N\/<window>/);
    expect((await adapter.limits.list(queue)).limits).toEqual([]);
  });

  test('a limit on a queue that does not exist fails, exit 1', async ({ cli }) => {
    expect(await cli.run(['limit', 'set', 'nope', '--concurrency', '2'])).toMatchObject({
      code: 1,
      stderr: 'conveyor: queue "nope" does not exist\n',
    });
  });
});
