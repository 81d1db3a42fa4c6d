import { describe, expect } from 'vitest';
import { findFreePort } from '../../../src-main/redis/redis-server-process';
import { cliTest as test } from './cli-fixture';

describe('conveyor errors', () => {
  test('unreachable Redis: one line naming the target, exit 1, fast even with the default 30 s timeout', async ({ cli, prefix }) => {
    await cli.writeConfig(`queue:\n  key_prefix: "${prefix}"\n`);
    const port = await findFreePort();
    for (const args of [['status'], ['enqueue', 'jobs', 'echo', '1']]) {
      const res = await cli.run(['--config', cli.configPath, '--redis-url', `redis://127.0.0.1:${port}`, ...args], { raw: true });
      expect(res.code).toBe(1);
      expect(res.stdout).toBe('');
      expect(res.stderr).toMatch(new RegExp(`^conveyor: Redis at redis://127\\.0\\.0\\.1:${port}/0 is unavailable: .*ECONNREFUSED.*\\n$`));
      expect(res.ms).toBeLessThan(3000);
    }
  });

  test('invalid config: one line with the file, the key path and the reason, exit 1', async ({ cli }) => {
    await cli.writeConfig('queue:\n  redis_port: 99999\n  max_retries: -1\n');
    const res = await cli.run(['status']);
    expect(res.code).toBe(1);
    expect(res.stderr).toBe(
      `conveyor: ${cli.configPath}: queue.redis_port: expected an integer 1-65535, got 99999; queue.max_retries: expected an integer >= 0, got -1\n`,
    );
  });

  test('a missing --config file is an error, not defaults', async ({ cli, redisUrl }) => {
    const missing = `${cli.dir}/nope.yml`;
    const res = await cli.run(['--config', missing, '--redis-url', redisUrl, 'status'], { raw: true });
    expect(res).toMatchObject({ code: 1, stderr: `conveyor: ${missing}: config file not found\n` });
  });

  test('an invalid --redis-url names the option', async ({ cli }) => {
    const res = await cli.run(['--config', cli.configPath, '--redis-url', 'http://x', 'status'], { raw: true });
    expect(res.code).toBe(1);
    expect(res.stderr).toBe('conveyor: --redis-url: expected a redis:// or rediss:// URL, got "http://x"\n');
  });

  test('usage errors are one line, exit 2', async ({ cli }) => {
    const unknown = await cli.run(['stauts']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe("conveyor: unknown command 'stauts' (Did you mean status?)\n");
    const missing = await cli.run(['enqueue', 'jobs']);
    expect(missing).toMatchObject({ code: 2, stderr: "conveyor: missing required argument 'agent'\n" });
  });

  test('--debug adds the stack; without it there is none', async ({ cli, queue }) => {
    const plain = await cli.run(['job', queue, 'x']);
    expect(plain.stderr.trimEnd().split('\n')).toHaveLength(1);
    const debug = await cli.run(['--debug', 'job', queue, 'x']);
    expect(debug.code).toBe(1);
    expect(debug.stderr).toMatch(/^conveyor: job "x" not found in queue "jobs"\nJobNotFoundError: .*\n\s+at /);
  });
});
