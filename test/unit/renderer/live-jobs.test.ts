import { describe, expect, it } from 'vitest';
import { forgetJobs, MAX_JOBS_PER_QUEUE, mergeRecords, trim } from '../../../src-renderer/src/store/slices/live-jobs';
import { rowFromRecord, type JobRow } from '../../../src-renderer/src/store/slices/job-row';
import { record } from './fake-api';

describe('the live cache', () => {
  it('merges reads, keeping identity when nothing changed and the event row when it is newer', () => {
    const a = mergeRecords(new Map(), 'q', [record('q', '1', 'waiting'), record('q', '2', 'waiting')], 0);
    expect(a.get('q')?.size).toBe(2);
    expect(mergeRecords(a, 'q', [record('q', '1', 'waiting')], 1)).toBe(a);
    const evented: JobRow = { ...a.get('q')!.get('1')!, state: 'completed', seq: 9 };
    const withEvent = new Map(a).set('q', new Map(a.get('q')!).set('1', evented));
    expect(
      mergeRecords(withEvent, 'q', [record('q', '1', 'active')], 8)
        .get('q')
        ?.get('1'),
    ).toBe(evented);
    expect(
      mergeRecords(withEvent, 'q', [record('q', '1', 'active')], 9)
        .get('q')
        ?.get('1')?.state,
    ).toBe('active');
  });

  it('is bounded per queue', () => {
    const records = Array.from({ length: MAX_JOBS_PER_QUEUE + 500 }, (_, i) => record('q', `j${i}`, 'completed'));
    const live = mergeRecords(new Map(), 'q', records, 0);
    expect(live.get('q')?.size).toBe(MAX_JOBS_PER_QUEUE);
    expect(live.get('q')?.has('j0')).toBe(false);
    expect(live.get('q')?.has(`j${MAX_JOBS_PER_QUEUE + 499}`)).toBe(true);
  });

  it('trim evicts from the least recent end', () => {
    const m = new Map(['a', 'b', 'c'].map((id) => [id, rowFromRecord(record('q', id, 'waiting'), 0)]));
    trim(m, 1);
    expect([...m.keys()]).toEqual(['c']);
  });

  it('forgets removed jobs', () => {
    const live = mergeRecords(new Map(), 'q', [record('q', '1', 'dead'), record('q', '2', 'dead')], 0);
    expect([...(forgetJobs(live, 'q', ['1']).get('q')?.keys() ?? [])]).toEqual(['2']);
    expect(forgetJobs(live, 'q', ['nope'])).toBe(live);
  });
});
