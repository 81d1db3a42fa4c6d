import { describe, expect } from 'vitest';
import { findFreePort } from '../../../src-main/redis/redis-server-process';
import { cliTest as test } from '../cli/cli-fixture';

// A password given in a URL, in config or in the environment never shows up in what Conveyor prints.
const SECRET = 'Sup3r-s3cret-pw';

describe('secrets stay out of output', () => {
  test('an unreachable Redis with a password in --redis-url is named without the password', async ({ cli }) => {
    const port = await findFreePort();
    const res = await cli.run(['--redis-url', `redis://user:${SECRET}@127.0.0.1:${port}`, 'status'], { raw: true });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`127.0.0.1:${port}`);
    expect(res.stdout + res.stderr).not.toContain(SECRET);
  });

  test('a literal password in config.yml is warned about and never printed', async ({ cli, prefix }) => {
    const port = await findFreePort();
    await cli.writeConfig(`queue:\n  key_prefix: "${prefix}"\n  redis_port: ${port}\n  redis_password: "${SECRET}"\n`);
    const res = await cli.run(['--config', cli.configPath, 'status', '--debug'], { raw: true });
    expect(res.stderr).toMatch(/literal password/);
    expect(res.stdout + res.stderr).not.toContain(SECRET);
  });

  test('status against a reachable Redis prints the target without the password', async ({ cli, redisUrl }) => {
    const url = new URL(redisUrl);
    const res = await cli.run(['--redis-url', `redis://:${SECRET}@${url.host}`, 'status', '--json'], { raw: true });
    expect(res.stdout + res.stderr).not.toContain(SECRET);
  });
});
