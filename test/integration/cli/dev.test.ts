import { existsSync } from 'node:fs';
import { chmod, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { describe, expect } from 'vitest';
import { agentItem } from '../../../src-shared/item-schema';
import { findFreePort, pingRedis } from '../../../src-main/redis/redis-server-process';
import { THREAD_ENTRY, waitForState } from '../../support/pool';
import { cliTest as test, type Cli } from './cli-fixture';
import { workerConfigYaml } from './worker-fixture';

const URL_LINE = /Conveyor control center: (http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+)\n/;

/**
 * A stand-in for the Electron binary: prints its arguments and REDIS_URL,
 * then waits for SIGTERM (or, with `fail`, dies at start-up as Electron does without an X server).
 */
async function fakeElectron(cli: Cli, fail = false): Promise<string> {
  const file = path.join(cli.dir, fail ? 'broken-electron' : 'fake-electron');
  const body = fail
    ? `process.stderr.write('[1:0:ERROR:ozone_platform_x11.cc] Missing X server or $DISPLAY\\n', () => process.exit(1));`
    : [
        // The handler first: the test signals once it has seen the output.
        `process.on('SIGTERM', () => process.stdout.write('fake electron: SIGTERM, quitting\\n', () => process.exit(0)));`,
        `console.log('fake electron args: ' + process.argv.slice(2).join(' '));`,
        `console.log('fake electron REDIS_URL: ' + process.env.REDIS_URL);`,
        `setInterval(() => undefined, 1000);`,
      ].join('\n');
  await writeFile(file, `#!/usr/bin/env node\n${body}\n`);
  await chmod(file, 0o755);
  return file;
}

describe('conveyor dev', () => {
  test('--once against a reachable Redis reports it, how it was found, and its queues', async ({
    cli,
    adapter,
    queue,
    redisUrl,
    prefix,
  }) => {
    await adapter.enqueue(queue, agentItem('echo', 1));
    const res = await cli.run(['dev', '--once']);
    expect(res).toMatchObject({ code: 0, stderr: '' });
    const url = new URL(redisUrl);
    expect(res.stdout).toMatch(new RegExp(`^redis +redis://${url.hostname}:${url.port}/0$`, 'm'));
    expect(res.stdout).toMatch(/^via +configured \(--redis-url\)$/m);
    expect(res.stdout).toMatch(/^connection +ok$/m);
    expect(res.stdout).toMatch(new RegExp(`^key prefix +${prefix}$`, 'm'));
    expect(res.stdout).toMatch(new RegExp(`^${queue} +no +1 +0`, 'm'));
    expect(res.stdout).not.toContain('web mode');
  });

  test('--web serves the control center with its pool: the URL answers with the app, jobs are logged, shutdown stops it all', async ({
    cli,
    adapter,
    queue,
    prefix,
  }) => {
    await cli.writeConfig(workerConfigYaml(prefix));
    const dev = cli.start(['dev', '--web', '--port', '0'], { env: { CONVEYOR_THREAD_ENTRY: THREAD_ENTRY } });
    const url = (await dev.waitFor(URL_LINE, 15_000))[1] as string;
    expect(dev.output().stdout).toMatch(/^web mode: --web$/m);

    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toMatch(/<div id="root">/);
    expect((await fetch(url.replace(/\?token=.*/, ''))).status).toBe(401);

    // The core's pool runs the job; its state changes are printed.
    await dev.waitFor(/ local pool \S+ running: queues jobs, 1 thread × 2 jobs$/m);
    const id = await adapter.enqueue(queue, agentItem('echo', 'hi'));
    await waitForState(adapter, queue, id, ['completed']);
    await dev.waitFor(new RegExp(`^\\S+ completed ${queue}/${id} attempt 1$`, 'm'));
    expect(dev.output().stdout).toMatch(new RegExp(`^\\S+ enqueued ${queue}/${id} echo$`, 'm'));

    const res = await dev.stop();
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^\S+ stopping$/m);
    await expect(fetch(url)).rejects.toThrow();
  });

  test('opens the desktop app where Electron and a display are: config, REDIS_URL and --no-worker passed on, stopped on shutdown', async ({
    cli,
    redisUrl,
  }) => {
    const electron = await fakeElectron(cli);
    const dev = cli.start(['dev', '--no-worker', '--electron', electron], { env: { DISPLAY: ':99' } });
    await dev.waitFor(/fake electron REDIS_URL: /);
    const res = await dev.stop();
    expect(res.code).toBe(0);
    expect(res.stdout).toContain(`opening the desktop app (${electron})`);
    expect(res.stdout).toMatch(new RegExp(`^fake electron args: \\S+/out/main/index\\.js --config ${cli.configPath} --no-worker$`, 'm'));
    expect(res.stdout).toContain(`fake electron REDIS_URL: ${redisUrl}\n`);
    expect(res.stdout).toMatch(/^stopping the desktop app\nfake electron: SIGTERM, quitting$/m);
    expect(res.stdout).not.toContain('web mode');
  });

  test('a desktop app that dies at start-up gives way to web mode, saying why', async ({ cli }) => {
    const electron = await fakeElectron(cli, true);
    const dev = cli.start(['dev', '--no-worker', '--port', '0', '--electron', electron], { env: { DISPLAY: ':99' } });
    await dev.waitFor(URL_LINE);
    const res = await dev.stop();
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^web mode: the desktop app quit at start-up \(exit code 1: \S+ Missing X server or \$DISPLAY\)$/m);
    expect(res.stderr).toContain('Missing X server or $DISPLAY');
  });

  test('without a display it says so and serves the control center instead', async ({ cli }) => {
    const electron = await fakeElectron(cli);
    const dev = cli.start(['dev', '--no-worker', '--port', '0', '--electron', electron]);
    await dev.waitFor(URL_LINE);
    const res = await dev.stop();
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^web mode: no display \(neither DISPLAY nor WAYLAND_DISPLAY is set\)$/m);
    expect(res.stdout).not.toContain('fake electron');
  });

  test('--no-docker with nothing at a local target starts a private redis-server there (AOF in the data dir), stopped on exit', async ({
    cli,
  }) => {
    const port = await findFreePort();
    const res = await cli.run(['--config', cli.configPath, '--redis-url', `redis://127.0.0.1:${port}`, 'dev', '--once', '--no-docker'], {
      raw: true,
    });
    expect(res.code).toBe(0);
    const dataDir = path.join(cli.dir, 'data', 'conveyor', 'redis');
    expect(res.stdout).toMatch(new RegExp(`^redis +redis://127\\.0\\.0\\.1:${port}/0$`, 'm'));
    expect(res.stdout).toContain(`private redis-server, pid `);
    expect(res.stdout).toContain(`append-only file in ${dataDir}`);
    expect(res.stderr).toMatch(/^conveyor: Docker not tried \(--no-docker\)$/m);
    expect(existsSync(path.join(dataDir, 'appendonlydir'))).toBe(true);
    expect(await pingRedis('127.0.0.1', port, 500)).toBe(false);
  });
});
