import { describe, expect, it } from 'vitest';
import { agentItem, fastParseItem, itemInputSchema } from '../../../src-shared/item-schema';
import { enqueueOptionsSchema, fastParseEnqueueOptions } from '../../../src-shared/queue-options-schema';

// enqueue checks items and options by hand first and asks the schemas only when
// the hand check is unsure. The hand checks may pass anything to the schema, but
// what they accept the schema must accept, with the same result.

/** A small deterministic PRNG, so a failure reproduces. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

class Custom {
  id = 'x';
}

const deep = (n: number): unknown => (n === 0 ? 'leaf' : { d: deep(n - 1) });
const cyclic: Record<string, unknown> = { a: 1 };
cyclic['self'] = cyclic;
const holey: unknown[] = [1, , 3]; // eslint-disable-line no-sparse-arrays

const ODD_VALUES: unknown[] = [
  undefined,
  null,
  true,
  0,
  -0,
  1.5,
  NaN,
  Infinity,
  -Infinity,
  '',
  'x',
  10n,
  Symbol('s'),
  () => 1,
  new Date(0),
  new Custom(),
  new Map(),
  [],
  [1, 'a', null],
  holey,
  [undefined],
  {},
  { a: undefined },
  { [Symbol('k')]: 1 },
  JSON.parse('{"__proto__": {"a": 1}}'),
  Object.create(null),
  Object.assign(Object.create(null), { a: 1 }),
  { constructor: 'c' },
  deep(10),
  deep(40),
  cyclic,
  { toJSON: () => 'x' },
  { nested: [{ a: [1, { b: NaN }] }] },
];

/** For failure messages; some samples are cyclic. */
function show(x: unknown): string {
  try {
    return String(JSON.stringify(x));
  } catch {
    return String(x);
  }
}

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)] as T;
}

function location(r: () => number): unknown {
  const roll = r();
  if (roll < 0.6) return r() < 0.5 ? { id: 'a' } : { id: 'a', kind: 'k' };
  if (roll < 0.7) return { id: 'a', kind: pick(r, ODD_VALUES), extra: 1 };
  if (roll < 0.8) return { id: pick(r, ODD_VALUES) };
  return pick(r, ODD_VALUES);
}

function randomItem(r: () => number): unknown {
  const message: Record<string, unknown> = { source: location(r), destination: location(r) };
  if (r() < 0.9) message['payload'] = r() < 0.5 ? { agent: 'echo', input: pick(r, ODD_VALUES) } : pick(r, ODD_VALUES);
  if (r() < 0.1) message['extra'] = pick(r, ODD_VALUES);
  const item: Record<string, unknown> = { message: r() < 0.95 ? message : pick(r, ODD_VALUES) };
  const roll = r();
  if (roll < 0.3) item['action'] = { id: pick(r, ['job-1', '', 7, undefined, null]) };
  else if (roll < 0.4) item['action'] = pick(r, ODD_VALUES);
  return r() < 0.97 ? item : pick(r, ODD_VALUES);
}

function randomOptions(r: () => number): unknown {
  const keys = ['priority', 'delayMs', 'jobId', 'maxRetries', 'timeoutMs', 'waitMs', 'other'];
  const values: unknown[] = [
    0,
    1,
    -1,
    1_000_000,
    1_000_001,
    -1_000_001,
    2.5,
    2 ** 53,
    NaN,
    '1',
    'job',
    '',
    'x'.repeat(257),
    undefined,
    null,
  ];
  if (r() < 0.05) return pick(r, ODD_VALUES);
  const o: Record<string, unknown> = {};
  const n = Math.floor(r() * 3);
  for (let i = 0; i < n; i++) o[pick(r, keys)] = pick(r, values);
  return o;
}

/** The hand check and the schema agree: accepted means valid, with the schema's own result. */
function expectItemAgreement(item: unknown): boolean {
  const fast = fastParseItem(item);
  if (fast === undefined) return false;
  const schema = itemInputSchema.safeParse(item);
  expect(schema.success, `the schema rejects what the fast path accepted: ${show(item)}`).toBe(true);
  if (!schema.success) return true;
  expect(JSON.stringify(fast.message)).toBe(JSON.stringify(schema.data.message));
  expect(fast.action?.id).toBe(schema.data.action?.id);
  return true;
}

function expectOptionsAgreement(opts: unknown): boolean {
  const fast = fastParseEnqueueOptions(opts);
  if (fast === undefined) return false;
  const schema = enqueueOptionsSchema.safeParse(opts);
  expect(schema.success, `the schema rejects what the fast path accepted: ${show(opts)}`).toBe(true);
  // Read through the option names: the fast path hands back the caller's object (symbol keys and all).
  const read = (o: Record<string, unknown>) => Object.fromEntries(Object.keys(enqueueOptionsSchema.shape).map((k) => [k, o[k]]));
  if (schema.success) expect(read(fast as Record<string, unknown>)).toEqual(read(schema.data));
  return true;
}

describe('the enqueue fast path', () => {
  it('takes the common well-formed items, with the same result as the schema', () => {
    const items: unknown[] = [
      agentItem('echo', 'x'),
      agentItem('summarizer', { text: 'long', options: [1, 2, { deep: true }], n: null }),
      { action: { id: 'job-1' }, message: { source: { id: 's' }, destination: { id: 'd', kind: 'worker' }, payload: [1, 'two'] } },
      { action: {}, message: { source: { id: 's', extra: 1 }, destination: { id: 'd' }, payload: 'text', extra: true } },
      { message: { payload: null, destination: { kind: 'k', id: 'd' }, source: { id: 's' } } },
    ];
    for (const item of items) expect(expectItemAgreement(item)).toBe(true);
  });

  it('leaves invalid and exotic items to the schema', () => {
    const items: unknown[] = [
      null,
      'item',
      [],
      {},
      { message: { source: { id: '' }, destination: { id: 'd' }, payload: 1 } },
      { message: { source: { id: 's' }, destination: { id: 'd' } } },
      { message: { source: { id: 's' }, destination: { id: 'd', kind: 3 }, payload: 1 } },
      { action: { id: '' }, message: agentItem('echo', 1).message },
      { action: null, message: agentItem('echo', 1).message },
      ...[NaN, Infinity, undefined, new Date(0), new Custom(), { a: undefined }, holey, { [Symbol('k')]: 1 }, deep(40), cyclic, 10n].map(
        (input) => agentItem('echo', input),
      ),
      agentItem('echo', JSON.parse('{"__proto__": {"a": 1}}')),
    ];
    for (const item of items) expect(fastParseItem(item), show(item)).toBeUndefined();
  });

  it('agrees with the item schema on random items', () => {
    const r = rng(7);
    let taken = 0;
    for (let i = 0; i < 5000; i++) if (expectItemAgreement(randomItem(r))) taken++;
    // The comparison means something only if the fast path takes a fair share.
    expect(taken).toBeGreaterThan(500);
  });

  it('takes plainly valid options and leaves the rest to the schema', () => {
    for (const opts of [
      {},
      { priority: -1_000_000, delayMs: 0, jobId: 'a', maxRetries: 3, timeoutMs: 1, waitMs: 5 },
      { jobId: undefined },
    ]) {
      expect(expectOptionsAgreement(opts)).toBe(true);
    }
    for (const opts of [
      null,
      [],
      { other: 1 },
      { priority: 1.5 },
      { priority: 1_000_001 },
      { timeoutMs: 0 },
      { jobId: '' },
      { jobId: 'x'.repeat(257) },
      { delayMs: 2 ** 53 },
      { waitMs: '1' },
      Object.create({ priority: 1 }),
    ]) {
      expect(fastParseEnqueueOptions(opts), show(opts)).toBeUndefined();
    }
  });

  it('agrees with the options schema on random options', () => {
    const r = rng(11);
    let taken = 0;
    for (let i = 0; i < 5000; i++) if (expectOptionsAgreement(randomOptions(r))) taken++;
    expect(taken).toBeGreaterThan(500);
  });
});
