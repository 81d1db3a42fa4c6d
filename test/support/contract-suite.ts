/**
 * The contract, as a front end sees it: one suite of cases run against the
 * control core through any transport. A transport test passes a `connect`
 * that wraps a started core in a `ConveyorApi` of its kind:
 *
 *   defineContractSuite('direct', async (core) => directApi(core));
 *   defineContractSuite('websocket', async (core) => { const server = ...; return { api, close } });
 *
 * Errors must reach the caller as an Error-like object with the ErrorShape's
 * `code`, `message` and `details` (`ApiError` below does that).
 *
 * Each test gets a temporary config.yml, a fresh key prefix on the test
 * Redis, and its own core (with a local pool when asked), all removed after.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, test } from 'vitest';
import { COMMAND_NAMES, SECRET_MASK, type ConveyorApi, type EventName, type Events, type MetricsSnapshot } from '../../src-shared/contract';
import { ErrorCode, type ErrorDetails, type ErrorShape, toErrorShape } from '../../src-shared/errors';
import type { JobEvent } from '../../src-shared/job';
import { agentItem } from '../../src-shared/item-schema';
import { ControlCore, type ControlCoreOptions } from '../../src-main/control/control-core';
import { THREAD_ENTRY } from './pool';
import { cleanupPrefix, freshPrefix, testRedisUrl } from './redis';

/** An error as it arrives at a front end: the ErrorShape, thrown. */
export class ApiError extends Error {
  readonly code: ErrorShape['code'];
  readonly details: ErrorDetails | undefined;

  constructor(shape: ErrorShape) {
    super(shape.message);
    this.name = 'ApiError';
    this.code = shape.code;
    this.details = shape.details;
  }
}

/** What crosses a process boundary: JSON. */
const overTheWire = <T>(value: T): T => (value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T));

/**
 * The core as a ConveyorApi without a transport: through `callUntrusted`
 * (so arguments are validated as from a renderer), with results, events and
 * errors passed through JSON as a transport would.
 */
export function directApi(core: ControlCore): { api: ConveyorApi; close(): Promise<void> } {
  const unsubscribes = new Set<() => void>();
  const api: ConveyorApi = {
    call: (async (command: string, args?: unknown) => {
      try {
        return overTheWire(await core.callUntrusted(command, overTheWire(args)));
      } catch (err) {
        throw new ApiError(overTheWire(toErrorShape(err)));
      }
    }) as ConveyorApi['call'],
    listen: (event, handler) => {
      const off = core.subscribe(event, (payload) => handler(overTheWire(payload)));
      unsubscribes.add(off);
      return () => {
        off();
        unsubscribes.delete(off);
      };
    },
  };
  return {
    api,
    close: async () => {
      for (const off of unsubscribes) off();
    },
  };
}

/** Calls any command name with any arguments, as a hostile or buggy client could. */
export function callRaw(api: ConveyorApi, command: string, args?: unknown): Promise<unknown> {
  return (api.call as (command: string, args?: unknown) => Promise<unknown>)(command, args);
}

/** The error a promise rejects with; fails the test if it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<ApiError> {
  const err: unknown = await promise.then(
    () => expect.unreachable('expected the call to fail'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(Error);
  expect(err).toHaveProperty('code');
  return err as ApiError;
}

/** Polls until `check` holds. */
export async function until(check: () => boolean | Promise<boolean>, ms = 10_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`${what} not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Collects an event channel's payloads from now on. */
export function collect<E extends EventName>(api: ConveyorApi, event: E): { items: Array<Events[E]>; stop: () => void } {
  const items: Array<Events[E]> = [];
  const stop = api.listen(event, (payload) => items.push(payload));
  return { items, stop };
}

export const QUEUE = 'work';

export interface OpenOptions {
  /** Run a local pool (1 thread × 2 jobs on queue `work`). */
  pool?: boolean;
  /** Replaces the default config.yml body (the `{{prefix}}` placeholder is filled in). */
  config?: string;
  core?: Partial<ControlCoreOptions>;
}

export interface Opened {
  api: ConveyorApi;
  core: ControlCore;
  file: string;
  prefix: string;
}

export const DEFAULT_CONFIG_TEXT = `# Conveyor test config
queue:
  key_prefix: {{prefix}}  # fresh per test
  connection_timeout: 2
  backoff:
    type: fixed
    delay_ms: 0
    max_delay_ms: 0

workers:
  # the local pool, when the test runs one
  queues: [${QUEUE}]
  threads: 1
  concurrency: 2
  kill_grace_ms: 300
  shutdown_timeout_ms: 1000
`;

interface Fixtures {
  open: (options?: OpenOptions) => Promise<Opened>;
}

export type Connect = (core: ControlCore) => Promise<{ api: ConveyorApi; close(): Promise<void> }>;

/** `test` with an `open` fixture: a started core on a temp config (and its api through `connect`), closed after the test. */
export function controlTest(connect: Connect = async (core) => directApi(core)) {
  return test.extend<Fixtures>({
    // eslint-disable-next-line no-empty-pattern
    open: async ({}, use) => {
      const cleanups: Array<() => Promise<unknown>> = [];
      await use(async (options = {}) => {
        const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'conveyor-control-'));
        const prefix = freshPrefix();
        cleanups.push(
          () => fs.rm(dir, { recursive: true, force: true }),
          () => cleanupPrefix(prefix),
        );
        const file = path.join(dir, 'config.yml');
        await fs.writeFile(file, (options.config ?? DEFAULT_CONFIG_TEXT).replaceAll('{{prefix}}', prefix));
        const core = await ControlCore.start({
          configPath: file,
          env: { REDIS_URL: testRedisUrl() },
          pool: options.pool ? { threadEntry: THREAD_ENTRY, heartbeatMs: 200 } : false,
          rediscoverMs: 500,
          log: () => undefined,
          ...options.core,
        });
        cleanups.push(() => core.close());
        const { api, close } = await connect(core);
        cleanups.push(close);
        return { api, core, file, prefix };
      });
      for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    },
  });
}

const job = (input: unknown = 'hi', agent = 'echo') => agentItem(agent, input);

/** Wraps an api so every command it is asked to run is recorded. */
function recording(api: ConveyorApi, called: Set<string>): ConveyorApi {
  return {
    call: ((command: string, ...args: unknown[]) => {
      called.add(command);
      return (api.call as (c: string, ...a: unknown[]) => Promise<unknown>)(command, ...args);
    }) as ConveyorApi['call'],
    listen: (event, handler) => api.listen(event, handler),
  };
}

export function defineContractSuite(label: string, connect: Connect): void {
  const called = new Set<string>();
  const it = controlTest(async (core) => {
    const opened = await connect(core);
    return { api: recording(opened.api, called), close: opened.close };
  });

  describe(`contract (${label}): queues`, () => {
    it('queues.create creates a queue with the given options and returns its summary', async ({ open }) => {
      const { api } = await open();
      const q = await api.call('queues.create', { name: 'q1', options: { maxLength: 5 } });
      expect(q).toMatchObject({ name: 'q1', paused: false, depth: 0, full: false, options: { maxLength: 5 } });
    });

    it('queues.list shows every queue with its counts and depth', async ({ open }) => {
      const { api } = await open();
      await api.call('queues.create', { name: 'q1' });
      await api.call('queues.create', { name: 'q2' });
      await api.call('jobs.enqueue', { queue: 'q2', item: job() });
      const list = await api.call('queues.list');
      expect(list.map((q) => q.name)).toEqual(['q1', 'q2']);
      expect(list[1]).toMatchObject({ depth: 1, counts: { waiting: 1 } });
    });

    it('queues.pause and queues.resume flip the paused flag', async ({ open }) => {
      const { api } = await open();
      await api.call('queues.create', { name: 'q1' });
      expect(await api.call('queues.pause', { queue: 'q1' })).toMatchObject({ paused: true });
      expect(await api.call('queues.resume', { queue: 'q1' })).toMatchObject({ paused: false });
    });

    it('queues.drain removes the waiting jobs and says how many', async ({ open }) => {
      const { api } = await open();
      await api.call('queues.create', { name: 'q1' });
      await api.call('jobs.enqueueMany', { queue: 'q1', items: [{ item: job(1) }, { item: job(2) }] });
      expect(await api.call('queues.drain', { queue: 'q1' })).toEqual({ removed: 2 });
      expect((await api.call('queues.list'))[0]?.depth).toBe(0);
    });
  });

  describe(`contract (${label}): jobs`, () => {
    it('jobs.enqueue returns the id and jobs.get the waiting job', async ({ open }) => {
      const { api } = await open();
      await api.call('queues.create', { name: 'q1' });
      const { id } = await api.call('jobs.enqueue', { queue: 'q1', item: job('x'), options: { priority: 5 } });
      expect(await api.call('jobs.get', { queue: 'q1', id })).toMatchObject({ id, state: 'waiting', agent: 'echo', priority: 5 });
    });

    it('jobs.get of an unknown id is null', async ({ open }) => {
      const { api } = await open();
      await api.call('queues.create', { name: 'q1' });
      expect(await api.call('jobs.get', { queue: 'q1', id: 'nope' })).toBeNull();
    });

    it('jobs.enqueueMany returns the ids in order', async ({ open }) => {
      const { api } = await open();
      await api.call('queues.create', { name: 'q1' });
      const { ids } = await api.call('jobs.enqueueMany', {
        queue: 'q1',
        items: [{ item: job(1) }, { item: job(2), options: { jobId: 'custom-2' } }, { item: job(3) }],
      });
      expect(ids).toHaveLength(3);
      expect(ids[1]).toBe('custom-2');
    });

    it('jobs.list pages through a state with a cursor', async ({ open }) => {
      const { api } = await open();
      await api.call('queues.create', { name: 'q1' });
      const { ids } = await api.call('jobs.enqueueMany', { queue: 'q1', items: [1, 2, 3].map((n) => ({ item: job(n) })) });
      const first = await api.call('jobs.list', { queue: 'q1', state: 'waiting', limit: 2 });
      expect(first.jobs.map((j) => j.id)).toEqual(ids.slice(0, 2));
      const rest = await api.call('jobs.list', { queue: 'q1', state: 'waiting', limit: 2, cursor: first.cursor as string });
      expect(rest.jobs.map((j) => j.id)).toEqual(ids.slice(2));
      expect(rest.cursor).toBeUndefined();
    });

    it('jobs.search finds jobs by text in their payload', async ({ open }) => {
      const { api } = await open();
      await api.call('queues.create', { name: 'q1' });
      const { id } = await api.call('jobs.enqueue', { queue: 'q1', item: job('needle in a haystack') });
      await api.call('jobs.enqueue', { queue: 'q1', item: job('hay') });
      expect((await api.call('jobs.search', { queue: 'q1', text: 'NEEDLE' })).map((j) => j.id)).toEqual([id]);
    });

    it('jobs.cancel reports each id: cancelled ones ok, unknown ones JOB_NOT_FOUND', async ({ open }) => {
      const { api } = await open();
      await api.call('queues.create', { name: 'q1' });
      const { id } = await api.call('jobs.enqueue', { queue: 'q1', item: job() });
      const result = await api.call('jobs.cancel', { queue: 'q1', ids: [id, 'ghost'] });
      expect(result.ok).toEqual([id]);
      expect(result.failed).toEqual([{ id: 'ghost', error: expect.objectContaining({ code: ErrorCode.JobNotFound }) }]);
      expect(await api.call('jobs.get', { queue: 'q1', id })).toMatchObject({ state: 'cancelled' });
    });

    it('jobs.retry moves a cancelled job back to waiting, and says why it cannot for a waiting one', async ({ open }) => {
      const { api } = await open();
      await api.call('queues.create', { name: 'q1' });
      const { ids } = await api.call('jobs.enqueueMany', { queue: 'q1', items: [{ item: job(1) }, { item: job(2) }] });
      const [cancelled, waiting] = ids as [string, string];
      await api.call('jobs.cancel', { queue: 'q1', ids: [cancelled] });
      const result = await api.call('jobs.retry', { queue: 'q1', ids: [cancelled, waiting] });
      expect(result.ok).toEqual([cancelled]);
      expect(result.failed).toEqual([{ id: waiting, error: expect.objectContaining({ code: ErrorCode.InvalidState }) }]);
      expect(await api.call('jobs.get', { queue: 'q1', id: cancelled })).toMatchObject({ state: 'waiting' });
    });

    it('jobs.retryAll moves every cancelled job back and says how many', async ({ open }) => {
      const { api } = await open();
      await api.call('queues.create', { name: 'q1' });
      const { ids } = await api.call('jobs.enqueueMany', { queue: 'q1', items: [{ item: job(1) }, { item: job(2) }] });
      await api.call('jobs.cancel', { queue: 'q1', ids });
      expect(await api.call('jobs.retryAll', { queue: 'q1', state: 'cancelled' })).toEqual({ moved: 2 });
    });

    it('jobs.remove deletes jobs, reporting unknown ids', async ({ open }) => {
      const { api } = await open();
      await api.call('queues.create', { name: 'q1' });
      const { id } = await api.call('jobs.enqueue', { queue: 'q1', item: job() });
      const result = await api.call('jobs.remove', { queue: 'q1', ids: [id, 'ghost'] });
      expect(result.ok).toEqual([id]);
      expect(result.failed.map((f) => f.id)).toEqual(['ghost']);
      expect(await api.call('jobs.get', { queue: 'q1', id })).toBeNull();
    });

    it('jobs.ids collects the ids a filter selects, by agent too', async ({ open }) => {
      const { api } = await open();
      await api.call('queues.create', { name: 'q1' });
      const { ids } = await api.call('jobs.enqueueMany', { queue: 'q1', items: [{ item: job(1) }, { item: job(2, 'other') }] });
      expect(await api.call('jobs.ids', { queue: 'q1', state: 'waiting' })).toMatchObject({ ids });
      expect(await api.call('jobs.ids', { queue: 'q1', state: 'waiting', agent: 'other' })).toMatchObject({ ids: [ids[1]] });
    });

    it('jobs.getMany reads several jobs at once, leaving out unknown ids', async ({ open }) => {
      const { api } = await open();
      await api.call('queues.create', { name: 'q1' });
      const { id } = await api.call('jobs.enqueue', { queue: 'q1', item: job() });
      expect((await api.call('jobs.getMany', { queue: 'q1', ids: [id, 'ghost'] })).map((j) => j.id)).toEqual([id]);
    });

    it('jobs.promote moves a delayed job to waiting', async ({ open }) => {
      const { api } = await open();
      await api.call('queues.create', { name: 'q1' });
      const { id } = await api.call('jobs.enqueue', { queue: 'q1', item: job(), options: { delayMs: 600_000 } });
      await api.call('jobs.promote', { queue: 'q1', id });
      expect(await api.call('jobs.get', { queue: 'q1', id })).toMatchObject({ state: 'waiting' });
    });
  });

  describe(`contract (${label}): errors`, () => {
    it('an unknown command fails with UNKNOWN_COMMAND', async ({ open }) => {
      const { api } = await open();
      const err = await rejection(callRaw(api, 'queues.explode', { queue: 'q1' }));
      expect(err).toMatchObject({ code: ErrorCode.UnknownCommand, message: expect.stringContaining('queues.explode') });
    });

    it('arguments off the contract fail with INVALID_ARGS naming each path', async ({ open }) => {
      const { api } = await open();
      const err = await rejection(callRaw(api, 'jobs.enqueue', { queue: 'no spaces allowed', item: { message: {} } }));
      expect(err.code).toBe(ErrorCode.InvalidArgs);
      const paths = (err.details?.['issues'] as Array<{ path: string; message: string }>).map((i) => i.path);
      expect(paths).toContain('queue');
      expect(paths.some((p) => p.startsWith('item.message'))).toBe(true);
    });

    it('enqueueing beyond the cap fails with QUEUE_FULL carrying depth and limit', async ({ open }) => {
      const { api } = await open();
      await api.call('queues.create', { name: 'small', options: { maxLength: 1 } });
      await api.call('jobs.enqueue', { queue: 'small', item: job() });
      const err = await rejection(api.call('jobs.enqueue', { queue: 'small', item: job() }));
      expect(err).toMatchObject({ code: ErrorCode.QueueFull, details: { queue: 'small', depth: 1, limit: 1 } });
    });

    it('enqueueing to a queue that does not exist fails with QUEUE_NOT_FOUND', async ({ open }) => {
      const { api } = await open();
      const err = await rejection(api.call('jobs.enqueue', { queue: 'missing', item: job() }));
      expect(err).toMatchObject({ code: ErrorCode.QueueNotFound, details: { queue: 'missing' } });
    });

    it('pool.resize without a local pool fails with INVALID_STATE', async ({ open }) => {
      const { api } = await open();
      const err = await rejection(api.call('pool.resize', { threads: 2 }));
      expect(err.code).toBe(ErrorCode.InvalidState);
    });
  });

  describe(`contract (${label}): events`, () => {
    it("a job's lifecycle arrives as jobs.events in order: enqueued, started, completed", async ({ open }) => {
      const { api } = await open({ pool: true });
      const events = collect(api, 'jobs.events');
      const { id } = await api.call('jobs.enqueue', { queue: QUEUE, item: job('lifecycle') });
      const mine = (): JobEvent[] => events.items.flat().filter((e) => e.jobId === id);
      await until(() => mine().some((e) => e.type === 'completed'), 10_000, 'completed event');
      expect(mine().map((e) => e.type)).toEqual(['enqueued', 'started', 'completed']);
      expect(mine()[0]).toMatchObject({ queue: QUEUE, agent: 'echo' });
      expect(events.items.every((batch) => Array.isArray(batch) && batch.length > 0)).toBe(true);
    });

    it('events of a queue created through the api arrive from its first job on', async ({ open }) => {
      const { api } = await open();
      const events = collect(api, 'jobs.events');
      await api.call('queues.create', { name: 'fresh' });
      const { id } = await api.call('jobs.enqueue', { queue: 'fresh', item: job() });
      await until(() => events.items.flat().some((e) => e.jobId === id), 5000, 'enqueued event');
      expect(events.items.flat().find((e) => e.jobId === id)).toMatchObject({ queue: 'fresh', type: 'enqueued' });
    });

    it('metrics.tick arrives every second with the queues and their caps', async ({ open }) => {
      const { api } = await open();
      await api.call('queues.create', { name: 'q1', options: { maxLength: 42 } });
      const ticks = collect(api, 'metrics.tick');
      await until(() => ticks.items.some((t) => t.queues.some((q) => q.queue === 'q1' && q.cap === 42)), 5000, 'tick with q1');
    });
  });

  describe(`contract (${label}): workers, pool, agents, metrics, connection`, () => {
    it('connection.status is connected, naming the target without a password', async ({ open }) => {
      const { api } = await open();
      const status = await api.call('connection.status');
      expect(status).toMatchObject({ state: 'connected', target: expect.stringMatching(/^redis:\/\/[^@]*:\d+\/\d+$/) });
      expect(status.since).toBeGreaterThan(0);
    });

    it('workers.list shows the local pool as a worker', async ({ open }) => {
      const { api } = await open({ pool: true });
      const status = await api.call('pool.status');
      await until(async () => (await api.call('workers.list')).some((w) => w.id === status.workerId), 5000, 'worker listed');
      const [worker] = await api.call('workers.list');
      expect(worker).toMatchObject({ queues: [QUEUE], threads: 1, concurrency: 2 });
    });

    it('pool.status without a local pool says it is not running', async ({ open }) => {
      const { api } = await open();
      expect(await api.call('pool.status')).toMatchObject({ running: false, threads: 0 });
    });

    it('pool.status shows the local pool as configured', async ({ open }) => {
      const { api } = await open({ pool: true });
      expect(await api.call('pool.status')).toMatchObject({ running: true, queues: [QUEUE], threads: 1, concurrency: 2, active: 0 });
    });

    it('pool.resize changes threads and jobs per thread, and pool.changed says so', async ({ open }) => {
      const { api } = await open({ pool: true });
      const changes = collect(api, 'pool.changed');
      expect(await api.call('pool.resize', { threads: 2, concurrency: 3 })).toMatchObject({ running: true, threads: 2, concurrency: 3 });
      expect(await api.call('pool.status')).toMatchObject({ threads: 2, concurrency: 3 });
      await until(() => changes.items.some((s) => s.threads === 2 && s.concurrency === 3), 3000, 'pool.changed');
    });

    it('agents.list without a local pool lists the built-in agents', async ({ open }) => {
      const { api } = await open();
      const { agents, errors } = await api.call('agents.list');
      expect(agents.map((a) => a.name)).toEqual(expect.arrayContaining(['echo', 'sleep']));
      expect(agents.find((a) => a.name === 'echo')).toMatchObject({ kind: 'builtin' });
      expect(errors).toEqual([]);
    });

    it("agents.list with a local pool lists the pool's agents", async ({ open }) => {
      const { api } = await open({ pool: true });
      const { agents } = await api.call('agents.list');
      expect(agents.map((a) => a.name)).toContain('echo');
    });

    it('metrics.snapshot counts the jobs the pool completed, with their run times', async ({ open }) => {
      const { api } = await open({ pool: true });
      const { ids } = await api.call('jobs.enqueueMany', { queue: QUEUE, items: [1, 2, 3].map((n) => ({ item: job(n) })) });
      const done = async (): Promise<boolean> =>
        (await Promise.all(ids.map((id) => api.call('jobs.get', { queue: QUEUE, id })))).every((j) => j?.state === 'completed');
      await until(done, 10_000, 'jobs completed');
      let snapshot: MetricsSnapshot | undefined;
      await until(
        async () => {
          snapshot = await api.call('metrics.snapshot');
          return (snapshot.queues.find((q) => q.queue === QUEUE)?.runMs.count ?? 0) === 3;
        },
        5000,
        'metrics caught up',
      );
      const q = snapshot?.queues.find((m) => m.queue === QUEUE);
      expect(q?.completedPerSec).toBeGreaterThan(0);
      expect(q?.waitMs.count).toBe(3);
      expect(q?.series.reduce((n, p) => n + p.completed, 0)).toBe(3);
      expect(snapshot?.agents.find((a) => a.agent === 'echo')?.runMs.count).toBe(3);
    });

    it('metrics.history answers the history Redis keeps of the jobs the pool ran', async ({ open }) => {
      const { api } = await open({ pool: true });
      const { ids } = await api.call('jobs.enqueueMany', { queue: QUEUE, items: [1, 2].map((n) => ({ item: job(n) })) });
      const done = async (): Promise<boolean> =>
        (await Promise.all(ids.map((id) => api.call('jobs.get', { queue: QUEUE, id })))).every((j) => j?.state === 'completed');
      await until(done, 10_000, 'jobs completed');
      const h = await api.call('metrics.history', { queue: 'all', range: '15m', agent: 'echo' });
      expect(h.totals.completed).toBe(2);
      expect(h.run.p50).not.toBeNull();
    });
  });

  describe(`contract (${label}): config`, () => {
    it('config.get returns the path, the text as on disk and the parsed config', async ({ open }) => {
      const { api, file, prefix } = await open();
      const view = await api.call('config.get');
      expect(view.path).toBe(file);
      expect(view.text).toBe(await fs.readFile(file, 'utf8'));
      expect(view.config.queue.key_prefix).toBe(prefix);
      expect(view.config.workers.concurrency).toBe(2);
    });

    it('config.validate accepts a valid text with its warnings', async ({ open }) => {
      const { api } = await open();
      const result = await api.call('config.validate', { text: 'queue:\n  redis_password: literal\n' });
      expect(result).toMatchObject({ ok: true, warnings: [expect.stringContaining('queue.redis_password')] });
    });

    it('config.validate lists the issues of an invalid text with their paths', async ({ open }) => {
      const { api } = await open();
      const result = await api.call('config.validate', { text: 'queue:\n  redis_port: nope\nworkers:\n  threads: -1\n' });
      expect(result.ok).toBe(false);
      const issues = result.ok ? [] : result.issues;
      expect(issues.map((i) => i.path)).toEqual(['queue.redis_port', 'workers.threads']);
      expect(issues[0]?.message).toContain('expected');
    });

    it('config.save with a patch keeps the comments and applies live: the pool takes the new concurrency', async ({ open }) => {
      const { api, file } = await open({ pool: true });
      const saved = await api.call('config.save', { patch: { workers: { concurrency: 3 } } });
      expect(saved.applied).toEqual([expect.stringContaining('resized to 1×3')]);
      expect(await api.call('pool.status')).toMatchObject({ concurrency: 3 });
      const text = await fs.readFile(file, 'utf8');
      expect(text).toContain('# the local pool, when the test runs one');
      expect(text).toContain('# fresh per test');
      expect(text).toContain('concurrency: 3');
    });

    it('config.save with a text writes it as given and applies it', async ({ open }) => {
      const { api, file } = await open({ pool: true });
      const { text } = await api.call('config.get');
      const edited = text.replace('threads: 1', 'threads: 2  # two now');
      const saved = await api.call('config.save', { text: edited });
      expect(saved.applied).toEqual([expect.stringContaining('resized to 2×2')]);
      expect(await fs.readFile(file, 'utf8')).toBe(edited);
      expect(await api.call('pool.status')).toMatchObject({ threads: 2 });
    });

    it('config.save of an invalid config fails with CONFIG_INVALID naming path and reason, and leaves the file as it was', async ({
      open,
    }) => {
      const { api, file } = await open({ pool: true });
      const before = await fs.readFile(file);
      const err = await rejection(api.call('config.save', { patch: { workers: { concurrency: 0 } } }));
      expect(err.code).toBe(ErrorCode.ConfigInvalid);
      expect(err.details?.['issues']).toEqual([
        { path: 'workers.concurrency', message: expect.stringContaining('expected an integer 1-1000') },
      ]);
      expect((await fs.readFile(file)).equals(before)).toBe(true);
      expect(await api.call('pool.status')).toMatchObject({ concurrency: 2 });
    });
  });

  describe(`contract (${label}): secrets`, () => {
    const SECRET_CONFIG = `queue:
  key_prefix: {{prefix}}
  redis_password: hunter2-literal  # do not show
  connection_timeout: 2
agents:
  writer:
    kind: llm
    base_url: https://llm.example/v1
    model: big
    api_key_env: WRITER_KEY   # a name, shown
    system: write well
`;

    it('config.get masks the Redis password in both the text and the parsed config', async ({ open }) => {
      const { api } = await open({ config: SECRET_CONFIG });
      const view = await api.call('config.get');
      expect(JSON.stringify(view)).not.toContain('hunter2-literal');
      expect(view.text).toContain(`redis_password: ${SECRET_MASK}  # do not show`);
      expect(view.config.queue.redis_password).toBe(SECRET_MASK);
      expect(view.config.agents['writer']?.api_key_env).toBe('WRITER_KEY');
    });

    it('config.get masks an API key written into the agents section', async ({ open }) => {
      const { api } = await open({
        config: SECRET_CONFIG.replace('    system: write well\n', '    system: write well\n    # api_key: sk-live-123\n'),
      });
      const view = await api.call('config.get');
      expect(JSON.stringify(view)).not.toContain('sk-live-123');
      expect(view.text).toContain(`# api_key: ${SECRET_MASK}`);
    });

    it('saving the masked text back keeps the real password on disk', async ({ open }) => {
      const { api, file } = await open({ config: SECRET_CONFIG });
      const before = await fs.readFile(file, 'utf8');
      const { text } = await api.call('config.get');
      await api.call('config.save', { text });
      expect(await fs.readFile(file, 'utf8')).toBe(before);
    });

    it('saving a patch with the masked password keeps the real one and changes the rest', async ({ open }) => {
      const { api, file } = await open({ config: SECRET_CONFIG });
      await api.call('config.save', { patch: { queue: { redis_password: SECRET_MASK, max_retries: 7 } } });
      const text = await fs.readFile(file, 'utf8');
      expect(text).toContain('redis_password: hunter2-literal');
      expect(text).toContain('max_retries: 7');
    });
  });

  describe(`contract (${label}): schedules`, () => {
    it('schedules.upsert, list, pause, resume, runNow and remove', async ({ open }) => {
      const { api } = await open();
      await api.call('queues.create', { name: 'q1' });
      const s = await api.call('schedules.upsert', {
        queue: 'q1',
        id: 'daily',
        agent: 'echo',
        input: 'hi',
        cron: '0 9 * * *',
        tz: 'Europe/Berlin',
      });
      expect(s).toMatchObject({ queue: 'q1', id: 'daily', paused: false, runs: 0 });
      expect(s.nextRuns).toHaveLength(3);
      expect(await api.call('schedules.list')).toEqual([expect.objectContaining({ id: 'daily' })]);
      expect(await api.call('schedules.pause', { queue: 'q1', id: 'daily' })).toMatchObject({ paused: true, next: null });
      expect(await api.call('schedules.resume', { queue: 'q1', id: 'daily' })).toMatchObject({ paused: false });
      const { id } = await api.call('schedules.runNow', { queue: 'q1', id: 'daily' });
      expect(await api.call('jobs.get', { queue: 'q1', id })).toMatchObject({ state: 'waiting' });
      expect(await api.call('schedules.remove', { queue: 'q1', id: 'daily' })).toEqual({ removed: true });
      expect(await api.call('schedules.list')).toEqual([]);
    });

    it('schedules.upsert with an unknown time zone is SCHEDULE_INVALID naming tz', async ({ open }) => {
      const { api } = await open();
      await api.call('queues.create', { name: 'q1' });
      await expect(
        api.call('schedules.upsert', { queue: 'q1', id: 'x', agent: 'echo', cron: '0 9 * * *', tz: 'Mars/Base' }),
      ).rejects.toMatchObject({
        code: ErrorCode.ScheduleInvalid,
        details: { field: 'tz' },
      });
    });
  });

  describe(`contract (${label}): flows`, () => {
    it('flows.tree of a job outside any flow is the job alone, with its state', async ({ open }) => {
      const { api } = await open();
      await api.call('queues.create', { name: 'q1' });
      const { id } = await api.call('jobs.enqueue', { queue: 'q1', item: job() });
      expect(await api.call('flows.tree', { queue: 'q1', id })).toEqual({ queue: 'q1', id, state: 'waiting', children: [] });
    });

    it('flows.list of a queue without flows lists no parents, having looked at its jobs', async ({ open }) => {
      const { api } = await open();
      await api.call('queues.create', { name: 'q1' });
      await api.call('jobs.enqueue', { queue: 'q1', item: job() });
      expect(await api.call('flows.list', { queue: 'q1' })).toEqual({ flows: [], scanned: 1 });
    });
  });

  describe(`contract (${label}): limits`, () => {
    it('limits.set, limits.list and limits.remove; a malformed rate is refused, naming the field', async ({ open }) => {
      const { api } = await open();
      await api.call('queues.create', { name: 'limited' });
      const set = await api.call('limits.set', { queue: 'limited', spec: { rate: '10/s', concurrency: 3 } });
      expect(set.limits).toEqual([expect.objectContaining({ spec: { rate: '10/s', concurrency: 3 }, active: 0 })]);
      expect((await api.call('limits.list', { queue: 'limited' })).limits).toHaveLength(1);
      await expect(api.call('limits.set', { queue: 'limited', group: '*', spec: { rate: '10 per sec' } })).rejects.toMatchObject({
        code: ErrorCode.InvalidArgs,
        message: expect.stringContaining('rate: expected N/<window>'),
      });
      expect((await api.call('limits.remove', { queue: 'limited' })).limits).toEqual([]);
    });
  });

  // Last, so it sees every call the cases above made: a new command cannot go untested unnoticed.
  test(`contract (${label}): the cases exercise every command of the contract`, () => {
    expect(COMMAND_NAMES.filter((c) => !called.has(c))).toEqual([]);
  });
}
