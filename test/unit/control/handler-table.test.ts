import { describe, expect, it } from 'vitest';
import { ErrorCode, JobNotFoundError, RedisUnavailableError } from '../../../src-shared/errors';
import { bulk, CommandDispatcher, createHandlerTable, type HandlerContext } from '../../../src-main/control/handler-table';
import type { RedisQueueAdapter } from '../../../src-main/queue/redis-queue-adapter';

/** A context whose adapter records calls; everything else answers with fixed values. */
function dispatcher(adapter: Partial<RedisQueueAdapter> = {}) {
  const ctx: HandlerContext = {
    adapter: () => adapter as RedisQueueAdapter,
    connection: () => ({ state: 'connected', target: 'redis://x:6379/0', since: 1 }),
    queueCreated: async () => undefined,
    poolStatus: () => ({ running: false, queues: [], threads: 0, concurrency: 0, processed: 0, failed: 0, active: 0 }),
    poolResize: () => {
      throw new Error('no pool');
    },
    configView: async () => ({ path: '', text: '', config: {} as never, warnings: [] }),
    configValidate: async () => ({ ok: true, warnings: [] }),
    configSave: async () => ({ path: '', warnings: [], applied: [] }),
    agents: async () => ({ agents: [], errors: [] }),
    metrics: () => ({ at: 0, windowMs: 60_000, queues: [], agents: [] }),
  };
  return new CommandDispatcher(createHandlerTable(ctx));
}

const rejection = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => expect.unreachable('expected a rejection'),
    (e: unknown) => e,
  );

describe('command dispatch', () => {
  it('refuses an unknown command with UNKNOWN_COMMAND', async () => {
    expect(await rejection(dispatcher().callUntrusted('queues.explode', {}))).toMatchObject({ code: ErrorCode.UnknownCommand });
  });

  it('does not take inherited names for commands', async () => {
    expect(await rejection(dispatcher().callUntrusted('toString', undefined))).toMatchObject({ code: ErrorCode.UnknownCommand });
  });

  it('refuses arguments off the contract with INVALID_ARGS listing each issue with its path', async () => {
    const err = await rejection(dispatcher().callUntrusted('jobs.list', { queue: 'a b', state: 'nope', extra: 1 }));
    expect(err).toMatchObject({ code: ErrorCode.InvalidArgs, details: { command: 'jobs.list' } });
    const paths = (err as { details: { issues: Array<{ path: string }> } }).details.issues.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['queue', 'state']));
  });

  it('takes null for a command without arguments (JSON cannot say undefined)', async () => {
    expect(await dispatcher().callUntrusted('connection.status', null)).toMatchObject({ state: 'connected' });
  });

  it('refuses arguments given to a command that takes none', async () => {
    expect(await rejection(dispatcher().callUntrusted('queues.list', { all: true }))).toMatchObject({ code: ErrorCode.InvalidArgs });
  });

  it('passes validated arguments to the handler', async () => {
    const seen: unknown[] = [];
    const d = dispatcher({ drain: async (queue: string) => (seen.push(queue), 3) });
    expect(await d.callUntrusted('queues.drain', { queue: 'q1' })).toEqual({ removed: 3 });
    expect(seen).toEqual(['q1']);
  });
});

describe('bulk commands', () => {
  it('report each id on its own', async () => {
    const result = await bulk(['a', 'b', 'c'], async (id) => {
      if (id === 'b') throw new JobNotFoundError('q', id);
    });
    expect(result.ok).toEqual(['a', 'c']);
    expect(result.failed).toEqual([{ id: 'b', error: expect.objectContaining({ code: ErrorCode.JobNotFound }) }]);
  });

  it('fail as a whole when Redis goes away', async () => {
    const err = await rejection(
      bulk(['a', 'b'], async () => {
        throw new RedisUnavailableError('down');
      }),
    );
    expect(err).toMatchObject({ code: ErrorCode.RedisUnavailable });
  });
});
