import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type QueueConfig } from '../../../src-shared/config-schema';
import { ErrorCode } from '../../../src-shared/errors';
import { adapterOptionsFromConfig } from '../../../src-main/queue/adapter-options';
import { RedisQueueAdapter } from '../../../src-main/queue/redis-queue-adapter';
import { RedisServerProcess, findFreePort } from '../../../src-main/redis/redis-server-process';
import { makeTlsCerts } from '../../support/tls-certs';
import { item } from '../../support/queue';

// One private redis-server with a plaintext port (for set-up) and a TLS port, and an ACL user fenced to one key prefix.
let server: RedisServerProcess;
let tlsPort: number;
let certs: ReturnType<typeof makeTlsCerts>;
const PREFIX = 'tenant-a:queue';

beforeAll(async () => {
  certs = makeTlsCerts();
  tlsPort = await findFreePort();
  server = await RedisServerProcess.start({
    port: 0,
    extraArgs: [
      '--tls-port',
      String(tlsPort),
      '--tls-cert-file',
      certs.cert,
      '--tls-key-file',
      certs.key,
      '--tls-ca-cert-file',
      certs.ca,
      '--tls-auth-clients',
      'no',
    ],
  });
  const admin = new Redis(server.url);
  await admin.acl('SETUSER', 'conveyor', 'on', '>tenant-pw', `~${PREFIX}:*`, '+@all', '-@dangerous');
  admin.disconnect();
});

afterAll(async () => {
  await server.stop();
});

function options(queue: Partial<QueueConfig>, env: NodeJS.ProcessEnv = {}) {
  const { options: o } = adapterOptionsFromConfig({ ...DEFAULT_CONFIG.queue, key_prefix: PREFIX, connection_timeout: 3, ...queue }, env);
  return { ...o, log: () => undefined };
}

describe('Redis ACL user limited to the key prefix', () => {
  it('runs the whole job lifecycle', async () => {
    const adapter = await RedisQueueAdapter.connect(
      options(
        { redis_host: '127.0.0.1', redis_port: server.port, redis_username: 'conveyor', redis_password_env: 'PW' },
        { PW: 'tenant-pw' },
      ),
    );
    try {
      await adapter.createQueue('jobs');
      const id = await adapter.enqueue('jobs', item('echo', 1));
      const leased = await adapter.dequeue('jobs');
      await adapter.startProcessing('jobs', id, 'w1');
      await adapter.completeProcessing('jobs', id, 'ok', leased!.lease.token);
      expect((await adapter.getJob('jobs', id))?.state).toBe('completed');
      expect(await adapter.listQueues()).toEqual(['jobs']);
    } finally {
      await adapter.close();
    }
  });

  it('is refused keys outside its prefix (the fence holds)', async () => {
    const client = new Redis({ port: server.port, username: 'conveyor', password: 'tenant-pw' });
    try {
      await expect(client.set('other:key', '1')).rejects.toThrow(/NOPERM/);
    } finally {
      client.disconnect();
    }
  });

  it('a wrong password fails at once with REDIS_AUTH and does not echo the password', async () => {
    const err = await RedisQueueAdapter.connect(
      options({ redis_host: '127.0.0.1', redis_port: server.port, redis_username: 'conveyor', redis_password_env: 'PW' }, { PW: 'not-it' }),
    ).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCode.RedisAuth });
    expect(String((err as Error).message)).not.toContain('not-it');
  });
});

describe('TLS', () => {
  it('connects over TLS with the CA from config', async () => {
    const adapter = await RedisQueueAdapter.connect(options({ redis_host: 'localhost', redis_port: tlsPort, tls: { ca: certs.ca } }));
    try {
      await adapter.createQueue('secure');
      expect(await adapter.listQueues()).toContain('secure');
    } finally {
      await adapter.close();
    }
  });

  it('a server certificate not signed by a trusted CA is refused with a clear message', async () => {
    const started = Date.now();
    const err = await RedisQueueAdapter.connect(options({ redis_host: 'localhost', redis_port: tlsPort, tls: true })).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: ErrorCode.RedisUnavailable });
    expect(String((err as Error).message)).toMatch(/certificate/i);
    expect(Date.now() - started).toBeLessThan(2500);
  });

  it('plaintext to the TLS port fails with a hint about TLS, not a hang', async () => {
    const started = Date.now();
    const err = await RedisQueueAdapter.connect(options({ redis_host: '127.0.0.1', redis_port: tlsPort })).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCode.RedisUnavailable });
    expect(String((err as Error).message)).toMatch(/TLS/);
    expect(Date.now() - started).toBeLessThan(4000);
  });

  it('TLS to a plaintext port fails after connection_timeout with a hint about TLS', async () => {
    // The server waits for a command and the client for a handshake: only the timeout can tell.
    const started = Date.now();
    const err = await RedisQueueAdapter.connect(
      options({ redis_host: 'localhost', redis_port: server.port, tls: { ca: certs.ca }, connection_timeout: 1 }),
    ).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCode.RedisUnavailable });
    expect(String((err as Error).message)).toMatch(/TLS/);
    expect(Date.now() - started).toBeLessThan(2500);
  });
});
