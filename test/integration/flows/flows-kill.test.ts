/**
 * Kill between the steps with a real process exit (flows.test.ts and
 * flows-cluster.test.ts inject a throw): the child's completion and its
 * outbox entry survive the process; another process's sweep resumes the parent once.
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect } from 'vitest';
import { queueTest as test } from '../../support/queue';
import { createQueues, eventCount, fanIn, runOne, stateOf, waitState } from './flow-scenarios';

const ROOT = resolve(__dirname, '../../..');

function runDyingWorker(env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((done) => {
    execFile(
      'npx',
      ['tsx', '--tsconfig', 'tsconfig.node.json', '--require', './scripts/register-lua-raw.cjs', 'test/integration/flows/dying-worker.ts'],
      { cwd: ROOT, env: { ...process.env, ...env }, timeout: 30_000 },
      (err) => done(err ? Number((err as { code?: number }).code ?? -1) : 0),
    );
  });
}

describe('a worker process killed between the child finishing and the parent apply', () => {
  test('the parent stays waiting-children until another process sweeps, then resumes exactly once', async ({
    adapter: a,
    prefix,
    redisUrl,
  }) => {
    // Its sweeper timer off: this test sweeps by hand, after checking the state the death left.
    a.flows.close();
    await createQueues(a);
    await a.flows.enqueueFlow(fanIn('p', 2));
    await runOne(a, 'fc', 'p.1', 'here');
    expect(await runDyingWorker({ REDIS_URL: redisUrl, PREFIX: prefix, QUEUE: 'fb' })).toBe(137);
    expect(await stateOf(a, 'fb', 'p.0')).toBe('completed');
    expect(await stateOf(a, 'fa', 'p')).toBe('waiting-children');
    await a.flows.sweep('fb');
    await waitState(a, 'fa', 'p', 'waiting');
    await a.flows.sweep('fb');
    expect(await eventCount(a, 'fa', 'children_done', 'p')).toBe(1);
    expect((await a.flows.childResults('fa', 'p')).map((c) => c.result)).toEqual(['from the dying worker', 'here']);
  }, 45_000);
});
