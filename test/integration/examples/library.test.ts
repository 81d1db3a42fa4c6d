import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect } from 'vitest';
import { queueTest as test } from '../../support/queue';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '../../..');

// The built library (npm run build → dist/), used the way another Node service would:
// require('conveyor/queue') and 'conveyor/pool', no Electron and no renderer code loaded.
const PROGRAM = `
const { connectQueue, agentItem } = require('conveyor/queue');
const { WorkerPool } = require('conveyor/pool');
(async () => {
  const q = await connectQueue({ queue: { key_prefix: process.env.PREFIX } });
  await q.createQueue('lib');
  const id = await q.enqueue('lib', agentItem('echo', 'from the library'));
  const pool = new WorkerPool({ adapter: q, queues: ['lib'], threads: 1, concurrency: 2, jobTimeoutMs: 5000, killGraceMs: 100, maxMemoryMb: 64, shutdownTimeoutMs: 500 });
  await pool.start();
  let job;
  for (let i = 0; i < 100 && (job = await q.getJob('lib', id)).state !== 'completed'; i++) await new Promise((r) => setTimeout(r, 50));
  await pool.stop();
  await q.close();
  const heavy = Object.keys(require.cache).filter((k) => /node_modules[\\\\/](electron|react|react-dom)[\\\\/]/.test(k));
  console.log(JSON.stringify({ state: job.state, result: job.result, heavy }));
})().catch((e) => { console.error(e); process.exit(1); });
`;

describe('conveyor as a library', () => {
  test('a plain Node program enqueues and runs a job through conveyor/queue and conveyor/pool', async ({ prefix, redisUrl }) => {
    if (!existsSync(resolve(ROOT, 'dist/queue.js'))) throw new Error('dist/ is missing: run `npm run build` first');
    const { stdout } = await run(process.execPath, ['-e', PROGRAM], {
      cwd: ROOT,
      env: { ...process.env, REDIS_URL: redisUrl, PREFIX: prefix, CONVEYOR_CONFIG: resolve(ROOT, 'no-such-config.yml') },
      timeout: 30_000,
    });
    expect(JSON.parse(stdout)).toEqual({ state: 'completed', result: 'from the library', heavy: [] });
  });

  test('an ES module imports the same entry points with their names', async () => {
    const { stdout } = await run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "import { agentItem, RedisQueueAdapter } from 'conveyor/queue'; import { WorkerPool } from 'conveyor/pool'; import { BUILTIN_AGENTS } from 'conveyor/agents'; console.log([typeof agentItem, typeof RedisQueueAdapter, typeof WorkerPool, BUILTIN_AGENTS.map((a) => a.name).join(',')].join(' '))",
      ],
      { cwd: ROOT },
    );
    expect(stdout.trim()).toBe('function function function echo,sleep,hash,summarizer');
  });
});
