import { describe, expect } from 'vitest';
import { cliTest as test } from './cli-fixture';

describe('conveyor enqueue', () => {
  test('prints only the job id; the job waits with {agent, input} parsed as JSON', async ({ cli, adapter, queue }) => {
    const res = await cli.run(['enqueue', queue, 'summarize', '{"url":"https://example.com","n":3}']);
    expect(res).toMatchObject({ code: 0, stderr: '' });
    expect(res.stdout).toMatch(/^\S+\n$/);
    const job = await adapter.getJob(queue, res.stdout.trim());
    expect(job?.state).toBe('waiting');
    expect(job?.agent).toBe('summarize');
    expect(job?.item?.message.payload).toEqual({ agent: 'summarize', input: { url: 'https://example.com', n: 3 } });
  });

  test('input that is not JSON is taken as a string; no input is null', async ({ cli, adapter, queue }) => {
    const text = await cli.run(['enqueue', queue, 'echo', 'hello world']);
    const none = await cli.run(['enqueue', queue, 'echo']);
    expect((await adapter.getJob(queue, text.stdout.trim()))?.item?.message.payload).toEqual({ agent: 'echo', input: 'hello world' });
    expect((await adapter.getJob(queue, none.stdout.trim()))?.item?.message.payload).toEqual({ agent: 'echo', input: null });
  });

  test('"-" reads the input from stdin', async ({ cli, adapter, queue }) => {
    const json = await cli.run(['enqueue', queue, 'echo', '-'], { stdin: '{"lines":[1,2]}\n' });
    const text = await cli.run(['enqueue', queue, 'echo', '-'], { stdin: 'just text\n' });
    expect(json.code).toBe(0);
    expect((await adapter.getJob(queue, json.stdout.trim()))?.item?.message.payload).toEqual({ agent: 'echo', input: { lines: [1, 2] } });
    expect((await adapter.getJob(queue, text.stdout.trim()))?.item?.message.payload).toEqual({ agent: 'echo', input: 'just text' });
  });

  test('--id is an idempotency key: the second enqueue adds nothing and prints the same id', async ({ cli, adapter, queue }) => {
    const first = await cli.run(['enqueue', queue, 'echo', '1', '--id', 'order-42']);
    const second = await cli.run(['enqueue', queue, 'echo', '2', '--id', 'order-42']);
    expect(first.stdout).toBe('order-42\n');
    expect(second).toMatchObject({ code: 0, stdout: 'order-42\n' });
    expect((await adapter.counts(queue)).waiting).toBe(1);
    expect((await adapter.getJob(queue, 'order-42'))?.item?.message.payload).toEqual({ agent: 'echo', input: 1 });
  });

  test('--delay and --priority show in `job --json`', async ({ cli, queue }) => {
    const before = Date.now();
    const id = (await cli.run(['enqueue', queue, 'echo', 'x', '--delay', '60000', '--priority', '-7'])).stdout.trim();
    const res = await cli.run(['job', queue, id, '--json']);
    expect(res.code).toBe(0);
    const job = JSON.parse(res.stdout) as { state: string; priority: number; runAt: number };
    expect(job.state).toBe('delayed');
    expect(job.priority).toBe(-7);
    expect(job.runAt).toBeGreaterThanOrEqual(before + 59_000);
  });

  test('a full queue fails with one line naming the queue and limit, exit 1', async ({ cli, adapter }) => {
    await adapter.createQueue('tiny', { maxLength: 1 });
    expect((await cli.run(['enqueue', 'tiny', 'echo', '1'])).code).toBe(0);
    const res = await cli.run(['enqueue', 'tiny', 'echo', '2']);
    expect(res).toMatchObject({ code: 1, stdout: '' });
    expect(res.stderr).toBe('conveyor: queue "tiny" is full: 1 job waiting or delayed, limit 1\n');
  });

  test('a queue that does not exist fails, exit 1', async ({ cli }) => {
    const res = await cli.run(['enqueue', 'nope', 'echo', '1']);
    expect(res).toMatchObject({ code: 1, stderr: 'conveyor: queue "nope" does not exist\n' });
  });

  test('a bad option value is a usage error, exit 2, before touching Redis', async ({ cli, adapter, queue }) => {
    const res = await cli.run(['enqueue', queue, 'echo', '1', '--priority', 'high']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(
      /^conveyor: option '--priority <n>' argument 'high' is invalid\. expected an integer from -1000000 to 1000000/,
    );
    expect(res.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect((await adapter.counts(queue)).waiting).toBe(0);
  });
});
