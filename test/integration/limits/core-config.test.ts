import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect } from 'vitest';
import type { LimitsView } from '../../../src-shared/limits-schema';
import { followCoreScheduler } from '../../../src-main/schedules/core-scheduler';
import { queueTest as test } from '../../support/queue';

/** config.yml `limits:` where the control center starts (serve, dev, the desktop app), not only in `conveyor worker`. */

async function until(read: () => Promise<LimitsView>, ok: (v: LimitsView) => boolean, ms = 10_000): Promise<LimitsView> {
  const deadline = Date.now() + ms;
  for (;;) {
    const view = await read();
    if (ok(view) || Date.now() > deadline) return view;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('config.yml limits at control-center start', () => {
  test('are applied as an upsert: a limit set live on another scope stays', async ({ adapter, queue }) => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'conveyor-limits-'));
    const file = path.join(dir, 'config.yml');
    await fs.writeFile(file, `limits:\n  ${queue}:\n    queue: { concurrency: 3 }\n    groups:\n      tenant-1: { rate: 5/s }\n`);
    await adapter.limits.set(queue, { concurrency: 9 }, 'tenant-2');
    const lines: string[] = [];
    const follower = followCoreScheduler({ adapter }, file, (line) => lines.push(line));
    try {
      const view = await until(
        () => adapter.limits.list(queue),
        (v) => v.limits.length === 3,
      );
      const spec = (group: string | undefined): unknown => view.limits.find((l) => l.group === group)?.spec;
      expect(spec(undefined)).toMatchObject({ concurrency: 3 });
      expect(spec('tenant-1')).toMatchObject({ rate: '5/s' });
      expect(spec('tenant-2')).toMatchObject({ concurrency: 9 });
      expect(lines.filter((l) => l.includes('limits'))).toEqual([]);
    } finally {
      await follower.stop();
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
