import { describe, expect, it } from 'vitest';
import type { Agent } from '../../../src-shared/agent';
import type { RunResult, ThreadMessage } from '../../../src-main/pool/messages';
import { NonRetryableError, ThreadRuntime } from '../../../src-main/pool/thread-runtime';

function runtime(agents: Record<string, Agent['run']>) {
  const posted: ThreadMessage[] = [];
  const map = new Map(Object.entries(agents).map(([name, run]) => [name, { name, description: name, run }]));
  const rt = new ThreadRuntime(
    map,
    (m) => posted.push(m),
    (n) => `unknown agent "${n}"`,
  );
  const results = async (count: number): Promise<RunResult[]> => {
    for (let i = 0; i < 200; i++) {
      const all = posted.flatMap((m) => (m.type === 'results' ? m.results : []));
      if (all.length >= count) return all;
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error('results did not arrive');
  };
  return { rt, posted, results };
}

const job = (runId: number, agent: string, input: unknown = null) => ({ runId, jobId: `j${runId}`, attempt: 1, agent, input });

describe('thread runtime', () => {
  it('runs many jobs of one batch and posts their results together', async () => {
    const { rt, posted, results } = runtime({ echo: (input) => input });
    rt.handle({ type: 'run', jobs: [job(1, 'echo', 'a'), job(2, 'echo', 'b'), job(3, 'echo', 'c')] });
    expect(await results(3)).toEqual([
      { runId: 1, ok: true, json: '"a"' },
      { runId: 2, ok: true, json: '"b"' },
      { runId: 3, ok: true, json: '"c"' },
    ]);
    expect(posted.filter((m) => m.type === 'results')).toHaveLength(1);
  });

  it('does not start a run that arrives past its startBy (a stall between dispatch and start); its neighbours run', async () => {
    let ran = 0;
    const { rt, results } = runtime({ echo: (input) => (ran++, input) });
    rt.handle({
      type: 'run',
      jobs: [
        { ...job(1, 'echo', 'late'), startBy: Date.now() - 500 },
        { ...job(2, 'echo', 'on time'), startBy: Date.now() + 60_000 },
      ],
    });
    const all = await results(2);
    expect(all.find((r) => r.runId === 1)).toMatchObject({ ok: false, error: { notStarted: true, retryable: true } });
    expect(all.find((r) => r.runId === 2)).toEqual({ runId: 2, ok: true, json: '"on time"' });
    expect(ran).toBe(1);
  });

  it("gives each run a ctx whose members are its own: a spread copy keeps them, and the signal is the run's", async () => {
    const { rt, posted, results } = runtime({
      wrap: (_input, ctx) => {
        const copy = { ...ctx };
        copy.progress(0.5, 'half');
        return { keys: Object.keys(ctx).sort(), jobId: copy.jobId, same: copy.signal === ctx.signal, aborted: copy.signal.aborted };
      },
    });
    rt.handle({ type: 'run', jobs: [job(1, 'wrap'), job(2, 'wrap')] });
    const all = await results(2);
    expect(all.map((r) => (r.ok ? JSON.parse(r.json) : r.error))).toEqual(
      [1, 2].map((n) => ({
        keys: ['attempt', 'children', 'cost', 'jobId', 'log', 'progress', 'signal', 'step'],
        jobId: `j${n}`,
        same: true,
        aborted: false,
      })),
    );
    expect(posted.flatMap((m) => (m.type === 'progress' ? m.notes : []))).toEqual([
      { runId: 1, fraction: 0.5, message: 'half' },
      { runId: 2, fraction: 0.5, message: 'half' },
    ]);
  });

  it('reports a thrown error with its message and stack, retryable', async () => {
    const { rt, results } = runtime({
      bad: () => {
        throw new Error('nope');
      },
    });
    rt.handle({ type: 'run', jobs: [job(1, 'bad')] });
    const [r] = await results(1);
    expect(r).toMatchObject({ ok: false, error: { message: 'nope', retryable: true } });
    expect(r?.ok === false && r.error.stack).toMatch(/nope/);
  });

  it('marks NonRetryableError and unknown agents as not retryable', async () => {
    const { rt, results } = runtime({
      strict: () => {
        throw new NonRetryableError('bad input');
      },
    });
    rt.handle({ type: 'run', jobs: [job(1, 'strict'), job(2, 'missing')] });
    const all = await results(2);
    expect(all.find((r) => r.runId === 1)).toMatchObject({ ok: false, error: { retryable: false } });
    expect(all.find((r) => r.runId === 2)).toMatchObject({ ok: false, error: { message: 'unknown agent "missing"', retryable: false } });
  });

  it('fires the signal of an aborted run with the reason', async () => {
    const { rt, results } = runtime({
      wait: (_i, ctx) => new Promise((_r, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason))),
    });
    rt.handle({ type: 'run', jobs: [job(1, 'wait')] });
    await new Promise((r) => setTimeout(r, 10));
    rt.handle({ type: 'abort', runId: 1, reason: 'timeout' });
    expect((await results(1))[0]).toMatchObject({ ok: false, error: { name: 'AbortError', message: 'aborted: timeout' } });
  });

  it('a run aborted before it first reads its signal finds it aborted, with the reason', async () => {
    const { rt, results } = runtime({
      late: async (_i, ctx) => {
        await new Promise((r) => setTimeout(r, 30));
        return { aborted: ctx.signal.aborted, reason: (ctx.signal.reason as Error).message };
      },
    });
    rt.handle({ type: 'run', jobs: [job(1, 'late')] });
    await new Promise((r) => setTimeout(r, 5));
    rt.handle({ type: 'abort', runId: 1, reason: 'cancelled' });
    expect((await results(1))[0]).toEqual({ runId: 1, ok: true, json: '{"aborted":true,"reason":"aborted: cancelled"}' });
  });

  it('aborts every run at once when asked to (an inline runtime being ended)', async () => {
    const { rt, results } = runtime({
      wait: (_i, ctx) => new Promise((_r, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason))),
    });
    rt.handle({ type: 'run', jobs: [job(1, 'wait'), job(2, 'wait')] });
    await new Promise((r) => setTimeout(r, 10));
    rt.abortAll('shutdown');
    const all = await results(2);
    expect(all.map((r) => r.ok === false && r.error.message)).toEqual(['aborted: shutdown', 'aborted: shutdown']);
  });

  it('posts progress and logs before the result they led to', async () => {
    const { rt, posted, results } = runtime({
      steps: (_i, ctx) => {
        ctx.progress(0.5, 'half');
        ctx.log('line');
        return 'done';
      },
    });
    rt.handle({ type: 'run', jobs: [job(1, 'steps')] });
    await results(1);
    expect(posted.map((m) => m.type)).toEqual(['progress', 'results']);
    expect(posted[0]).toEqual({
      type: 'progress',
      notes: [
        { runId: 1, fraction: 0.5, message: 'half' },
        { runId: 1, log: 'line' },
      ],
    });
  });

  it('refuses a result that is not JSON-serializable, without retries', async () => {
    const { rt, results } = runtime({
      cyclic: () => {
        const o: Record<string, unknown> = {};
        o['self'] = o;
        return o;
      },
    });
    rt.handle({ type: 'run', jobs: [job(1, 'cyclic')] });
    expect((await results(1))[0]).toMatchObject({ ok: false, error: { retryable: false, message: /not JSON-serializable/ } });
  });
});
