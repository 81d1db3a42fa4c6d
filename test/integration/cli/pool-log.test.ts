import { describe, expect, test } from 'vitest';
import { RedisUnavailableError } from '../../../src-shared/errors';
import { PoolLog, type PoolCounters } from '../../../src-main/cli/worker/pool-log';

const ISO = String.raw`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z`;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function setup(opts: { quiet?: boolean; summaryMs?: number } = {}) {
  const out = { text: '', write: (s: string) => (out.text += s) };
  const err = { text: '', write: (s: string) => (err.text += s) };
  const state = { stats: { processed: 0, failed: 0, running: 0 } as PoolCounters };
  const log = new PoolLog(out, err, { quiet: opts.quiet ?? false, summaryMs: opts.summaryMs ?? 10_000, stats: () => state.stats });
  return { out, err, state, log };
}

const down = (): RedisUnavailableError => new RedisUnavailableError('Redis at redis://h:1/0 is unavailable: not connected');

describe('worker log', () => {
  test('a Redis outage is one line when it starts and one when it ends, however many calls fail', () => {
    const { err, log } = setup();
    log.onEvent({ type: 'outage', state: 'started', reason: down().message });
    for (let i = 0; i < 5; i++) log.onEvent({ type: 'error', error: down() });
    log.onEvent({ type: 'outage', state: 'ended', durationMs: 6230 });
    log.close();
    expect(err.text.trimEnd().split('\n')).toEqual([
      expect.stringMatching(
        new RegExp(
          `^${ISO} Redis unreachable: Redis at redis://h:1/0 is unavailable: not connected; running jobs go on, no new job starts until it is back$`,
        ),
      ),
      expect.stringMatching(new RegExp(`^${ISO} Redis is back after 6\\.2 s$`)),
    ]);
  });

  test('a late lease dropped unrun is one line, even in quiet mode', () => {
    const { out, log } = setup({ quiet: true });
    log.onEvent({
      type: 'job',
      state: 'dropped',
      queue: 'q',
      id: '7',
      attempt: 1,
      reason: 'its lease ended 4210 ms ago by the Redis clock',
    });
    log.close();
    expect(out.text.replace(/^\S+ /, '')).toBe('late lease dropped q/7 attempt 1: its lease ended 4210 ms ago by the Redis clock\n');
  });

  test('the same other error again within 10 s is printed once', () => {
    const { err, log } = setup();
    for (let i = 0; i < 3; i++) log.onEvent({ type: 'error', error: new Error('queue "x" does not exist') });
    log.onEvent({ type: 'error', error: new Error('something else') });
    expect(
      err.text
        .trimEnd()
        .split('\n')
        .map((l) => l.replace(/^\S+ /, '')),
    ).toEqual(['error: queue "x" does not exist', 'error: something else']);
  });

  test('quiet: a summary line every interval (processed, failed, running, jobs/s) and no job lines', async () => {
    const { out, state, log } = setup({ quiet: true, summaryMs: 200 });
    log.start();
    log.onEvent({ type: 'job', state: 'completed', queue: 'q', id: '1', attempt: 1, agent: 'echo', durationMs: 3 });
    state.stats = { processed: 8, failed: 2, running: 1 };
    await sleep(290);
    log.close();
    expect(out.text).toMatch(new RegExp(`^${ISO} processed 8, failed 2, running 1, \\d+\\.\\d jobs/s\\n$`));
  });

  test('thread deaths show with their reason and error, and retirements; ready threads do not', () => {
    const { out, log } = setup();
    log.onEvent({ type: 'thread', state: 'died', threadId: 3, reason: 'crashed', error: 'boom' });
    log.onEvent({ type: 'thread', state: 'retired', threadId: 4 });
    log.onEvent({ type: 'thread', state: 'ready', threadId: 5 });
    expect(
      out.text
        .trimEnd()
        .split('\n')
        .map((l) => l.replace(/^\S+ /, '')),
    ).toEqual(['thread 3 died (crashed): boom', 'thread 4 retired']);
  });
});
