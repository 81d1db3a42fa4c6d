import { hash as digestOf } from 'node:crypto';
import type { Agent } from '../../../src-shared/agent';
import { yieldToEventLoop } from '../abort';
import { AgentInputError } from '../errors';

export type HashInput = string | { data?: string; rounds?: number };

export const DEFAULT_ROUNDS = 10_000;
/** Rounds between yields to the event loop (a millisecond or two of work). */
const CHUNK = 1000;
const EXPECTED = '{"data"?: <string>, "rounds"?: <integer >= 1>} or a string';

function parse(input: unknown): { data: string; rounds: number } {
  if (typeof input === 'string') return { data: input, rounds: DEFAULT_ROUNDS };
  if (input === undefined || input === null) return { data: '', rounds: DEFAULT_ROUNDS };
  if (typeof input !== 'object' || Array.isArray(input)) throw new AgentInputError('hash', EXPECTED, input);
  const { data = '', rounds = DEFAULT_ROUNDS } = input as { data?: unknown; rounds?: unknown };
  if (typeof data !== 'string' || !Number.isSafeInteger(rounds) || (rounds as number) < 1) {
    throw new AgentInputError('hash', EXPECTED, input);
  }
  return { data, rounds: rounds as number };
}

/**
 * Iterated SHA-256, the CPU-bound reference agent: round 1 hashes `data`
 * (UTF-8), each later round hashes the previous round's 32-byte digest.
 * Returns the last digest in hex. Yields to the event loop every CHUNK rounds,
 * so the thread's other jobs keep going and an abort takes effect.
 */
const hash: Agent<unknown, string> = {
  name: 'hash',
  description: `Iterated SHA-256 of {data} over {rounds} rounds (default ${DEFAULT_ROUNDS}); returns the hex digest. CPU-bound.`,
  async run(input, ctx) {
    const { data, rounds } = parse(input);
    ctx.signal.throwIfAborted();
    // One-shot hashing: no Hash object per round, so far less garbage for the collector.
    // (@types/node 20 types the result as a string; the 'buffer' encoding returns a Buffer.)
    let digest = digestOf('sha256', Buffer.from(data, 'utf8'), 'buffer') as unknown as Buffer;
    let reported = 0;
    for (let done = 1; done < rounds;) {
      const end = Math.min(rounds, done + CHUNK);
      for (; done < end; done++) digest = digestOf('sha256', digest, 'buffer') as unknown as Buffer;
      // At most one report per percent, however many rounds, and always the last.
      if (done / rounds - reported >= 0.01 || done === rounds) {
        reported = done / rounds;
        ctx.progress(reported, `${done}/${rounds} rounds`);
      }
      if (done < rounds) {
        await yieldToEventLoop();
        ctx.signal.throwIfAborted();
      }
    }
    return digest.toString('hex');
  },
};

export default hash;
