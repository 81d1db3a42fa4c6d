import { describe, expect, test } from 'vitest';
import { ConfigError } from '../../../src-shared/errors';
import { planFsync, type ServerPersistence } from '../../../src-main/queue/durability';

const server = (version: string, appendfsync: string | undefined, aofEnabled = true): ServerPersistence => ({
  version,
  aofEnabled,
  appendfsync,
});

describe('queue.wait_for_fsync: how an enqueue waits for its fsync', () => {
  test('Redis 7.2 and later confirm each enqueue with WAITAOF, whatever appendfsync says', () => {
    expect(planFsync([server('7.2.4', 'everysec')], false)).toBe('waitaof');
    expect(planFsync([server('8.0.1', 'no')], false)).toBe('waitaof');
  });

  test('an older server running appendfsync always already fsyncs before it replies', () => {
    expect(planFsync([server('7.0.15', 'always')], false)).toBe('server_fsyncs');
  });

  test('an older server with appendfsync everysec is refused, naming what it runs', () => {
    expect(() => planFsync([server('7.0.15', 'everysec')], false)).toThrow(
      'queue.wait_for_fsync: Redis 7.0.15 has no WAITAOF (7.2+), so the server must run appendfsync always; it runs appendfsync everysec',
    );
  });

  test('a server without the append-only file is refused whatever its version', () => {
    expect(() => planFsync([server('7.4.0', 'everysec', false)], false)).toThrow(ConfigError);
    expect(() => planFsync([server('7.4.0', 'everysec', false)], false)).toThrow(/needs appendonly yes, and Redis 7.4.0 has it off/);
  });

  test('when CONFIG GET is refused the error says which permission lets Conveyor check', () => {
    expect(() => planFsync([server('7.0.15', undefined)], false)).toThrow(/allow \+config\|get/);
  });

  test('a cluster needs appendfsync always on every master, even on Redis 7.2+', () => {
    expect(planFsync([server('7.2.4', 'always'), server('7.2.4', 'always')], true)).toBe('server_fsyncs');
    expect(() => planFsync([server('7.2.4', 'always'), server('7.2.4', 'everysec')], true)).toThrow(/on a Redis Cluster/);
  });
});
