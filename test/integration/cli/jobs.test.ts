import { describe, expect } from 'vitest';
import { agentItem } from '../../../src-shared/item-schema';
import type { JobRecord } from '../../../src-shared/job';
import { cliTest as test } from './cli-fixture';

describe('conveyor jobs / job', () => {
  test('--state lists only jobs in that state', async ({ cli, adapter, queue }) => {
    const waiting = await adapter.enqueue(queue, agentItem('echo', 'a'));
    const delayed = await adapter.enqueue(queue, agentItem('echo', 'b'), { delayMs: 60_000 });

    const res = await cli.run(['jobs', queue, '--state', 'delayed', '--json']);
    expect(res.code).toBe(0);
    expect((JSON.parse(res.stdout) as JobRecord[]).map((j) => j.id)).toEqual([delayed]);

    const all = await cli.run(['jobs', queue]);
    expect(all.stdout).toMatch(new RegExp(`^${waiting} +waiting +echo`, 'm'));
    expect(all.stdout).toMatch(new RegExp(`^${delayed} +delayed +echo`, 'm'));
  });

  test('--search matches agent and input text, combined with --state', async ({ cli, adapter, queue }) => {
    const invoice = await adapter.enqueue(queue, agentItem('billing', { customer: 'ACME Corp' }));
    await adapter.enqueue(queue, agentItem('echo', 'unrelated'));
    const late = await adapter.enqueue(queue, agentItem('billing', { customer: 'acme later' }), { delayMs: 60_000 });

    const found = await cli.run(['jobs', queue, '--search', 'acme', '--json']);
    expect((JSON.parse(found.stdout) as JobRecord[]).map((j) => j.id).sort()).toEqual([invoice, late].sort());
    const waitingOnly = await cli.run(['jobs', queue, '--search', 'ACME', '--state', 'waiting', '--json']);
    expect((JSON.parse(waitingOnly.stdout) as JobRecord[]).map((j) => j.id)).toEqual([invoice]);
  });

  test('an unknown --state is a usage error listing the states, exit 2', async ({ cli, queue }) => {
    const res = await cli.run(['jobs', queue, '--state', 'done']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/^conveyor: .*'done' is invalid\. Allowed choices are waiting, delayed, active, completed, dead, cancelled/);
  });

  test('job shows state, agent, attempts with worker and outcome, and the error', async ({ cli, adapter, queue }) => {
    const id = await adapter.enqueue(queue, agentItem('flaky', { n: 1 }), { maxRetries: 0 });
    await adapter.dequeue(queue, { workerId: 'w-7' });
    await adapter.startProcessing(queue, id, 'w-7');
    await adapter.failProcessing(queue, id, new Error('disk on fire'));

    const res = await cli.run(['job', queue, id]);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^state +dead/m);
    expect(res.stdout).toMatch(/^agent +flaky$/m);
    expect(res.stdout).toMatch(/^input +\{"n":1\}$/m);
    expect(res.stdout).toMatch(/^ {2}#1 {2}worker w-7 {2}failed .*error: disk on fire$/m);
    expect(res.stdout).toMatch(/^error +disk on fire$/m);
    expect(res.stdout).toMatch(/^stack\n {2}Error: disk on fire/m);
  });

  test('job prints each log line with its time and attempt', async ({ cli, adapter, queue }) => {
    const id = await adapter.enqueue(queue, agentItem('echo', 'a'));
    const token = (await adapter.dequeue(queue))?.lease.token ?? '';
    await adapter.reportProgress(queue, [{ id, token, log: 'step one' }]);
    const res = await cli.run(['job', queue, id]);
    expect(res.stdout).toMatch(/^ {2}\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z {2}#1 {2}step one$/m);
  });

  test('job with an unknown id fails, exit 1', async ({ cli, queue }) => {
    const res = await cli.run(['job', queue, 'missing']);
    expect(res).toMatchObject({ code: 1, stderr: `conveyor: job "missing" not found in queue "${queue}"\n` });
  });
});
