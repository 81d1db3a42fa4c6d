import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HISTORY_BOUNDS_MS, expandHistoryFields, isDottedHistoryField } from '../../../src-main/observability/history-keys';
import { bucketPercentile, mergeHashes } from '../../../src-main/observability/history';
import { completedHistory } from '../../../src-main/observability/batch-history';

describe('history buckets', () => {
  it("a batch's history, as the adapter sums it, uses metrics.lua's names and buckets (a bound is inclusive)", () => {
    const pairs = completedHistory(
      [
        { agent: 'echo', waitMs: 2, startedAt: 9_999_999.6 },
        { agent: 'echo', waitMs: 3, startedAt: 9_999_998.8 },
        { agent: 'up', waitMs: null, startedAt: 6_000_000 },
      ],
      10_000_000,
    );
    const fields = Object.fromEntries(Array.from({ length: pairs.length / 2 }, (_, i) => [pairs[2 * i], pairs[2 * i + 1]]));
    expect(fields).toEqual({
      'c.|echo': 2,
      'w2.|echo': 1,
      'w3.|echo': 1,
      'W.|echo': 5,
      't1.|echo': 2,
      'T.|echo': 1,
      'c.|up': 1,
      [`t${HISTORY_BOUNDS_MS.length + 1}.|up`]: 1,
      'T.|up': 4_000_000,
    });
  });

  it("are metrics.lua's MX_BOUNDS", () => {
    const lua = readFileSync(path.join(__dirname, '../../../src-main/queue/lua/metrics.lua'), 'utf8');
    const bounds = /MX_BOUNDS = \{([^}]*)\}/
      .exec(lua)?.[1]
      ?.split(',')
      .map((s) => Number(s.trim()));
    expect(bounds).toEqual([...HISTORY_BOUNDS_MS]);
  });

  it("metrics.lua's dotted fields read as the plain ones, with failed = r + d + x; plain ones pass", () => {
    const h = { 'c.|a': '2', 'd.|a': '1', 'x.|b|c': '1', 'w3.|a': '2', 't1.|a': '2', 'W.|a': '3', 'T.|a': '4', 'c|a': '1', 'W|a': '7' };
    expect(expandHistoryFields(h)).toEqual({
      'c|a': '3',
      'd|a': '1',
      'f|a': '1',
      'x|b|c': '1',
      'f|b|c': '1',
      'w3|a': '2',
      't1|a': '2',
      'W|a': '10',
      'T|a': '4',
    });
    expect(expandHistoryFields(expandHistoryFields(h))).toEqual(expandHistoryFields(h));
    expect(['c.|a', 'w3.|a', 'W.|a', 'c|a.', 'w3|a', 'W|a'].map(isDottedHistoryField)).toEqual([true, true, true, false, false, false]);
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
