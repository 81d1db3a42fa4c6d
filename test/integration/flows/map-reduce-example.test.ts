import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect } from 'vitest';
import { queueTest as test } from '../../support/queue';

const run = promisify(execFile);

describe('examples/map-reduce.ts', () => {
  test('npm run example:map-reduce fans chunks out to the summarizer and combines their summaries in the parent', async ({
    connect,
    prefix,
    redisUrl,
  }) => {
    const dir = mkdtempSync(join(tmpdir(), 'cvt-map-reduce-'));
    const config = join(dir, 'config.yml');
    writeFileSync(config, `queue:\n  key_prefix: "${prefix}"\n`);
    const env = { ...process.env, CONVEYOR_CONFIG: config, REDIS_URL: redisUrl };
    const { stdout } = await run('npm', ['run', '-s', 'example:map-reduce'], { env, timeout: 60_000 });
    const id = /^enqueued reduce-docs\/(\S+) with (\d+) chunk jobs$/m.exec(stdout);
    expect(id).not.toBeNull();
    const adapter = await connect();
    const parent = await adapter.getJob('reduce-docs', id?.[1] ?? '');
    expect(parent?.state).toBe('completed');
    const result = parent?.result as { summary: string; chunks: number };
    expect(result.chunks).toBe(Number(id?.[2]));
    expect(result.chunks).toBeGreaterThan(1);
    const children = await adapter.flows.childResults('reduce-docs', id?.[1] ?? '');
    expect(children.every((c) => c.outcome === 'completed')).toBe(true);
    expect(result.summary).toBe(children.map((c) => (c.result as { summary: string }).summary).join(' '));
    expect(stdout).toContain(`${id?.[1]} completed: ${result.summary}`);
  }, 90_000);
});
