import { describe, expect, it } from 'vitest';
import { decodeJob, decodeLogLine } from '../../../src-main/queue/job-codec';

/** A message as enqueue stores it: three JSON texts. */
const msg = { src: '{"id":"p"}', dst: '{"id":"w"}', pl: '{"agent":"echo","input":1}' };

describe('decodeJob: attempts', () => {
  it('an attempt leased and started at once (only `started` stored) was leased when it started', () => {
    const job = decodeJob('q', '1', { ...msg, state: 'active', att: '1', 'a:1:worker': 'w1', 'a:1:started': '1000' });
    expect(job?.attempts).toEqual([{ number: 1, worker: 'w1', leasedAt: 1000, startedAt: 1000 }]);
  });

  it("a completed job's last attempt ends when the job finished, completed; earlier attempts keep their own end", () => {
    const job = decodeJob('q', '1', {
      ...msg,
      state: 'completed',
      att: '2',
      fin: '3000',
      'a:1:started': '1000',
      'a:1:ended': '1500',
      'a:1:outcome': 'failed',
      'a:2:started': '2000',
    });
    expect(job?.attempts).toEqual([
      { number: 1, leasedAt: 1000, startedAt: 1000, endedAt: 1500, outcome: 'failed' },
      { number: 2, leasedAt: 2000, startedAt: 2000, endedAt: 3000, outcome: 'completed' },
    ]);
  });

  it('the last attempt of a job that is not completed has no end until one is stored', () => {
    const job = decodeJob('q', '1', { ...msg, state: 'active', att: '1', fin: '3000', 'a:1:started': '1000' });
    expect(job?.attempts[0]?.endedAt).toBeUndefined();
    expect(job?.attempts[0]?.outcome).toBeUndefined();
  });

  it('hashes that store every attempt field (written by earlier versions) read as they always did', () => {
    const job = decodeJob('q', '1', {
      ...msg,
      state: 'completed',
      att: '1',
      fin: '3000',
      'a:1:leased': '900',
      'a:1:started': '1000',
      'a:1:ended': '2900',
      'a:1:outcome': 'completed',
    });
    expect(job?.attempts).toEqual([{ number: 1, leasedAt: 900, startedAt: 1000, endedAt: 2900, outcome: 'completed' }]);
  });
});

describe('decodeLogLine', () => {
  it('a line stored with its time and attempt gives them back, the text kept whole', () => {
    expect(decodeLogLine('1765000000123 2 step  1 ')).toEqual({ line: 'step  1 ', at: 1765000000123, attempt: 2 });
  });

  it('a line stored by an older version, without the prefix, decodes with no time nor attempt', () => {
    expect(decodeLogLine('step 1')).toEqual({ line: 'step 1' });
    expect(decodeLogLine('42 3 items done')).toEqual({ line: '42 3 items done' });
  });

  it("decodeJob decodes the job's stored lines", () => {
    expect(decodeJob('q', '1', { ...msg, state: 'active', att: '1' }, ['old', '1765000000000 1 new'])?.logs).toEqual([
      { line: 'old' },
      { line: 'new', at: 1765000000000, attempt: 1 },
    ]);
  });
});
