/**
 * Saving config changes from the control center touches only what changed
 * (issue #17: a save reformatted a flow list the user never touched).
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigStore } from '../../../src-main/control/config-store';

const TEXT = [
  '# my config',
  'queue:',
  '  key_prefix: "conveyor"   # keep',
  'workers:',
  '  queues: ["default","more"]   # flow, no spaces',
  '  threads: 1',
  '  concurrency: 4',
  '',
].join('\n');

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'conveyor-config-'));
  file = path.join(dir, 'config.yml');
  await fs.writeFile(file, TEXT);
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('saving a config patch', () => {
  it('changes only the lines of the settings it sets', async () => {
    const store = new ConfigStore(file);
    await store.load();
    await store.savePatch({ workers: { concurrency: 8 }, queue: { key_prefix: 'other' } });
    expect(await fs.readFile(file, 'utf8')).toBe(TEXT.replace('concurrency: 4', 'concurrency: 8').replace('"conveyor"', '"other"'));
  });

  it('a new key is printed with the document, flow lists staying flow lists without padding', async () => {
    const store = new ConfigStore(file);
    await store.load();
    await store.savePatch({ workers: { threads: 2, job_timeout_ms: 5000 } });
    const text = await fs.readFile(file, 'utf8');
    expect(text).toContain('queues: ["default", "more"]');
    expect(text).toContain('job_timeout_ms: 5000');
  });
});
