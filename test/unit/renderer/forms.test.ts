import { describe, expect, it } from 'vitest';
import { SECRET_MASK } from '../../../src-shared/contract';
import { DEFAULT_CONFIG, type ConveyorConfig } from '../../../src-shared/config-schema';
import { draftToOptions } from '../../../src-renderer/src/features/queues/create-queue-model';
import {
  AGENT_FIELDS,
  agentDraftsFromConfig,
  ALL_FIELDS,
  applyPatch,
  buildPatch,
  issueFor,
  validatePatch,
  valuesFromConfig,
} from '../../../src-renderer/src/features/config/config-form-model';
import { constraintHint, leafPaths } from '../../../src-renderer/src/features/config/schema-hints';
import { parseInput, parseLines, parseOptions } from '../../../src-renderer/src/features/enqueue/enqueue-input';
import { describeBulk, runBulk, selectIds, selectionRefusal, stateActions } from '../../../src-renderer/src/features/jobs/bulk-actions';
import { FakeApi } from './fake-api';

const config = (): ConveyorConfig =>
  structuredClone({ ...DEFAULT_CONFIG, queue: { ...DEFAULT_CONFIG.queue, redis_password: SECRET_MASK } }) as ConveyorConfig;

describe('config form', () => {
  it('has a field for every setting of the schema', () => {
    const fields = new Set(ALL_FIELDS.map((f) => f.path));
    const missing = [...leafPaths('queue'), ...leafPaths('workers')].filter((p) => !fields.has(p) && p !== 'queue.tls');
    expect(missing).toEqual([]);
    const agentFields = new Set(AGENT_FIELDS.map((f) => f.path));
    expect(
      leafPaths('agents.*')
        .map((p) => p.slice('agents.*.'.length))
        .filter((p) => p !== 'kind' && !agentFields.has(p)),
    ).toEqual([]);
  });

  it('hints come from the schema', () => {
    expect(constraintHint('queue.redis_port')).toBe('integer 1–65,535 · default 6,379');
    expect(constraintHint('queue.connection_timeout')).toBe('number > 0 · default 30');
    expect(constraintHint('queue.backoff.type')).toBe('one of fixed, exponential · default exponential');
    expect(constraintHint('workers.queues')).toBe('list of at least 1 · default default');
    expect(constraintHint('agents.*.temperature')).toBe('number 0–2');
  });

  it('sends only what changed; an untouched secret is never sent', () => {
    const c = config();
    const initial = valuesFromConfig(c);
    expect(initial['queue.redis_password']).toBe('');
    const agents = agentDraftsFromConfig(c);
    expect(buildPatch(c, initial, initial, agents, agents)).toEqual({});
    const edited = { ...initial, 'queue.redis_port': '6380', 'workers.queues': 'a, b', 'queue.redis_db': '' };
    expect(buildPatch(c, initial, edited, agents, agents)).toEqual({
      queue: { redis_port: 6380, redis_db: null },
      workers: { queues: ['a', 'b'] },
    });
    expect(buildPatch(c, initial, { ...initial, 'queue.redis_password': 's3cret' }, agents, agents)).toEqual({
      queue: { redis_password: 's3cret' },
    });
    expect(buildPatch(c, initial, initial, agents, agents, new Set(['queue.redis_password']))).toEqual({ queue: { redis_password: null } });
  });

  it('edits TLS as a whole value', () => {
    const c = config();
    const initial = valuesFromConfig(c);
    const files = { ...initial, 'queue.tls': 'files', 'queue.tls.ca': 'ca.pem' };
    expect(buildPatch(c, initial, files, [], [])).toEqual({ queue: { tls: { ca: 'ca.pem', reject_unauthorized: true } } });
    expect(buildPatch(c, initial, { ...initial, 'queue.tls': 'on' }, [], [])).toEqual({ queue: { tls: true } });
  });

  it('adds, changes and removes agents', () => {
    const c = config();
    c.agents = { old: { kind: 'llm', base_url: 'http://localhost:1/v1', model: 'm' } };
    const initialAgents = agentDraftsFromConfig(c);
    const initial = valuesFromConfig(c);
    const added = [...initialAgents, { key: 'n', name: 'fresh', values: { base_url: 'https://x/v1', model: 'gpt', temperature: '0.5' } }];
    expect(buildPatch(c, initial, initial, initialAgents, added)).toEqual({
      agents: { fresh: { kind: 'llm', base_url: 'https://x/v1', model: 'gpt', temperature: 0.5 } },
    });
    const changed = [{ ...initialAgents[0]!, values: { ...initialAgents[0]!.values, model: 'm2' } }];
    expect(buildPatch(c, initial, initial, initialAgents, changed)).toEqual({ agents: { old: { model: 'm2' } } });
    expect(buildPatch(c, initial, initial, initialAgents, [])).toEqual({ agents: { old: null } });
    const renamed = [{ ...initialAgents[0]!, name: 'new' }];
    expect(buildPatch(c, initial, initial, initialAgents, renamed)).toEqual({
      agents: { old: null, new: { kind: 'llm', base_url: 'http://localhost:1/v1', model: 'm' } },
    });
  });

  it('validates with the shared parser: path and reason, as the server would', () => {
    const c = config();
    const initial = valuesFromConfig(c);
    const patch = buildPatch(c, initial, { ...initial, 'queue.redis_port': 'abc', 'queue.backoff.max_delay_ms': '10' }, [], []);
    const issues = validatePatch(c, patch);
    expect(issueFor(issues, 'queue.redis_port')).toBe('expected an integer 1-65535, got "abc"');
    expect(issueFor(issues, 'queue.backoff.max_delay_ms')).toBe('expected an integer >= delay_ms (1000), got 10');
    expect(validatePatch(c, buildPatch(c, initial, { ...initial, 'queue.redis_port': '7000' }, [], []))).toEqual([]);
    const dup = validatePatch(c, buildPatch(c, initial, { ...initial, 'workers.queues': 'a, a' }, [], []));
    expect(issueFor(dup, 'workers.queues')).toBe('duplicate queue name "a"');
  });

  it('applyPatch merges objects, removes on null, replaces the rest', () => {
    expect(applyPatch({ a: { b: 1, c: 2 }, l: [1], t: false }, { a: { b: null, d: 3 }, l: [2], t: { ca: 'x' } })).toEqual({
      a: { c: 2, d: 3 },
      l: [2],
      t: { ca: 'x' },
    });
  });
});

describe('create queue form', () => {
  it('sends only the options given, checks them like the server', () => {
    const base = { name: 'jobs', maxLength: '', maxRetries: '', backoffType: '' as const, delayMs: '', maxDelayMs: '', leaseMs: '' };
    expect(draftToOptions(base)).toEqual({ options: {}, errors: {} });
    expect(draftToOptions({ ...base, maxLength: '10', delayMs: '500' }).options).toEqual({
      maxLength: 10,
      backoff: { type: 'exponential', delayMs: 500, maxDelayMs: 60_000 },
    });
    expect(draftToOptions({ ...base, name: 'bad name' }).errors.name).toBeDefined();
    expect(draftToOptions({ ...base, leaseMs: '10' }).errors.leaseMs).toBe('Expected a whole number ≥ 1,000.');
    expect(draftToOptions({ ...base, backoffType: 'exponential', delayMs: '5000', maxDelayMs: '100' }).errors.maxDelayMs).toBeDefined();
  });
});

describe('enqueue input', () => {
  it('reads text as text and JSON as JSON', () => {
    expect(parseInput('{"a"', 'text')).toEqual({ ok: true, value: '{"a"' });
    expect(parseInput('{"a": 1}', 'json')).toEqual({ ok: true, value: { a: 1 } });
    const bad = parseInput('{"a": }', 'json');
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.message).toContain('line 1, column 7');
  });

  it('one input per non-blank line, errors by line number', () => {
    expect(parseLines('a\r\n\nb\n', 'text')).toEqual({ inputs: ['a', 'b'], errors: [] });
    const r = parseLines('1\n{x}\n"s"', 'json');
    expect(r.inputs).toEqual([1, 's']);
    expect(r.errors.map((e) => e.line)).toEqual([2]);
  });

  it('options as the contract wants them', () => {
    expect(parseOptions({ priority: '5', delayMs: '0', jobId: ' k ' })).toEqual({ options: { priority: 5, jobId: 'k' }, errors: {} });
    expect(Object.keys(parseOptions({ priority: '1.5', delayMs: '-1', jobId: 'x'.repeat(300) }).errors).sort()).toEqual([
      'delayMs',
      'jobId',
      'priority',
    ]);
  });
});

describe('bulk actions', () => {
  it('chunks ids to 10,000 per call and merges outcomes', async () => {
    const api = new FakeApi().on('jobs.retry', ({ ids }) => ({
      ok: ids.slice(1),
      failed: [{ id: ids[0]!, error: { code: 'INVALID_STATE', message: 'is active' } }],
    }));
    const ids = Array.from({ length: 25_000 }, (_, i) => String(i));
    const r = await runBulk(api, 'retry', 'q', ids);
    expect(api.callsOf('jobs.retry').length).toBe(3);
    expect(r.ok.length).toBe(24_997);
    expect(describeBulk('retry', r)).toBe('Retried 24,997 jobs. 3 refused: 0: is active; 10000: is active; 20000: is active.');
  });

  it('collects every id the filter selects, slice by slice, passing the agent to the server', async () => {
    const api = new FakeApi().on('jobs.ids', ({ cursor }) =>
      cursor === undefined ? { ids: ['1'], cursor: 'c', scanned: 5000 } : { ids: ['2'], scanned: 10 },
    );
    expect(await selectIds(api, 'q', 'waiting', 'echo')).toEqual({ ids: ['1', '2'], truncated: false });
    expect(api.callsOf('jobs.ids')).toEqual([
      { queue: 'q', state: 'waiting', agent: 'echo' },
      { queue: 'q', state: 'waiting', agent: 'echo', cursor: 'c' },
    ]);
  });

  it('offers retry for dead and cancelled, cancel for unfinished, remove for all but running jobs', () => {
    expect(stateActions('dead')).toEqual(['retry', 'remove']);
    expect(stateActions('active')).toEqual(['cancel']);
    expect(stateActions('completed')).toEqual(['remove']);
  });

  it('says why an action cannot run on the selection', () => {
    expect(selectionRefusal('remove', ['dead', 'active'])).toBe(
      '1 selected job is active: a running job cannot be removed: cancel it first',
    );
    expect(selectionRefusal('retry', ['dead', 'cancelled'])).toBeUndefined();
  });
});
