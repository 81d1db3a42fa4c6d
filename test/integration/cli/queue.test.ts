import { describe, expect } from 'vitest';
import { cliTest as test } from './cli-fixture';

describe('conveyor queue', () => {
  test('create makes a queue with the given options and ls lists it with its counts', async ({ cli, adapter }) => {
    const created = await cli.run(['queue', 'create', 'emails', '--max-length', '5', '--max-retries', '1']);
    expect(created).toMatchObject({ code: 0, stderr: '' });
    expect((await adapter.getQueueInfo('emails')).options).toMatchObject({ maxLength: 5, maxRetries: 1 });
    await adapter.enqueue('emails', { message: { source: { id: 'p' }, destination: { id: 'w' }, payload: 1 } });

    const ls = await cli.run(['queue', 'ls']);
    expect(ls.code).toBe(0);
    const [header, row] = ls.stdout.trimEnd().split('\n');
    expect(header?.split(/\s+/)).toEqual(['NAME', 'PAUSED', 'WAITING', 'ACTIVE', 'DELAYED', 'COMPLETED', 'DEAD', 'CANCELLED']);
    expect(row?.split(/\s+/)).toEqual(['emails', 'no', '1', '0', '0', '0', '0', '0']);
  });

  test('an invalid queue name fails with the naming rule, exit 1', async ({ cli }) => {
    const res = await cli.run(['queue', 'create', 'bad name']);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^conveyor: invalid queue name "bad name": use 1-100 letters/);
  });
});
