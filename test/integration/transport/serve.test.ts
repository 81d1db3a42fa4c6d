/**
 * Web mode with the real control core and the run's Redis: serveControlCenter
 * through the renderer's WebSocket client.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { ConveyorError } from '../../../src-shared/errors';
import { serveControlCenter, type ControlCenterServer } from '../../../src-main/transport/serve';
import { createWebSocketApi, type WebSocketApi } from '../../../src-renderer/src/api/client';
import { cleanupPrefix, freshPrefix, testRedisUrl } from '../../support/redis';

let dir: string;
let prefix: string;
let configPath: string;
const open: Array<ControlCenterServer | WebSocketApi> = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'conveyor-serve-'));
  prefix = freshPrefix();
  configPath = join(dir, 'config.yml');
  await writeFile(configPath, `queue:\n  redis_url: ${testRedisUrl()}\n  key_prefix: "${prefix}"\n`);
});

afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
  await cleanupPrefix(prefix);
  await rm(dir, { recursive: true, force: true });
});

describe('serveControlCenter', () => {
  let staticDir: string;
  beforeEach(async () => {
    staticDir = join(dir, 'renderer');
    await mkdir(staticDir);
    await writeFile(join(staticDir, 'index.html'), '<!doctype html><title>Conveyor</title>');
  });

  it('serves the core: a call and an event through the WebSocket client', async () => {
    const server = await serveControlCenter({ configPath, pool: false, staticDir, core: { metricsTickMs: 50 } });
    open.push(server);
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{64}$/);
    const api = createWebSocketApi(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`, WebSocket);
    open.push(api);
    await expect(api.call('connection.status')).resolves.toMatchObject({ state: 'connected' });
    const tick = new Promise((resolve) => {
      const off = api.listen('metrics.tick', (snapshot) => {
        off();
        resolve(snapshot);
      });
    });
    await expect(tick).resolves.toMatchObject({ windowMs: expect.any(Number) });
    await expect(api.call('queues.create', { name: 'web-q' })).resolves.toMatchObject({ name: 'web-q', paused: false });
    await expect(api.call('jobs.get', { queue: 'web-q', id: '' } as never)).rejects.toMatchObject({ code: 'INVALID_ARGS' });
    await expect(api.call('pool.status')).resolves.toMatchObject({ running: false });
  });

  it('a busy port closes the core again and names the port', async () => {
    const first = await serveControlCenter({ configPath, pool: false, staticDir });
    open.push(first);
    const err = await serveControlCenter({ configPath, pool: false, staticDir, port: first.port }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConveyorError);
    expect((err as Error).message).toContain(`port ${first.port}`);
  });
});
