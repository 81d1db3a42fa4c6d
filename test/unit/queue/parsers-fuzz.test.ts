import { describe, expect, it } from 'vitest';
import { parseEntry } from '../../../src-main/queue/events';
import { decodeJob, parseMessage } from '../../../src-main/queue/job-codec';
import { JOB_EVENT_TYPES, JOB_STATES, type JobEvent } from '../../../src-shared/job';

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
  const pieces = [
    '{',
    '}',
    '[',
    ']',
    '"',
    ':',
    ',',
    'null',
    'true',
    '1e309',
    '-',
    'payload',
    'source',
    'id',
    '\\u0000',
    '💥',
    ' ',
    'a:1:',
    '\n',
  ];
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
    const fields = [
      'msg',
      'src',
      'dst',
      'pl',
      'agent',
      'prio',
      'att',
      'mr',
      'ts',
      'to',
      'state',
      'run',
      'fin',
      'res',
      'err',
      'stk',
      'why',
      'cxl',
      'prog',
      'a:1:ended',
      'a:2:outcome',
      'a:99999:worker',
    ];
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

  it('parseEntry never throws and maps unknown types to malformed', () => {
    const r = rng(3);
    for (let i = 0; i < 3000; i++) {
      const f: string[] = [];
      const n = Math.floor(r() * 12);
      for (let j = 0; j < n; j++)
        f.push(r() < 0.5 ? ['e', 'j', 'a', 'w', 'err', 'why', 'd', 'f', 'm', 'n', 'g'][Math.floor(r() * 11)]! : garbage(r));
      const id = `${Math.floor(r() * 1e13)}-0`;
      const events = parseEntry('q', id, f);
      expect(events.length).toBeGreaterThan(0);
      for (const [k, e] of events.entries()) {
        expect(e.queue).toBe('q');
        expect(JOB_EVENT_TYPES).toContain(e.type);
        expect(e.id).toBe(events.length === 1 ? id : `${id}#${k}`);
      }
    }
    expect(parseEntry('q', '1-0', ['e', 'nonsense'])).toEqual([{ id: '1-0', queue: 'q', type: 'malformed', ts: 1 }]);
  });

  it('parseEntry expands a batched entry into one event per job, and reads a corrupted one as one malformed event', () => {
    const r = rng(4);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
    for (let i = 0; i < 600; i++) {
      const type = pick(['enqueued', 'leased', 'started', 'completed'] as const);
      const worker = garbage(r);
      const shared = type === 'started' ? ['w', worker] : type === 'enqueued' ? ['g', 'echo'] : [];
      const jobs = Array.from({ length: 2 + Math.floor(r() * 70) }, (_, k) => ({
        id: `${k}${garbage(r)}`,
        attempt: r() < 0.5 ? 1 + Math.floor(r() * 5) : undefined,
        agent: r() < 0.3 ? `agent${garbage(r)}` : undefined,
        delay: r() < 0.3 ? 500 : undefined,
      }));
      const fields = ['e', type, ...shared];
      const starts: number[] = [];
      for (const j of jobs) {
        starts.push(fields.length);
        fields.push('j', j.id);
        if (j.attempt !== undefined) fields.push('a', String(j.attempt));
        if (j.agent !== undefined) fields.push('g', j.agent);
        if (j.delay !== undefined) fields.push('d', String(j.delay));
      }
      const id = `${1 + Math.floor(r() * 1e13)}-${Math.floor(r() * 10)}`;

      expect(parseEntry('q', id, fields)).toEqual(
        jobs.map((j, k) => {
          const e: JobEvent = { id: `${id}#${k}`, queue: 'q', type, ts: Number(id.split('-')[0]), jobId: j.id };
          const agent = j.agent ?? (type === 'enqueued' ? 'echo' : undefined);
          if (agent !== undefined) e.agent = agent;
          if (j.attempt !== undefined) e.attempt = j.attempt;
          if (type === 'started') e.worker = worker;
          if (j.delay !== undefined) e.delayMs = j.delay;
          return e;
        }),
      );

      const bad = [...fields];
      const job = pick(starts);
      const how = pick(['type', 'field', 'id'] as const);
      if (how === 'type') bad[1] = pick(['failed', 'progress', 'malformed', 'nonsense', '']);
      else if (how === 'field') bad.splice(job + 2, 0, pick(['e', 'w', 'why', 'err', 'm', 'n', 'f', garbage(r) + '?']), garbage(r));
      else bad[job + 1] = '';
      expect(parseEntry('q', id, bad), how).toEqual([
        { id, queue: 'q', type: 'malformed', ts: Number(id.split('-')[0]), reason: 'unreadable batched event entry' },
      ]);
    }
  });

  it('parseEntry reads an entry of one job as the plain event it is', () => {
    expect(parseEntry('q', '5-1', ['e', 'started', 'w', 'w1', 'j', 'a|b c', 'a', '2'])).toEqual([
      { id: '5-1', queue: 'q', type: 'started', ts: 5, jobId: 'a|b c', attempt: 2, worker: 'w1' },
    ]);
    expect(parseEntry('q', '5-2', ['e', 'failed', 'j', '7', 'a', '1', 'err', 'boom', 'why', 'failed'])).toEqual([
      { id: '5-2', queue: 'q', type: 'failed', ts: 5, jobId: '7', attempt: 1, error: 'boom', reason: 'failed' },
    ]);
  });
});
