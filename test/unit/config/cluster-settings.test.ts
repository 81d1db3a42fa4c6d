import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, parseConfig } from '../../../src-shared/config-schema';
import { ConfigError } from '../../../src-shared/errors';
import { parseClusterNode, resolveConnectionSettings, withCluster } from '../../../src-main/config/connection-settings';

describe('Redis Cluster seed nodes', () => {
  it('reads "host:port", "[v6]:port" and {host, port}', () => {
    expect(parseClusterNode('10.0.0.1:7000')).toEqual({ host: '10.0.0.1', port: 7000 });
    expect(parseClusterNode('[::1]:7001')).toEqual({ host: '::1', port: 7001 });
    expect(parseClusterNode({ host: 'redis-a', port: 7002 })).toEqual({ host: 'redis-a', port: 7002 });
  });

  it('refuses a node without a valid port, naming its place', () => {
    expect(() => parseClusterNode('redis-a', 2)).toThrow(ConfigError);
    expect(() => parseClusterNode('redis-a:70000', 2)).toThrow(/queue\.redis_cluster\.2|port 1-65535/);
  });

  it('keeps credentials and TLS, and shows every seed without the password', () => {
    const { settings } = resolveConnectionSettings(
      { ...DEFAULT_CONFIG.queue, redis_username: 'app', redis_password_env: 'PW', tls: true },
      { PW: 's3cret' },
    );
    const cluster = withCluster(settings, ['a:7000', { host: 'b', port: 7001 }]);
    expect(cluster).toMatchObject({
      username: 'app',
      password: 's3cret',
      tls: {},
      cluster: [
        { host: 'a', port: 7000 },
        { host: 'b', port: 7001 },
      ],
    });
    expect(cluster.display).toBe('rediss-cluster://app@a:7000,b:7001');
    expect(() => withCluster(settings, [])).toThrow(ConfigError);
  });
});

describe('queue.redis_cluster in config.yml', () => {
  it('switches the connection to the cluster with the same credentials', () => {
    const { config } = parseConfig({
      queue: { redis_cluster: ['127.0.0.1:7000', { host: '127.0.0.1', port: 7001 }], redis_username: 'u', redis_password_env: 'PW' },
    });
    const { settings } = resolveConnectionSettings(config.queue, { PW: 'pw' });
    expect(settings.cluster).toEqual([
      { host: '127.0.0.1', port: 7000 },
      { host: '127.0.0.1', port: 7001 },
    ]);
    expect(settings).toMatchObject({ username: 'u', password: 'pw' });
    expect(settings.display).not.toContain('pw');
  });

  it('rejects a seed node that is not host:port, naming its path', () => {
    expect(() => parseConfig({ queue: { redis_cluster: ['nope'] } })).toThrow(/queue\.redis_cluster\[0\]|queue\.redis_cluster\.0/);
  });

  it('REDIS_URL still overrides the whole connection', () => {
    const { config } = parseConfig({ queue: { redis_cluster: ['127.0.0.1:7000'] } });
    const { settings } = resolveConnectionSettings(config.queue, { REDIS_URL: 'redis://10.1.2.3:6380' });
    expect(settings.cluster).toBeUndefined();
    expect(settings.port).toBe(6380);
  });
});
