import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, LITERAL_PASSWORD_WARNING, parseConfig, type ConveyorConfig } from '../../../src-shared/config-schema';
import { ConfigError, type ConfigIssue } from '../../../src-shared/errors';

/** The issues `parseConfig` reports for `raw`; fails the test if it parses. */
function issuesOf(raw: unknown): ConfigIssue[] {
  try {
    parseConfig(raw);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).issues;
  }
  throw new Error('expected parseConfig to throw');
}

const queue = (q: Record<string, unknown>) => ({ queue: q });
const workers = (w: Record<string, unknown>) => ({ workers: w });
/** The smallest valid LLM agent. */
const LLM = { kind: 'llm', base_url: 'http://localhost:11434/v1', model: 'llama3.2' } as const;
const agent = (a: Record<string, unknown>, name = 'writer') => ({ agents: { [name]: { ...LLM, ...a } } });

describe('parseConfig: defaults', () => {
  it('gives all defaults for an empty file (null), nothing, or an empty mapping', () => {
    for (const raw of [null, undefined, {}]) {
      expect(parseConfig(raw)).toEqual({ config: DEFAULT_CONFIG, warnings: [] });
    }
  });

  it('gives all defaults for an empty queue: section', () => {
    expect(parseConfig({ queue: null }).config).toEqual(DEFAULT_CONFIG);
  });

  it('has the documented default values', () => {
    expect(DEFAULT_CONFIG).toEqual<ConveyorConfig>({
      queue: {
        redis_host: 'localhost',
        redis_port: 6379,
        redis_db: 0,
        connection_timeout: 30,
        key_prefix: 'paladin:queue',
        max_retries: 3,
        tls: false,
        max_length: 100000,
        lease_ms: 30000,
        backoff: { type: 'exponential', delay_ms: 1000, max_delay_ms: 60000 },
        retention: { completed: { count: 1000, age_s: 86400 }, dead: { count: 10000, age_s: 604800 } },
        events_max_len: 10000,
        max_payload_bytes: 1048576,
        wait_for_fsync: false,
        command_timeout_ms: 5000,
        wait_for_replicas: 0,
        wait_for_replicas_timeout_ms: 2000,
      },
      workers: {
        queues: ['default'],
        workers: 'threads',
        threads: 0,
        concurrency: 8,
        job_timeout_ms: 300000,
        kill_grace_ms: 5000,
        max_memory_mb: 512,
        shutdown_timeout_ms: 30000,
      },
      agents: {},
      metrics: { history_days: 7, rollup_days: 90 },
    });
  });

  it('fills defaults around the keys that are given, at every level', () => {
    const { config } = parseConfig(queue({ redis_port: 7000, backoff: { type: 'fixed' }, retention: { dead: { count: 5 } } }));
    expect(config.queue.redis_port).toBe(7000);
    expect(config.queue.redis_host).toBe('localhost');
    expect(config.queue.backoff).toEqual({ type: 'fixed', delay_ms: 1000, max_delay_ms: 60000 });
    expect(config.queue.retention).toEqual({ completed: { count: 1000, age_s: 86400 }, dead: { count: 5, age_s: 604800 } });
  });

  it('returns fresh objects, never the frozen defaults', () => {
    const { config } = parseConfig({});
    config.queue.backoff.delay_ms = 5;
    expect(DEFAULT_CONFIG.queue.backoff.delay_ms).toBe(1000);
    expect(Object.isFrozen(DEFAULT_CONFIG.queue.backoff)).toBe(true);
  });

  it('keeps optional connection keys absent unless given', () => {
    const q = parseConfig({}).config.queue;
    expect(q).not.toHaveProperty('redis_url');
    expect(q).not.toHaveProperty('redis_password_env');
  });
});

describe('parseConfig: constraint messages name the path, what was expected, and what was got', () => {
  const cases: Array<[string, Record<string, unknown>, ConfigIssue]> = [
    ['redis_host empty', { redis_host: '' }, { path: 'queue.redis_host', message: 'expected a non-empty string, got ""' }],
    ['redis_port not a number', { redis_port: 'abc' }, { path: 'queue.redis_port', message: 'expected an integer 1-65535, got "abc"' }],
    ['redis_port too big', { redis_port: 70000 }, { path: 'queue.redis_port', message: 'expected an integer 1-65535, got 70000' }],
    ['redis_port zero', { redis_port: 0 }, { path: 'queue.redis_port', message: 'expected an integer 1-65535, got 0' }],
    ['redis_db negative', { redis_db: -1 }, { path: 'queue.redis_db', message: 'expected an integer >= 0, got -1' }],
    [
      'connection_timeout zero',
      { connection_timeout: 0 },
      { path: 'queue.connection_timeout', message: 'expected a number of seconds > 0, got 0' },
    ],
    [
      'key_prefix empty',
      { key_prefix: '' },
      { path: 'queue.key_prefix', message: 'expected a non-empty string without "{" or "}" (the queue adds its own hash tags), got ""' },
    ],
    [
      'key_prefix with braces',
      { key_prefix: 'a{b}' },
      {
        path: 'queue.key_prefix',
        message: 'expected a non-empty string without "{" or "}" (the queue adds its own hash tags), got "a{b}"',
      },
    ],
    ['max_retries fractional', { max_retries: 1.5 }, { path: 'queue.max_retries', message: 'expected an integer >= 0, got 1.5' }],
    [
      'redis_url other scheme',
      { redis_url: 'http://x' },
      { path: 'queue.redis_url', message: 'expected a redis:// or rediss:// URL, got "http://x"' },
    ],
    [
      'redis_url with a non-numeric db',
      { redis_url: 'redis://x/abc' },
      { path: 'queue.redis_url', message: 'expected a URL whose path is empty or a db number (redis://host:6379/0), got "redis://x/abc"' },
    ],
    [
      'redis_url with port 0',
      { redis_url: 'redis://h:0' },
      { path: 'queue.redis_url', message: 'expected a URL with a port 1-65535, got "redis://h:0"' },
    ],
    ['redis_username empty', { redis_username: '' }, { path: 'queue.redis_username', message: 'expected a non-empty string, got ""' }],
    [
      'redis_password_env not a variable name',
      { redis_password_env: '1PASS' },
      {
        path: 'queue.redis_password_env',
        message: 'expected an environment variable name (letters, digits and _, not starting with a digit), got "1PASS"',
      },
    ],
    [
      'redis_password_env empty (one message, not one per failed check)',
      { redis_password_env: '' },
      {
        path: 'queue.redis_password_env',
        message: 'expected an environment variable name (letters, digits and _, not starting with a digit), got ""',
      },
    ],
    [
      'tls a string',
      { tls: 'yes' },
      { path: 'queue.tls', message: 'expected true, false or a mapping of ca, cert, key, servername, reject_unauthorized, got "yes"' },
    ],
    [
      'tls empty',
      { tls: null },
      {
        path: 'queue.tls',
        message: 'expected true, false or a mapping of ca, cert, key, servername, reject_unauthorized, got null (empty value)',
      },
    ],
    ['tls.ca not a string', { tls: { ca: 3 } }, { path: 'queue.tls.ca', message: 'expected a path to a CA certificate file, got 3' }],
    [
      'tls.reject_unauthorized not a boolean',
      { tls: { reject_unauthorized: 'no' } },
      { path: 'queue.tls.reject_unauthorized', message: 'expected true or false, got "no"' },
    ],
    ['tls.cert without key', { tls: { cert: 'c.pem' } }, { path: 'queue.tls', message: 'cert and key must be given together' }],
    ['max_length zero', { max_length: 0 }, { path: 'queue.max_length', message: 'expected an integer >= 1, got 0' }],
    ['lease_ms below a second', { lease_ms: 999 }, { path: 'queue.lease_ms', message: 'expected an integer >= 1000, got 999' }],
    [
      'backoff.type unknown',
      { backoff: { type: 'linear' } },
      { path: 'queue.backoff.type', message: 'expected "fixed" or "exponential", got "linear"' },
    ],
    [
      'backoff.delay_ms negative',
      { backoff: { delay_ms: -1 } },
      { path: 'queue.backoff.delay_ms', message: 'expected an integer >= 0, got -1' },
    ],
    [
      'backoff.max_delay_ms negative',
      { backoff: { max_delay_ms: -1 } },
      { path: 'queue.backoff.max_delay_ms', message: 'expected an integer >= 0, got -1' },
    ],
    [
      'exponential cap below the base delay',
      { backoff: { delay_ms: 5000, max_delay_ms: 100 } },
      { path: 'queue.backoff.max_delay_ms', message: 'expected an integer >= delay_ms (5000), got 100' },
    ],
    [
      'retention.completed.count negative',
      { retention: { completed: { count: -1 } } },
      { path: 'queue.retention.completed.count', message: 'expected an integer >= 0, got -1' },
    ],
    [
      'retention.completed.age_s fractional',
      { retention: { completed: { age_s: 0.5 } } },
      { path: 'queue.retention.completed.age_s', message: 'expected an integer >= 0, got 0.5' },
    ],
    [
      'retention.dead.count negative',
      { retention: { dead: { count: -1 } } },
      { path: 'queue.retention.dead.count', message: 'expected an integer >= 0, got -1' },
    ],
    [
      'retention.dead.age_s a string',
      { retention: { dead: { age_s: '7d' } } },
      { path: 'queue.retention.dead.age_s', message: 'expected an integer >= 0, got "7d"' },
    ],
    [
      'retention.dead not a mapping',
      { retention: { dead: 5 } },
      { path: 'queue.retention.dead', message: 'expected a mapping of count, age_s, got 5' },
    ],
    [
      'backoff a list',
      { backoff: [1] },
      { path: 'queue.backoff', message: 'expected a mapping of type, delay_ms, max_delay_ms, got a list' },
    ],
    ['events_max_len below 100', { events_max_len: 99 }, { path: 'queue.events_max_len', message: 'expected an integer >= 100, got 99' }],
    ['max_payload_bytes zero', { max_payload_bytes: 0 }, { path: 'queue.max_payload_bytes', message: 'expected an integer >= 1, got 0' }],
    [
      'command_timeout_ms below 100',
      { command_timeout_ms: 50 },
      { path: 'queue.command_timeout_ms', message: 'expected an integer >= 100, got 50' },
    ],
    [
      'redis_sentinels a bad node',
      { redis_sentinels: ['h'], sentinel_master: 'm' },
      { path: 'queue.redis_sentinels[0]', message: 'expected "host:port", got "h"' },
    ],
    [
      'redis_sentinels empty',
      { redis_sentinels: [], sentinel_master: 'm' },
      { path: 'queue.redis_sentinels', message: 'expected a list of at least one sentinel, got an empty list' },
    ],
    [
      'redis_sentinels without sentinel_master',
      { redis_sentinels: ['h:26379'] },
      {
        path: 'queue.sentinel_master',
        message: 'expected the master name the sentinels monitor (required with redis_sentinels), got nothing',
      },
    ],
    [
      'redis_sentinels beside redis_cluster',
      { redis_sentinels: ['h:26379'], sentinel_master: 'm', redis_cluster: ['h:7000'] },
      { path: 'queue.redis_sentinels', message: 'expected either redis_sentinels or redis_cluster, got both' },
    ],
    [
      'sentinel_master empty',
      { sentinel_master: '' },
      { path: 'queue.sentinel_master', message: 'expected the master name the sentinels monitor, got ""' },
    ],
    [
      'wait_for_replicas negative',
      { wait_for_replicas: -1 },
      { path: 'queue.wait_for_replicas', message: 'expected an integer >= 0, got -1' },
    ],
    [
      'wait_for_replicas_timeout_ms zero',
      { wait_for_replicas_timeout_ms: 0 },
      { path: 'queue.wait_for_replicas_timeout_ms', message: 'expected an integer >= 1, got 0' },
    ],
  ];
  it.each(cases)('%s', (_name, q, issue) => {
    expect(issuesOf(queue(q))).toEqual([issue]);
  });

  it('allows a fixed delay above max_delay_ms: the cap is for exponential growth', () => {
    expect(parseConfig(queue({ backoff: { type: 'fixed', delay_ms: 120000 } })).config.queue.backoff.delay_ms).toBe(120000);
  });

  it('reports a queue: that is not a mapping', () => {
    expect(issuesOf({ queue: 5 })).toEqual([
      { path: 'queue', message: expect.stringMatching(/^expected a mapping of redis_host, .*, got 5$/) },
    ]);
  });

  it('reports a top level that is not a mapping', () => {
    expect(issuesOf(['a'])).toEqual([
      { path: '', message: 'expected a mapping of queue, workers, agents, metrics, schedules, limits, got a list' },
    ]);
  });

  it('shortens long string values in messages', () => {
    const [issue] = issuesOf(queue({ redis_port: 'x'.repeat(200) }));
    expect(issue?.message.length).toBeLessThan(100);
  });
});

describe('parseConfig: secrets stay out of messages', () => {
  it('never echoes a redis_password value', () => {
    const [issue] = issuesOf(queue({ redis_password: 123456 }));
    expect(issue).toEqual({
      path: 'queue.redis_password',
      message: 'expected a non-empty string (quote it if it looks like a number), got a number',
    });
  });

  it('masks the password of an invalid redis_url', () => {
    const [issue] = issuesOf(queue({ redis_url: 'http://me:hunter2@host' }));
    expect(issue?.message).toBe('expected a redis:// or rediss:// URL, got "http://me:***@host"');
  });
});

describe('parseConfig: unknown keys', () => {
  it('reports an unknown key in queue: with its path', () => {
    expect(issuesOf(queue({ redis_prot: 6379 }))).toEqual([{ path: 'queue.redis_prot', message: 'unknown key' }]);
  });

  it('reports unknown top-level keys, including sections not supported yet', () => {
    expect(issuesOf({ web: {}, worker: {} })).toEqual([
      { path: 'web', message: 'unknown key' },
      { path: 'worker', message: 'unknown key' },
    ]);
  });

  it('reports an unknown key in workers: with its path', () => {
    expect(issuesOf({ workers: { thread: 2 } })).toEqual([{ path: 'workers.thread', message: 'unknown key' }]);
  });

  it('reports an unknown key in an agent with its path', () => {
    expect(issuesOf({ agents: { a: { ...LLM, top_p: 0.9 } } })).toEqual([{ path: 'agents.a.top_p', message: 'unknown key' }]);
  });

  it('reports unknown keys in nested sections', () => {
    expect(issuesOf(queue({ backoff: { jitter: true }, retention: { failed: {} }, tls: { verify: true } }))).toEqual([
      { path: 'queue.tls.verify', message: 'unknown key' },
      { path: 'queue.backoff.jitter', message: 'unknown key' },
      { path: 'queue.retention.failed', message: 'unknown key' },
    ]);
  });
});

describe('parseConfig: the error', () => {
  it('collects every issue, not just the first', () => {
    const issues = issuesOf(queue({ redis_port: 'abc', redis_db: -1, nope: 1, backoff: { type: 'linear' } }));
    expect(issues.map((i) => i.path)).toEqual(['queue.redis_port', 'queue.redis_db', 'queue.backoff.type', 'queue.nope']);
  });

  it('is a CONFIG_INVALID ConfigError whose message starts with the source', () => {
    try {
      parseConfig(queue({ redis_port: 'abc' }), '/etc/conveyor/config.yml');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).code).toBe('CONFIG_INVALID');
      expect((err as ConfigError).message).toBe('/etc/conveyor/config.yml: queue.redis_port: expected an integer 1-65535, got "abc"');
    }
  });
});

describe('parseConfig: valid forms', () => {
  it('accepts tls: true', () => {
    expect(parseConfig(queue({ tls: true })).config.queue.tls).toBe(true);
  });

  it('accepts tls as a mapping of files and options', () => {
    const tls = { ca: 'ca.pem', cert: 'c.pem', key: 'k.pem', servername: 'redis.internal', reject_unauthorized: true };
    expect(parseConfig(queue({ tls })).config.queue.tls).toEqual(tls);
  });

  it('accepts rediss:// URLs with credentials and a db', () => {
    expect(parseConfig(queue({ redis_url: 'rediss://u:p@h:6380/2' })).config.queue.redis_url).toBe('rediss://u:p@h:6380/2');
  });

  it('accepts a fractional connection_timeout', () => {
    expect(parseConfig(queue({ connection_timeout: 0.5 })).config.queue.connection_timeout).toBe(0.5);
  });
});

describe('parseConfig: warnings', () => {
  it('warns about a literal redis_password', () => {
    expect(parseConfig(queue({ redis_password: 's3cret' })).warnings).toEqual([LITERAL_PASSWORD_WARNING]);
  });

  it('warns that redis_password is ignored when redis_password_env is also set', () => {
    expect(parseConfig(queue({ redis_password: 's3cret', redis_password_env: 'REDIS_PW' })).warnings).toEqual([
      'queue.redis_password: ignored because queue.redis_password_env is set',
    ]);
  });

  it('warns about a password inside redis_url', () => {
    expect(parseConfig(queue({ redis_url: 'redis://:pw@h' })).warnings).toEqual([
      'queue.redis_url: a password in the URL in config.yml is readable by anyone who can read the file; use redis_password_env',
    ]);
  });

  it('warns that host, port and db are ignored when redis_url is set', () => {
    expect(parseConfig(queue({ redis_url: 'redis://h', redis_host: 'x', redis_db: 1 })).warnings).toEqual([
      'queue.redis_host, queue.redis_db: ignored because queue.redis_url is set',
    ]);
  });

  it('warns when TLS certificate checks are off', () => {
    expect(parseConfig(queue({ tls: { reject_unauthorized: false } })).warnings).toEqual([
      'queue.tls.reject_unauthorized: false disables server certificate checks; anyone on the path can impersonate Redis',
    ]);
  });
});

describe('parseConfig: workers', () => {
  it('gives all defaults for an empty workers: section', () => {
    expect(parseConfig({ workers: null }).config.workers).toEqual(DEFAULT_CONFIG.workers);
  });

  it('fills defaults around the keys that are given', () => {
    const { config } = parseConfig(workers({ queues: ['emails', 'reports.daily'], threads: 4 }));
    expect(config.workers).toEqual({ ...DEFAULT_CONFIG.workers, queues: ['emails', 'reports.daily'], threads: 4 });
  });

  it('keeps agents_dir absent unless given', () => {
    expect(parseConfig({}).config.workers).not.toHaveProperty('agents_dir');
  });

  it('keeps agents_dir as written: resolving it against the config folder is for whoever loads the agents', () => {
    expect(parseConfig(workers({ agents_dir: './agents' })).config.workers.agents_dir).toBe('./agents');
  });

  it('returns a fresh default queue list', () => {
    const { config } = parseConfig({});
    config.workers.queues.push('x');
    expect(DEFAULT_CONFIG.workers.queues).toEqual(['default']);
    expect(parseConfig({}).config.workers.queues).toEqual(['default']);
  });

  const cases: Array<[string, Record<string, unknown>, ConfigIssue]> = [
    ['queues a string', { queues: 'default' }, { path: 'workers.queues', message: 'expected a list of queue names, got "default"' }],
    ['queues empty', { queues: [] }, { path: 'workers.queues', message: 'expected a list of at least one queue name, got an empty list' }],
    [
      'a queue name with a space',
      { queues: ['ok', 'not ok'] },
      { path: 'workers.queues[1]', message: 'expected a queue name (1-100 letters, digits, ".", "_" or "-"), got "not ok"' },
    ],
    [
      'a queue name empty',
      { queues: [''] },
      { path: 'workers.queues[0]', message: 'expected a queue name (1-100 letters, digits, ".", "_" or "-"), got ""' },
    ],
    [
      'a queue name too long',
      { queues: ['q'.repeat(101)] },
      { path: 'workers.queues[0]', message: expect.stringMatching(/^expected a queue name \(1-100 letters, .*\), got "q+…"$/) as string },
    ],
    [
      'a queue name a number',
      { queues: [7] },
      { path: 'workers.queues[0]', message: 'expected a queue name (1-100 letters, digits, ".", "_" or "-"), got 7' },
    ],
    ['a queue listed twice', { queues: ['a', 'b', 'a'] }, { path: 'workers.queues[2]', message: 'duplicate queue name "a"' }],
    ['threads negative', { threads: -1 }, { path: 'workers.threads', message: 'expected an integer >= 0, got -1' }],
    ['threads fractional', { threads: 1.5 }, { path: 'workers.threads', message: 'expected an integer >= 0, got 1.5' }],
    [
      'workers not an execution mode',
      { workers: 'process' },
      { path: 'workers.workers', message: 'expected threads or inline, got "process"' },
    ],
    ['concurrency zero', { concurrency: 0 }, { path: 'workers.concurrency', message: 'expected an integer 1-1000, got 0' }],
    ['concurrency too big', { concurrency: 1001 }, { path: 'workers.concurrency', message: 'expected an integer 1-1000, got 1001' }],
    ['job_timeout_ms zero', { job_timeout_ms: 0 }, { path: 'workers.job_timeout_ms', message: 'expected an integer >= 1, got 0' }],
    ['kill_grace_ms negative', { kill_grace_ms: -5 }, { path: 'workers.kill_grace_ms', message: 'expected an integer >= 0, got -5' }],
    ['max_memory_mb below 16', { max_memory_mb: 8 }, { path: 'workers.max_memory_mb', message: 'expected an integer >= 16, got 8' }],
    [
      'max_memory_mb a string',
      { max_memory_mb: '512MB' },
      { path: 'workers.max_memory_mb', message: 'expected an integer >= 16, got "512MB"' },
    ],
    [
      'shutdown_timeout_ms negative',
      { shutdown_timeout_ms: -1 },
      { path: 'workers.shutdown_timeout_ms', message: 'expected an integer >= 0, got -1' },
    ],
    [
      'agents_dir empty',
      { agents_dir: '' },
      { path: 'workers.agents_dir', message: 'expected a path to a folder of agent modules, got ""' },
    ],
  ];
  it.each(cases)('%s', (_name, w, issue) => {
    expect(issuesOf(workers(w))).toEqual([issue]);
  });

  it('accepts zero threads (one per core), zero grace and zero shutdown timeout', () => {
    const { config } = parseConfig(workers({ threads: 0, kill_grace_ms: 0, shutdown_timeout_ms: 0 }));
    expect(config.workers).toMatchObject({ threads: 0, kill_grace_ms: 0, shutdown_timeout_ms: 0 });
  });

  it('accepts workers: inline (agents on the main thread)', () => {
    expect(parseConfig(workers({ workers: 'inline' })).config.workers.workers).toBe('inline');
  });

  it('reports a workers: that is not a mapping', () => {
    expect(issuesOf({ workers: 4 })).toEqual([
      { path: 'workers', message: expect.stringMatching(/^expected a mapping of queues, threads, .*agents_dir, prefetch, got 4$/) },
    ]);
  });
});

describe('parseConfig: agents', () => {
  it('gives no agents for an empty agents: section', () => {
    expect(parseConfig({ agents: null }).config.agents).toEqual({});
  });

  it('accepts the smallest LLM agent and keeps its optional keys absent', () => {
    expect(parseConfig({ agents: { 'summarizer-llm': LLM } }).config.agents).toEqual({ 'summarizer-llm': LLM });
  });

  it('accepts every LLM agent setting', () => {
    const full = {
      ...LLM,
      base_url: 'https://api.openai.com/v1',
      api_key_env: 'OPENAI_API_KEY',
      system: 'Be brief.',
      temperature: 0.2,
      max_tokens: 512,
      timeout_ms: 120000,
      description: 'Summarizes with GPT',
    };
    expect(parseConfig({ agents: { gpt: full } }).config.agents).toEqual({ gpt: full });
  });

  it('accepts several agents, keeping their order', () => {
    const { config } = parseConfig({ agents: { b: LLM, a: LLM, 'c.v2': LLM } });
    expect(Object.keys(config.agents)).toEqual(['b', 'a', 'c.v2']);
  });

  const cases: Array<[string, Record<string, unknown>, ConfigIssue]> = [
    [
      'base_url missing',
      { base_url: undefined },
      { path: 'agents.writer.base_url', message: 'expected an http:// or https:// URL, got nothing' },
    ],
    [
      'base_url another scheme',
      { base_url: 'ftp://models.local' },
      { path: 'agents.writer.base_url', message: 'expected an http:// or https:// URL, got "ftp://models.local"' },
    ],
    [
      'base_url not a URL',
      { base_url: 'localhost:11434' },
      { path: 'agents.writer.base_url', message: 'expected an http:// or https:// URL, got "localhost:11434"' },
    ],
    ['model missing', { model: undefined }, { path: 'agents.writer.model', message: 'expected a model name, got nothing' }],
    ['model empty', { model: '' }, { path: 'agents.writer.model', message: 'expected a model name, got ""' }],
    ['temperature above 2', { temperature: 2.5 }, { path: 'agents.writer.temperature', message: 'expected a number 0-2, got 2.5' }],
    ['temperature negative', { temperature: -0.1 }, { path: 'agents.writer.temperature', message: 'expected a number 0-2, got -0.1' }],
    ['temperature a string', { temperature: 'low' }, { path: 'agents.writer.temperature', message: 'expected a number 0-2, got "low"' }],
    ['max_tokens zero', { max_tokens: 0 }, { path: 'agents.writer.max_tokens', message: 'expected an integer >= 1, got 0' }],
    ['timeout_ms fractional', { timeout_ms: 1.5 }, { path: 'agents.writer.timeout_ms', message: 'expected an integer >= 1, got 1.5' }],
    ['system empty', { system: '' }, { path: 'agents.writer.system', message: 'expected a system prompt (a non-empty string), got ""' }],
    ['description a number', { description: 5 }, { path: 'agents.writer.description', message: 'expected a non-empty string, got 5' }],
    ['kind unknown', { kind: 'python' }, { path: 'agents.writer.kind', message: 'expected "llm", got "python"' }],
    ['kind missing', { kind: undefined }, { path: 'agents.writer.kind', message: 'expected "llm", got nothing' }],
  ];
  it.each(cases)('%s', (_name, a, issue) => {
    expect(issuesOf(agent(a))).toEqual([issue]);
  });

  it('reports an agent name that is not 1-100 letters, digits, ".", "_" or "-"', () => {
    expect(issuesOf(agent({}, 'my agent'))).toEqual([
      { path: 'agents.my agent', message: 'expected an agent name (1-100 letters, digits, ".", "_" or "-"), got "my agent"' },
    ]);
  });

  it('reports an agent that is not a mapping', () => {
    expect(issuesOf({ agents: { writer: 'llm' } })).toEqual([
      { path: 'agents.writer', message: 'expected a mapping with kind: "llm" and its settings, got "llm"' },
    ]);
  });

  it('reports an agent left empty', () => {
    expect(issuesOf({ agents: { writer: null } })).toEqual([
      { path: 'agents.writer', message: 'expected a mapping with kind: "llm" and its settings, got null (empty value)' },
    ]);
  });

  it('reports an agents: that is a list', () => {
    expect(issuesOf({ agents: [LLM] })).toEqual([
      { path: 'agents', message: 'expected a mapping of agent names to agent settings, got a list' },
    ]);
  });

  it('never echoes an api_key_env value, which may be the key pasted by mistake', () => {
    expect(issuesOf(agent({ api_key_env: 'sk-proj-abc123' }))).toEqual([
      {
        path: 'agents.writer.api_key_env',
        message:
          'expected an environment variable name (letters, digits and _, not starting with a digit); the name of the variable holding the key, not the key, got a string',
      },
    ]);
  });

  it('masks a password in an invalid base_url', () => {
    const [issue] = issuesOf(agent({ base_url: 'ftp://me:hunter2@models' }));
    expect(issue?.message).toBe('expected an http:// or https:// URL, got "ftp://me:***@models"');
  });

  it('warns when an API key would go over plain http to another machine', () => {
    expect(parseConfig(agent({ base_url: 'http://gpu-box:8000/v1', api_key_env: 'KEY' })).warnings).toEqual([
      'agents.writer.base_url: the API key would cross the network unencrypted over http://; use https://',
    ]);
  });

  it('does not warn about plain http to this machine, or without a key', () => {
    expect(parseConfig(agent({ base_url: 'http://127.0.0.1:8000/v1', api_key_env: 'KEY' })).warnings).toEqual([]);
    expect(parseConfig(agent({ base_url: 'http://[::1]:8000/v1', api_key_env: 'KEY' })).warnings).toEqual([]);
    expect(parseConfig(agent({ base_url: 'http://gpu-box:8000/v1' })).warnings).toEqual([]);
  });
});
