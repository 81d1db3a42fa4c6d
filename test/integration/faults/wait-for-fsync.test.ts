import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src-shared/errors';
import { RedisQueueAdapter } from '../../../src-main/queue/redis-queue-adapter';
import { RedisServerProcess, type RedisServerOptions } from '../../../src-main/redis/redis-server-process';
import { item, testAdapterOptions } from '../../support/queue';
import { freshPrefix } from '../../support/redis';

// WAITAOF came with Redis 7.2; Debian's redis-server here is 7.0.
const version = /v=(\d+)\.(\d+)/.exec(execFileSync('redis-server', ['--version'], { encoding: 'utf8' }));
const hasWaitAof = Number(version?.[1]) > 7 || (Number(version?.[1]) === 7 && Number(version?.[2]) >= 2);

const servers: RedisServerProcess[] = [];
const adapters: RedisQueueAdapter[] = [];
afterEach(async () => {
  for (const a of adapters.splice(0)) await a.close();
  for (const s of servers.splice(0)) await s.stop();
});

async function connect(options: RedisServerOptions): Promise<RedisQueueAdapter> {
  const server = await RedisServerProcess.start({ port: 0, ...options });
  servers.push(server);
  const adapter = await RedisQueueAdapter.connect(testAdapterOptions(freshPrefix(), server.url, { wait_for_fsync: true }));
  adapters.push(adapter);
  return adapter;
}

describe('queue.wait_for_fsync: an enqueue resolves only once Redis has fsynced it', () => {
  it('a server running appendfsync always is accepted and enqueues resolve', async () => {
    const adapter = await connect({ appendonly: true, appendfsync: 'always' });
    await adapter.createQueue('q');
    const id = await adapter.enqueue('q', item('echo', 1));
    expect((await adapter.getJob('q', id))?.state).toBe('waiting');
  });

  it('a server without the append-only file is refused at connect, saying so', async () => {
    await expect(connect({ appendonly: false })).rejects.toThrow(ConfigError);
    await expect(connect({ appendonly: false })).rejects.toThrow(/queue.wait_for_fsync: needs appendonly yes/);
  });

  it.skipIf(hasWaitAof)(
    'before Redis 7.2 (no WAITAOF), a server fsyncing every second is refused at connect, naming its setting',
    async () => {
      await expect(connect({ appendonly: true, appendfsync: 'everysec' })).rejects.toThrow(
        /has no WAITAOF \(7\.2\+\), so the server must run appendfsync always; it runs appendfsync everysec/,
      );
    },
  );

  it.skipIf(!hasWaitAof)('on Redis 7.2+, a server fsyncing every second confirms each enqueue with WAITAOF', async () => {
    const adapter = await connect({ appendonly: true, appendfsync: 'everysec' });
    await adapter.createQueue('q');
    const ids = await Promise.all([adapter.enqueue('q', item('echo', 1)), adapter.enqueue('q', item('echo', 2))]);
    expect(ids).toHaveLength(2);
  });
});
