import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HISTORY_BOUNDS_MS, expandHistoryFields, isPackedHistoryField } from '../../../src-main/observability/history-keys';
import { bucketPercentile, mergeHashes } from '../../../src-main/observability/history';

describe('history buckets', () => {
  it("are metrics.lua's MX_BOUNDS", () => {
    const lua = readFileSync(path.join(__dirname, '../../../src-main/queue/lua/metrics.lua'), 'utf8');
    const bounds = /MX_BOUNDS = \{([^}]*)\}/
      .exec(lua)?.[1]
      ?.split(',')
      .map((s) => Number(s.trim()));
    expect(bounds).toEqual([...HISTORY_BOUNDS_MS]);
  });

  it('packed fields (kind.wait.run|agent) expand into counts, failed and both histograms; plain ones pass', () => {
    expect(
      expandHistoryFields({ 'c.3.1|a': '2', 'd.0.4|a': '1', 'x.0.0|b|c': '1', 'c|a': '1', 'W|a': '7', 'W.|a': '3', 'T.|a': '4' }),
    ).toEqual({
      'c|a': '3',
      'w3|a': '2',
      't1|a': '2',
      'd|a': '1',
      'f|a': '1',
      't4|a': '1',
      'x|b|c': '1',
      'f|b|c': '1',
      'W|a': '10',
      'T|a': '4',
    });
    expect(['c.3.1|a', 'W.|a', 'c|a.b', 'w3|a', 'W|a'].map(isPackedHistoryField)).toEqual([true, true, false, false, false]);
  });

  it('merge by adding field by field', () => {
    expect(mergeHashes([{ 'c|a': '1', 'w3|a': '2' }, { 'c|a': '4' }])).toEqual({ 'c|a': '5', 'w3|a': '2' });
  });

  it('give percentiles interpolated inside the bucket that holds them', () => {
    const b = new Array<number>(HISTORY_BOUNDS_MS.length + 1).fill(0);
    b[9] = 100; // all samples in (500, 1000] ms
    expect(bucketPercentile(b, 0.5)).toBe(750);
    expect(bucketPercentile(b, 0.99)).toBeCloseTo(995);
    expect(bucketPercentile(new Array<number>(3).fill(0), 0.5)).toBeNull();
  });
});
