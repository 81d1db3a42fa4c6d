import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import echo from '../../../src-main/agents/builtin/echo';
import hash, { DEFAULT_ROUNDS } from '../../../src-main/agents/builtin/hash';
import sleep from '../../../src-main/agents/builtin/sleep';
import { AgentInputError } from '../../../src-main/agents/errors';
import { recordingContext, rejectionOf } from './context';

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest();

describe('echo', () => {
  it('returns its input unchanged, whatever it is', async () => {
    const input = { text: 'hi', n: [1, 2, { deep: null }] };
    expect(await echo.run(input, recordingContext().ctx)).toBe(input);
    expect(await echo.run('plain', recordingContext().ctx)).toBe('plain');
    expect(await echo.run(null, recordingContext().ctx)).toBe(null);
  });
});

describe('sleep', () => {
  it('waits {ms} and returns how long it slept', async () => {
    const started = performance.now();
    expect(await sleep.run({ ms: 120 }, recordingContext().ctx)).toEqual({ ms: 120 });
    expect(performance.now() - started).toBeGreaterThanOrEqual(115);
  });

  it('takes a plain number of milliseconds', async () => {
    expect(await sleep.run(10, recordingContext().ctx)).toEqual({ ms: 10 });
  });

  it('returns at once for 0 ms', async () => {
    const { ctx, progress } = recordingContext();
    expect(await sleep.run(0, ctx)).toEqual({ ms: 0 });
    expect(progress).toEqual([]);
  });

  it('reports rising progress that ends at 1', async () => {
    const { ctx, progress } = recordingContext();
    await sleep.run({ ms: 300 }, ctx);
    const fractions = progress.map(([f]) => f);
    expect(fractions.length).toBeGreaterThanOrEqual(5);
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
    expect(progress.at(-1)).toEqual([1, '300/300 ms']);
  });

  it('rejects with the signal reason as soon as it is aborted', async () => {
    const { ctx, controller } = recordingContext();
    const run = sleep.run({ ms: 60_000 }, ctx);
    const reason = new Error('cancelled');
    setTimeout(() => controller.abort(reason), 30);
    const started = performance.now();
    expect(await rejectionOf(run)).toBe(reason);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('rejects with an AbortError when aborted without a reason', async () => {
    const { ctx, controller } = recordingContext();
    controller.abort();
    expect(await rejectionOf(sleep.run({ ms: 1000 }, ctx))).toMatchObject({ name: 'AbortError' });
  });

  it.each([
    ['a negative number', -1],
    ['a string', '100'],
    ['{ms} not a number', { ms: 'soon' }],
    ['no ms', {}],
    ['NaN', Number.NaN],
    ['null', null],
  ])('rejects %s as invalid input, not retryable', async (_name, input) => {
    const err = await rejectionOf(sleep.run(input, recordingContext().ctx));
    expect(err).toBeInstanceOf(AgentInputError);
    expect((err as AgentInputError).retryable).toBe(false);
    expect((err as AgentInputError).message).toMatch(
      /^sleep: expected input \{"ms": <milliseconds >= 0>\} or a number of milliseconds, got /,
    );
  });
});

describe('hash', () => {
  it('hashes its data once per round: round 1 the UTF-8 data, each later round the previous digest', async () => {
    const once = sha256('héllo');
    expect(await hash.run({ data: 'héllo', rounds: 1 }, recordingContext().ctx)).toBe(once.toString('hex'));
    expect(await hash.run({ data: 'héllo', rounds: 3 }, recordingContext().ctx)).toBe(sha256(sha256(once)).toString('hex'));
  });

  it(`runs ${DEFAULT_ROUNDS} rounds of a plain string by default`, async () => {
    let digest = sha256('abc');
    for (let i = 1; i < DEFAULT_ROUNDS; i++) digest = sha256(digest);
    expect(await hash.run('abc', recordingContext().ctx)).toBe(digest.toString('hex'));
  });

  it('hashes the empty string when given no data', async () => {
    expect(await hash.run({ rounds: 1 }, recordingContext().ctx)).toBe(sha256('').toString('hex'));
  });

  it('reports progress at most once per percent, ending at 1', async () => {
    const { ctx, progress } = recordingContext();
    await hash.run({ data: 'x', rounds: 250_000 }, ctx);
    expect(progress.length).toBeLessThanOrEqual(100);
    expect(progress.at(-1)).toEqual([1, '250000/250000 rounds']);
  });

  it('lets other work run between chunks of rounds', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    try {
      await hash.run({ data: 'x', rounds: 200_000 }, recordingContext().ctx);
    } finally {
      clearInterval(timer);
    }
    expect(ticks).toBeGreaterThan(0);
  });

  it('stops with the signal reason when aborted mid-way', async () => {
    const { ctx, controller, progress } = recordingContext();
    const run = hash.run({ data: 'x', rounds: 100_000_000 }, ctx);
    const reason = new Error('timeout');
    setTimeout(() => controller.abort(reason), 20);
    expect(await rejectionOf(run)).toBe(reason);
    expect(progress.at(-1)?.[0] ?? 0).toBeLessThan(0.5);
  });

  it.each([
    ['zero rounds', { rounds: 0 }],
    ['fractional rounds', { rounds: 1.5 }],
    ['data not a string', { data: 5 }],
    ['a list', [1]],
    ['a number', 42],
  ])('rejects %s as invalid input', async (_name, input) => {
    const err = await rejectionOf(hash.run(input, recordingContext().ctx));
    expect(err).toBeInstanceOf(AgentInputError);
    expect((err as Error).message).toMatch(/^hash: expected input \{"data"\?: <string>, "rounds"\?: <integer >= 1>\} or a string, got /);
  });
});
