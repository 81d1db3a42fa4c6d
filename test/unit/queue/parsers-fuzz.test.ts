import { describe, expect, it } from 'vitest';
import { parseEvent } from '../../../src-main/queue/events';
import { decodeJob, parseMessage } from '../../../src-main/queue/job-codec';
import { JOB_STATES } from '../../../src-shared/job';

// Whatever Redis hands back (another client's garbage, a half-written value), the parsers
// return a value or a typed "malformed" answer; they never throw.

/** A small deterministic PRNG, so a failure reproduces. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function garbage(r: () => number): string {
  const pieces = ['{', '}', '[', ']', '"', ':', ',', 'null', 'true', '1e309', '-', 'payload', 'source', 'id', '\\u0000', '💥', ' ', 'a:1:', '\n'];
  let out = '';
  const n = Math.floor(r() * 40);
  for (let i = 0; i < n; i++) out += r() < 0.7 ? pieces[Math.floor(r() * pieces.length)] : String.fromCharCode(Math.floor(r() * 0xffff));
  return out;
}

describe('parsers under random input', () => {
  it('parseMessage never throws and accepts only messages', () => {
    const r = rng(1);
    for (let i = 0; i < 5000; i++) {
      const result = parseMessage(garbage(r));
      if (result.ok) {
        expect(typeof result.message.source.id).toBe('string');
        expect(typeof result.message.destination.id).toBe('string');
      } else {
        expect(result.reason).toMatch(/^invalid (JSON|message)/);
      }
    }
  });

  it('decodeJob never throws and always yields a known state', () => {
    const r = rng(2);
    const fields = ['msg', 'agent', 'prio', 'att', 'mr', 'ts', 'to', 'state', 'run', 'fin', 'res', 'err', 'stk', 'why', 'cxl', 'prog', 'a:1:ended', 'a:2:outcome', 'a:99999:worker'];
    for (let i = 0; i < 3000; i++) {
      const hash: Record<string, string> = {};
      for (const f of fields) if (r() < 0.6) hash[f] = garbage(r);
      const job = decodeJob('q', 'id', hash);
      if (job) {
        expect(JOB_STATES).toContain(job.state);
        expect(Array.isArray(job.attempts)).toBe(true);
      }
    }
  });

  it('decodeJob bounds the attempts it reads by the stored count', () => {
    const job = decodeJob('q', 'id', { state: 'dead', att: '1e9' });
    expect(job?.attempts.length).toBeLessThanOrEqual(10_000);
  });

  it('parseEvent never throws and maps unknown types to malformed', () => {
    const r = rng(3);
    for (let i = 0; i < 3000; i++) {
      const f: string[] = [];
      const n = Math.floor(r() * 12);
      for (let j = 0; j < n; j++) f.push(r() < 0.5 ? ['e', 'j', 'a', 'w', 'err', 'why', 'd', 'f', 'm', 'n', 'g'][Math.floor(r() * 11)]! : garbage(r));
      const e = parseEvent('q', `${Math.floor(r() * 1e13)}-0`, f);
      expect(e.queue).toBe('q');
      expect(typeof e.type).toBe('string');
    }
    expect(parseEvent('q', '1-0', ['e', 'nonsense']).type).toBe('malformed');
  });
});
