import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LITERAL_PASSWORD_WARNING, parseConfig, type QueueConfig } from '../../../src-shared/config-schema';
import { ConfigError, ConveyorError } from '../../../src-shared/errors';
import { parseRedisUrl, resolveConnectionSettings } from '../../../src-main/config/connection-settings';

/** A validated queue config from YAML-shaped input. */
const queue = (q: Record<string, unknown> = {}): QueueConfig => parseConfig({ queue: q }).config.queue;

function thrown(fn: () => unknown): ConveyorError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConveyorError);
    return err as ConveyorError;
  }
  throw new Error('expected a throw');
}

describe('resolveConnectionSettings: target', () => {
  it('uses host, port and db from the config by default', () => {
    const { settings, warnings } = resolveConnectionSettings(queue(), {});
    expect(settings).toEqual({
      host: 'localhost',
      port: 6379,
      db: 0,
      connectTimeoutMs: 30000,
      commandTimeoutMs: 5000,
      display: 'redis://localhost:6379/0',
    });
    expect(warnings).toEqual([]);
  });

  it('turns connection_timeout seconds into milliseconds', () => {
    expect(resolveConnectionSettings(queue({ connection_timeout: 2.5 }), {}).settings.connectTimeoutMs).toBe(2500);
  });

  it('lets redis_url override host, port and db', () => {
    const { settings } = resolveConnectionSettings(
      queue({ redis_host: 'x', redis_port: 1, redis_db: 9, redis_url: 'redis://cache:6380/2' }),
      {},
    );
    expect(settings).toMatchObject({ host: 'cache', port: 6380, db: 2, display: 'redis://cache:6380/2' });
  });

  it('defaults the port and db of a redis_url', () => {
    expect(resolveConnectionSettings(queue({ redis_url: 'redis://cache' }), {}).settings).toMatchObject({
      host: 'cache',
      port: 6379,
      db: 0,
    });
  });

  it('takes user and password from redis_url, decoding them', () => {
    const { settings } = resolveConnectionSettings(queue({ redis_url: 'redis://al%40ce:p%3Ass@cache' }), {});
    expect(settings).toMatchObject({ username: 'al@ce', password: 'p:ss' });
  });

  it('unwraps an IPv6 host, and brackets it again for display', () => {
    const { settings } = resolveConnectionSettings(queue({ redis_url: 'redis://[::1]:7000' }), {});
    expect(settings).toMatchObject({ host: '::1', port: 7000, display: 'redis://[::1]:7000/0' });
  });

  it('lets env REDIS_URL override the whole connection from the config', () => {
    const q = queue({ redis_url: 'redis://cfg:1/1', redis_username: 'cfguser', redis_password_env: 'NOT_SET' });
    const { settings } = resolveConnectionSettings(q, { REDIS_URL: 'redis://envhost:6390/3' });
    expect(settings).toEqual({
      host: 'envhost',
      port: 6390,
      db: 3,
      connectTimeoutMs: 30000,
      commandTimeoutMs: 5000,
      display: 'redis://envhost:6390/3',
    });
  });

  it('takes credentials from REDIS_URL', () => {
    const { settings } = resolveConnectionSettings(queue(), { REDIS_URL: 'redis://bob:pw@h' });
    expect(settings).toMatchObject({ username: 'bob', password: 'pw', display: 'redis://bob@h:6379/0' });
  });

  it('reports an invalid REDIS_URL without echoing its password', () => {
    const err = thrown(() => resolveConnectionSettings(queue(), { REDIS_URL: 'http://bob:hunter2@h' }));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toBe('environment variable REDIS_URL: expected a redis:// or rediss:// URL, got "http://bob:***@h"');
  });

  it('takes command_timeout_ms as the command deadline', () => {
    expect(resolveConnectionSettings(queue({ command_timeout_ms: 1500 }), {}).settings.commandTimeoutMs).toBe(1500);
  });

  it('with redis_sentinels, asks those sentinels for the named primary, keeping db and credentials', () => {
    const q = queue({
      redis_sentinels: ['s1:26379', { host: '::1', port: 26380 }],
      sentinel_master: 'main',
      redis_db: 2,
      redis_username: 'u',
    });
    const { settings } = resolveConnectionSettings(q, {});
    expect(settings).toMatchObject({
      sentinels: {
        nodes: [
          { host: 's1', port: 26379 },
          { host: '::1', port: 26380 },
        ],
        name: 'main',
      },
      db: 2,
      username: 'u',
      display: 'redis-sentinel://u@s1:26379,[::1]:26380/main/2',
    });
  });

  it('lets env REDIS_URL override redis_sentinels, as it overrides redis_cluster', () => {
    const q = queue({ redis_sentinels: ['s1:26379'], sentinel_master: 'main' });
    expect(resolveConnectionSettings(q, { REDIS_URL: 'redis://h:1' }).settings.sentinels).toBeUndefined();
  });

  it('rejects port 0 in a URL', () => {
    const err = thrown(() => resolveConnectionSettings(queue(), { REDIS_URL: 'redis://h:0' }));
    expect(err.message).toContain('expected a URL with a port 1-65535');
  });
});

describe('resolveConnectionSettings: password', () => {
  it('reads the password from the variable named by redis_password_env', () => {
    const { settings, warnings } = resolveConnectionSettings(queue({ redis_password_env: 'REDIS_PW' }), { REDIS_PW: 's3cret' });
    expect(settings.password).toBe('s3cret');
    expect(warnings).toEqual([]);
  });

  it('fails clearly, naming the variable, when it is not set', () => {
    const err = thrown(() => resolveConnectionSettings(queue({ redis_password_env: 'REDIS_PW' }), {}));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toBe('queue.redis_password_env: environment variable REDIS_PW is not set or empty');
  });

  it('prefers redis_password_env over a password in redis_url and a literal one', () => {
    const q = queue({ redis_password_env: 'REDIS_PW', redis_url: 'redis://:url@h', redis_password: 'literal' });
    const { settings, warnings } = resolveConnectionSettings(q, { REDIS_PW: 'env' });
    expect(settings.password).toBe('env');
    expect(warnings).toEqual([]);
  });

  it('accepts a literal redis_password, with a warning', () => {
    const { settings, warnings } = resolveConnectionSettings(queue({ redis_password: 'literal' }), {});
    expect(settings.password).toBe('literal');
    expect(warnings).toEqual([
      'queue.redis_password: a literal password in config.yml is readable by anyone who can read the file; use redis_password_env',
    ]);
    expect(warnings).toEqual([LITERAL_PASSWORD_WARNING]);
  });

  it('warns about a password carried in redis_url', () => {
    const { warnings } = resolveConnectionSettings(queue({ redis_url: 'redis://:pw@h' }), {});
    expect(warnings).toEqual([
      'queue.redis_url: a password in the URL in config.yml is readable by anyone who can read the file; use redis_password_env',
    ]);
  });

  it('passes redis_username along', () => {
    expect(resolveConnectionSettings(queue({ redis_username: 'worker' }), {}).settings.username).toBe('worker');
  });

  it('never puts the password in display', () => {
    const { settings } = resolveConnectionSettings(queue({ redis_url: 'redis://u:topsecret@h' }), {});
    expect(settings.display).toBe('redis://u@h:6379/0');
  });
});

describe('resolveConnectionSettings: TLS', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'conveyor-tls-'));
    await fs.writeFile(path.join(dir, 'ca.pem'), 'CA PEM');
    await fs.writeFile(path.join(dir, 'client.pem'), 'CERT PEM');
    await fs.writeFile(path.join(dir, 'client-key.pem'), 'KEY PEM');
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('is off by default', () => {
    expect(resolveConnectionSettings(queue(), {}).settings.tls).toBeUndefined();
  });

  it('tls: true gives empty TLS options and a rediss:// display', () => {
    const { settings } = resolveConnectionSettings(queue({ tls: true }), {});
    expect(settings.tls).toEqual({});
    expect(settings.display).toBe('rediss://localhost:6379/0');
  });

  it('reads the contents of the ca, cert and key files, relative to baseDir', () => {
    const q = queue({
      tls: { ca: 'ca.pem', cert: 'client.pem', key: 'client-key.pem', servername: 'redis.internal', reject_unauthorized: false },
    });
    const { settings } = resolveConnectionSettings(q, {}, { baseDir: dir });
    expect(settings.tls).toEqual({
      ca: 'CA PEM',
      cert: 'CERT PEM',
      key: 'KEY PEM',
      servername: 'redis.internal',
      rejectUnauthorized: false,
    });
  });

  it('accepts absolute file paths', () => {
    const { settings } = resolveConnectionSettings(queue({ tls: { ca: path.join(dir, 'ca.pem') } }), {});
    expect(settings.tls).toEqual({ ca: 'CA PEM' });
  });

  it('fails with CONFIG_IO naming the key and the path when a file cannot be read', () => {
    const err = thrown(() => resolveConnectionSettings(queue({ tls: { ca: 'missing.pem' } }), {}, { baseDir: dir }));
    expect(err.code).toBe('CONFIG_IO');
    expect(err.message).toMatch(new RegExp(`^queue\\.tls\\.ca: cannot read "${path.join(dir, 'missing.pem')}": ENOENT`));
  });

  it('turns TLS on for a rediss:// redis_url', () => {
    const { settings } = resolveConnectionSettings(queue({ redis_url: 'rediss://secure:6380' }), {});
    expect(settings).toMatchObject({ tls: {}, display: 'rediss://secure:6380/0' });
  });

  it('keeps TLS on for a redis:// redis_url when tls is set', () => {
    expect(resolveConnectionSettings(queue({ redis_url: 'redis://h', tls: true }), {}).settings.tls).toEqual({});
  });

  it('uses the config tls files with a rediss:// REDIS_URL', () => {
    const { settings } = resolveConnectionSettings(queue({ tls: { ca: 'ca.pem' } }), { REDIS_URL: 'rediss://h' }, { baseDir: dir });
    expect(settings.tls).toEqual({ ca: 'CA PEM' });
  });

  it('lets a redis:// REDIS_URL turn TLS off', () => {
    expect(resolveConnectionSettings(queue({ tls: true }), { REDIS_URL: 'redis://h' }).settings.tls).toBeUndefined();
  });
});

describe('parseRedisUrl', () => {
  it('splits a URL into its parts', () => {
    expect(parseRedisUrl('rediss://u:p@h:6380/4', { path: '--redis-url' })).toEqual({
      tls: true,
      host: 'h',
      port: 6380,
      db: 4,
      username: 'u',
      password: 'p',
    });
  });

  it('names the option or key the URL came from in its error', () => {
    const err = thrown(() => parseRedisUrl('localhost:6379', { path: '--redis-url' }));
    expect(err.message).toBe('--redis-url: expected a redis:// or rediss:// URL, got "localhost:6379"');
  });
});
