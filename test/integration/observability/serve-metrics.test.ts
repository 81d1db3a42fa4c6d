import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { serveControlCenter, type ControlCenterServer } from '../../../src-main/transport/serve';
import { cleanupPrefix, freshPrefix, testRedisUrl } from '../../support/redis';
import { eventually } from '../../support/pool';

let dir: string;
let prefix: string;
let server: ControlCenterServer | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'conveyor-serve-metrics-'));
  prefix = freshPrefix();
  await writeFile(join(dir, 'config.yml'), `queue:\n  redis_url: ${testRedisUrl()}\n  key_prefix: "${prefix}"\n`);
  await mkdir(join(dir, 'renderer'));
  await writeFile(join(dir, 'renderer', 'index.html'), '<!doctype html><title>Conveyor</title>');
});

afterEach(async () => {
  await server?.close();
  server = undefined;
  await cleanupPrefix(prefix);
  await rm(dir, { recursive: true, force: true });
});

describe('conveyor serve /metrics', () => {
  it('answers with the token only, like every other path', async () => {
    server = await serveControlCenter({ configPath: join(dir, 'config.yml'), pool: false, staticDir: join(dir, 'renderer') });
    expect((await fetch(`http://127.0.0.1:${server.port}/metrics`)).status).toBe(401);
    expect((await fetch(`http://127.0.0.1:${server.port}/metrics?token=${'x'.repeat(64)}`)).status).toBe(403);
  });

  it("reports every queue's depth by state, and the Redis round trip", async () => {
    server = await serveControlCenter({ configPath: join(dir, 'config.yml'), pool: false, staticDir: join(dir, 'renderer') });
    const s = server;
    await eventually(() => s.core.adapter !== undefined, 10_000, 'connected');
    await s.core.adapter!.createQueue('mq');
    await s.core.adapter!.enqueue('mq', {
      message: { source: { id: 'p' }, destination: { id: 'w' }, payload: { agent: 'echo', input: 1 } },
    });
    const res = await fetch(`http://127.0.0.1:${s.port}/metrics?token=${s.token}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toMatch(/^conveyor_queue_jobs\{queue="mq",state="waiting"\} 1$/m);
    expect(text).toMatch(/^conveyor_redis_rtt_seconds \d/m);
    expect(text).toContain('# TYPE conveyor_job_wait_seconds histogram');
  });
});
