/**
 * The queue's scripts as a Redis function library (Redis 7+), on a private
 * server so deleting the library or adding ACL users disturbs no other test.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RedisQueueAdapter } from '../../../src-main/queue/redis-queue-adapter';
import { LIBRARY_NAME } from '../../../src-main/queue/scripts';
import { RedisServerProcess } from '../../../src-main/redis/redis-server-process';
import { freshPrefix } from '../../support/redis';
import { item, testAdapterOptions } from '../../support/queue';

let server: RedisServerProcess;
let admin: Redis;

beforeAll(async () => {
  server = await RedisServerProcess.start({ port: 0 });
  admin = new Redis(server.url);
});

afterAll(async () => {
  admin?.disconnect();
  await server?.stop();
});

beforeEach(async () => {
  await admin.config('RESETSTAT');
});

async function connect(url = server.url, log: string[] = []): Promise<RedisQueueAdapter> {
  return RedisQueueAdapter.connect({ ...testAdapterOptions(freshPrefix('lib'), url), log: (line) => log.push(line) });
}

/** Calls per command since the last RESETSTAT, from INFO commandstats. */
async function calls(command: string): Promise<number> {
  const info = await admin.info('commandstats');
  return Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(info)?.[1] ?? 0);
}

/** A job through enqueue, lease and completion. */
async function roundTrip(adapter: RedisQueueAdapter): Promise<void> {
  await adapter.createQueue('q');
  const id = await adapter.enqueue('q', item('echo', 1));
  const [job] = await adapter.dequeueMany('q', 1, { workerId: 'w' });
  expect(job?.action.id).toBe(id);
  const [done] = await adapter.completeMany('q', [{ id, token: job?.lease.token ?? '', result: 'ok' }]);
  expect(done?.ok).toBe(true);
}

async function libraries(): Promise<string[]> {
  const list = (await admin.call('FUNCTION', 'LIST', 'LIBRARYNAME', 'conveyor_*')) as unknown[][];
  return list.map((lib) => String(lib[1]));
}

describe('the script library', () => {
  it('is loaded at connect under a name taken from its code, and jobs run through its functions', async () => {
    const adapter = await connect();
    try {
      expect(LIBRARY_NAME).toMatch(/^conveyor_[0-9a-f]{12}$/);
      expect(await libraries()).toEqual([LIBRARY_NAME]);
      await roundTrip(adapter);
      expect(await calls('fcall')).toBeGreaterThanOrEqual(3);
      expect((await calls('eval')) + (await calls('evalsha'))).toBe(0);
    } finally {
      await adapter.close();
    }
  });

  it('a second process finds it loaded and shares it', async () => {
    const first = await connect();
    const second = await connect();
    try {
      expect(await libraries()).toEqual([LIBRARY_NAME]);
      await roundTrip(second);
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });

  it('a server that lost it (a restart without persistence, FUNCTION DELETE) gets it again on the next call', async () => {
    const adapter = await connect();
    try {
      await admin.call('FUNCTION', 'DELETE', LIBRARY_NAME);
      await roundTrip(adapter);
      expect(await libraries()).toEqual([LIBRARY_NAME]);
    } finally {
      await adapter.close();
    }
  });

  it('a user who may not load functions runs the scripts with EVALSHA, and the log says why', async () => {
    await admin.call('ACL', 'SETUSER', 'nofunctions', 'on', '>pw', '~*', '&*', '+@all', '-function');
    await admin.call('FUNCTION', 'DELETE', LIBRARY_NAME).catch(() => undefined);
    const log: string[] = [];
    const adapter = await connect(`redis://nofunctions:pw@127.0.0.1:${server.port}`, log);
    try {
      expect(log).toEqual([expect.stringMatching(/refused FUNCTION LOAD \(NOPERM.*\); running the queue's scripts with EVALSHA/)]);
      await roundTrip(adapter);
      expect(await calls('fcall')).toBe(0);
      // ioredis sends a script's first call on a connection as EVAL, later ones as EVALSHA.
      expect((await calls('eval')) + (await calls('evalsha'))).toBeGreaterThanOrEqual(3);
    } finally {
      await adapter.close();
      await admin.call('ACL', 'DELUSER', 'nofunctions');
    }
  });
});
