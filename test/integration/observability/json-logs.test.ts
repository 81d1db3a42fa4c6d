import { describe, expect } from 'vitest';
import { item } from '../../support/queue';
import { waitForState } from '../../support/pool';
import { workerTest as test } from '../cli/worker-fixture';

interface Line {
  level: string;
  time: string;
  msg: string;
  jobId?: string;
  queue?: string;
  attempt?: number;
  state?: string;
  agent?: string;
}

const lines = (text: string): Line[] =>
  text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Line);

describe('conveyor worker --log-format json', () => {
  test('prints one JSON object a line; job lines carry jobId, queue and attempt', async ({ startWorker, adapter, queue }) => {
    const worker = startWorker(['--log-format', 'json']);
    // The fixture's `ready` looks for the text start line.
    worker.ready.catch(() => undefined);
    await worker.waitFor(/"msg":"worker \S+ started: /);
    const id = await adapter.enqueue(queue, item('echo', 'hi'));
    await waitForState(adapter, queue, id, ['completed']);
    await worker.waitFor(/"state":"completed"/);
    const out = lines(worker.output().stdout);
    expect(out[0]).toMatchObject({ level: 'info', msg: expect.stringMatching(/^worker \S+ started: /) });
    expect(out.every((l) => !Number.isNaN(Date.parse(l.time)))).toBe(true);
    const jobs = out.filter((l) => l.jobId === id);
    expect(jobs.map((l) => l.state)).toEqual(['started', 'completed']);
    for (const l of jobs) expect(l).toMatchObject({ jobId: id, queue, attempt: 1, agent: 'echo' });
  });

  test('text stays the default', async ({ startWorker }) => {
    const worker = startWorker();
    await worker.ready;
    expect(worker.output().stdout).toMatch(/^\d{4}-\d\d-\d\dT\S+ worker \S+ started: /);
  });
});
