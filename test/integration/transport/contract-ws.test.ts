/**
 * The contract suite through the web transport: each test's control core is
 * served by startWebServer and driven by the renderer's WebSocket client
 * (createWebSocketApi with the `ws` package), so every command, error and
 * event crosses a real socket as JSON frames.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { WebSocket } from 'ws';
import { startWebServer } from '../../../src-main/transport/web';
import { createWebSocketApi } from '../../../src-renderer/src/api/client';
import { defineContractSuite } from '../../support/contract-suite';

const staticDir = mkdtempSync(join(tmpdir(), 'conveyor-contract-ws-'));
writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>Conveyor</title>');
afterAll(() => rmSync(staticDir, { recursive: true, force: true }));

defineContractSuite('websocket', async (core) => {
  const server = await startWebServer({ surface: core, staticDir });
  const api = createWebSocketApi(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`, WebSocket);
  return {
    api,
    close: async () => {
      api.close();
      await server.close();
    },
  };
});
