import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect } from 'vitest';
import { queueTest as test } from '../../support/queue';

const run = promisify(execFile);

/** Every file in examples/ and the npm script this file runs it with: a new example needs a test here. */
const RUN_HERE: Record<string, string> = { 'producer.ts': 'example:producer', 'worker.ts': 'example:worker' };
/** Examples run by a test of their own feature, with their npm script. */
const RUN_ELSEWHERE: Record<string, string> = { 'map-reduce.ts': 'test/integration/flows/map-reduce-example.test.ts' };

// The examples follow the seed's walk-through step for step; they run as a user would, with npm.
describe('examples', () => {
  test('every file in examples/ is run by a test here', () => {
    expect(readdirSync(resolve(__dirname, '../../../examples')).sort()).toEqual(
      [...Object.keys(RUN_HERE), ...Object.keys(RUN_ELSEWHERE)].sort(),
    );
  });

  test('the producer enqueues a summarizer job and the worker completes it with its output', async ({ connect, prefix, redisUrl }) => {
    const dir = mkdtempSync(join(tmpdir(), 'cvt-examples-'));
    const config = join(dir, 'config.yml');
    writeFileSync(config, `queue:\n  key_prefix: "${prefix}"\n`);
    const env = { ...process.env, CONVEYOR_CONFIG: config, REDIS_URL: redisUrl };
    const produced = await run('npm', ['run', '-s', RUN_HERE['producer.ts'] as string], { env, timeout: 30_000 });
    const id = produced.stdout.trim();
    expect(id).toMatch(/^\d+$/);

    const worked = await run('npm', ['run', '-s', RUN_HERE['worker.ts'] as string, '--', '--once'], { env, timeout: 30_000 });
    expect(worked.stdout).toContain(`${id} completed`);

    const adapter = await connect();
    const job = await adapter.getJob('agents', id);
    expect(job).toMatchObject({ state: 'completed', agent: 'summarizer' });
    expect(job?.attempts[0]?.worker).toBe('worker-1');
    expect((job?.result as { output: { summary: string } }).output.summary).toBe('Summarise the Q3 earnings call.');
  }, 60_000);
});
