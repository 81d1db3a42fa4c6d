import { describe, expect } from 'vitest';
import { until } from '../../support/contract-suite';
import { builtTest as test } from './built-cli-fixture';

const JSON_WARNING =
  /^conveyor: warning: the input looks like JSON but does not parse \(.+\): enqueued as text; pass --text to mean text$/m;

describe('conveyor enqueue: mistakes it warns about', { timeout: 60_000 }, () => {
  test('input that looks like JSON but does not parse is enqueued as text, with a warning on stderr', async ({ built, adapter, queue }) => {
    const res = await built.run(['enqueue', queue, 'echo', '{"a": 1']);
    expect(res.code).toBe(0);
    expect(res.stderr).toMatch(JSON_WARNING);
    expect((await adapter.getJob(queue, res.stdout.trim()))?.item?.message.payload).toEqual({ agent: 'echo', input: '{"a": 1' });
  });

  test('the same from stdin warns too', async ({ built, queue }) => {
    const res = await built.run(['enqueue', queue, 'echo', '-'], { stdin: '[1, 2\n' });
    expect(res.code).toBe(0);
    expect(res.stderr).toMatch(JSON_WARNING);
  });

  test('--text takes the input as text without a word, even when it is valid JSON', async ({ built, adapter, queue }) => {
    const broken = await built.run(['enqueue', queue, 'echo', '{"a": 1', '--text']);
    const valid = await built.run(['enqueue', queue, 'echo', '42', '--text']);
    expect(broken).toMatchObject({ code: 0, stderr: '' });
    expect(valid).toMatchObject({ code: 0, stderr: '' });
    expect((await adapter.getJob(queue, broken.stdout.trim()))?.item?.message.payload).toEqual({ agent: 'echo', input: '{"a": 1' });
    expect((await adapter.getJob(queue, valid.stdout.trim()))?.item?.message.payload).toEqual({ agent: 'echo', input: '42' });
  });

  test('valid JSON and plain text are enqueued without a warning', async ({ built, queue }) => {
    expect(await built.run(['enqueue', queue, 'echo', '{"a": 1}'])).toMatchObject({ code: 0, stderr: '' });
    expect(await built.run(['enqueue', queue, 'echo', 'Summarise {this}'])).toMatchObject({ code: 0, stderr: '' });
  });

  test('an agent no live worker of the queue advertises is enqueued, with a warning naming the agents they do', async ({
    built,
    startWorker,
    adapter,
    queue,
  }) => {
    await startWorker().ready;
    await until(
      async () => (await adapter.listWorkers()).some((w) => (w.agents ?? []).length > 0),
      10_000,
      'the worker to advertise its agents',
    );
    const res = await built.run(['enqueue', queue, 'summarise', 'x']);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^\S+\n$/);
    const warning =
      /^conveyor: warning: no live worker of queue "jobs" advertises agent "summarise" \(its live worker advertises (.+)\); enqueued anyway, for a worker that may start later$/m.exec(
        res.stderr,
      );
    expect(warning?.[1]?.split(', ')).toEqual(expect.arrayContaining(['echo', 'summarizer', 'progress', 'fail']));
    expect(await adapter.getJob(queue, res.stdout.trim())).not.toBeNull();
  });

  test('an agent a live worker advertises, or a queue no live worker serves, gets no warning', async ({
    built,
    startWorker,
    adapter,
    queue,
  }) => {
    expect(await built.run(['enqueue', queue, 'anything', 'x'])).toMatchObject({ code: 0, stderr: '' });
    await startWorker().ready;
    await until(
      async () => (await adapter.listWorkers()).some((w) => (w.agents ?? []).length > 0),
      10_000,
      'the worker to advertise its agents',
    );
    expect(await built.run(['enqueue', queue, 'echo', 'x'])).toMatchObject({ code: 0, stderr: '' });
    await adapter.createQueue('other');
    expect(await built.run(['enqueue', 'other', 'anything', 'x'])).toMatchObject({ code: 0, stderr: '' });
  });

  test('conveyor run warns the same way', async ({ built, queue }) => {
    const run = built.spawn(['run', queue, 'echo', '{"a": 1']);
    await run.waitFor(JSON_WARNING);
    run.child.kill('SIGKILL');
  });
});
