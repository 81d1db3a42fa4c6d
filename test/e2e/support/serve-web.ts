/**
 * Launcher for the browser e2e tests: a private redis-server on a free port,
 * a config.yml pointing at it, and the web mode (`serveControlCenter`) on a
 * free port. Prints one JSON line `{"url": …}` on stdout once serving; stops
 * everything on SIGTERM/SIGINT or when stdin closes (its parent went away).
 *
 *   node --require ./scripts/register-lua-raw.cjs --import tsx test/e2e/support/serve-web.ts [STATIC_DIR]
 *
 * STATIC_DIR: the built renderer to serve (default out/renderer; the fixture
 * passes its copy of the build, see build-snapshot.ts).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RedisServerProcess } from '../../../src-main/redis/redis-server-process';
import { serveControlCenter } from '../../../src-main/transport/serve';

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'conveyor-e2e-'));
  const redis = await RedisServerProcess.start({ port: 0 });
  const configPath = join(dir, 'config.yml');
  await writeFile(
    configPath,
    `queue:\n  redis_url: ${redis.url}\n  key_prefix: e2e\nworkers:\n  queues: [default]\n  threads: 1\n  concurrency: 2\n`,
  );
  const staticDir = process.argv[2];
  const server = await serveControlCenter({
    configPath,
    ...(staticDir ? { staticDir } : {}),
    log: (line) => process.stderr.write(`${line}\n`),
  });

  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await server.close().catch((err: unknown) => process.stderr.write(`close failed: ${String(err)}\n`));
    await redis.stop().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
  process.stdin.on('end', () => void stop());
  process.stdin.on('close', () => void stop());
  process.stdin.resume();
  process.stdout.write(`${JSON.stringify({ url: server.url, redis: redis.url })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`serve-web failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
