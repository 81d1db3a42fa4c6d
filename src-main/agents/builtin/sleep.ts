import type { Agent } from '../../../src-shared/agent';
import { delay } from '../abort';
import { AgentInputError } from '../errors';

export type SleepInput = number | { ms: number };
export interface SleepOutput {
  ms: number;
}

const EXPECTED = '{"ms": <milliseconds >= 0>} or a number of milliseconds';

function parseMs(input: unknown): number {
  const ms = typeof input === 'object' && input !== null && !Array.isArray(input) ? (input as { ms?: unknown }).ms : input;
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) throw new AgentInputError('sleep', EXPECTED, input);
  return ms;
}

/** About ten progress reports for short sleeps, one a second for long ones. */
const tickFor = (ms: number) => Math.min(1000, Math.max(50, ms / 10));

/** Waits, reporting progress; stops at once when aborted. For tests, demos and load shaping. */
const sleep: Agent<unknown, SleepOutput> = {
  name: 'sleep',
  description: 'Waits {ms} milliseconds (or a number), reporting progress; stops as soon as it is aborted.',
  async run(input, ctx) {
    const ms = parseMs(input);
    const tick = tickFor(ms);
    const start = performance.now();
    // Steps of at most `tick`, re-measured each time: timers drift, and one
    // long setTimeout would overflow past 2^31-1 ms.
    for (let elapsed = 0; elapsed < ms;) {
      await delay(Math.min(ms - elapsed, tick), ctx.signal);
      elapsed = Math.min(ms, Math.round(performance.now() - start));
      ctx.progress(elapsed / ms, `${elapsed}/${ms} ms`);
    }
    return { ms };
  },
};

export default sleep;
