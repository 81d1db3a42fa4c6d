/**
 * The config.yml contract: the zod schema, the resolved types, the defaults,
 * and `parseConfig`, which turns raw YAML data into a config or a
 * `ConfigError` listing every problem in human words.
 *
 * Pure (no Node imports) so the renderer's config editor can validate too.
 * Keys mirror the YAML (snake_case) so a path in an error message is the path
 * the user types.
 */
import { type LimitsConfig, limitsConfigSchema } from './limits-schema';
import { z } from 'zod';
import { NAME_PATTERN, NAME_RULE, redactUrl } from './names';
import { ConfigError, type ConfigIssue } from './errors';

// ---------------------------------------------------------------------------
// Resolved types (what the rest of the code reads; every default filled in)
// ---------------------------------------------------------------------------

export type BackoffType = 'fixed' | 'exponential';

export interface BackoffConfig {
  /** `fixed`: always `delay_ms`; `exponential`: `delay_ms * 2^(attempt-1)`, capped at `max_delay_ms`. */
  type: BackoffType;
  delay_ms: number;
  max_delay_ms: number;
}

export interface RetentionRule {
  /** Keep at most this many jobs (0: keep none). */
  count: number;
  /** Drop jobs older than this many seconds (0: no age limit). */
  age_s: number;
}

export interface RetentionConfig {
  completed: RetentionRule;
  dead: RetentionRule;
}

/** TLS options as written in config.yml: file paths, not contents. */
export interface TlsFileConfig {
  ca?: string;
  cert?: string;
  key?: string;
  servername?: string;
  reject_unauthorized?: boolean;
}

export type RedisClusterNode = string | { host: string; port: number };

export interface QueueConfig {
  redis_host: string;
  redis_port: number;
  redis_db: number;
  /** Seconds. */
  connection_timeout: number;
  /** Prefix of every Redis key; the queue adds its own `{hash tags}`. */
  key_prefix: string;
  /** Retries after the first attempt. */
  max_retries: number;
  /** `redis://` or `rediss://`; overrides host, port and db when set. */
  redis_url?: string;
  redis_username?: string;
  /** Name of the environment variable holding the password. */
  redis_password_env?: string;
  /** Literal password: accepted, but warned about. */
  redis_password?: string;
  tls: boolean | TlsFileConfig;
  /**
   * Seed nodes of a Redis Cluster (`"host:port"` or `{host, port}`); when set,
   * the queue talks to the cluster instead of host/port/redis_url, with the
   * same username, password and TLS settings.
   */
  redis_cluster?: RedisClusterNode[];
  /** Default cap of a queue (waiting + delayed jobs). */
  max_length: number;
  lease_ms: number;
  backoff: BackoffConfig;
  retention: RetentionConfig;
  events_max_len: number;
  max_payload_bytes: number;
  /**
   * An enqueue resolves only once Redis has fsynced it to its append-only
   * file: WAITAOF on Redis >= 7.2, else the server must run `appendfsync always`.
   */
  wait_for_fsync: boolean;
  /**
   * Deadline of every Redis command, in ms; a blocking one (BZPOPMIN, XREAD
   * BLOCK, WAIT) gets its block time on top. A missed deadline fails the call
   * with RedisUnavailableError and re-establishes the connection.
   */
  command_timeout_ms: number;
  /**
   * Redis Sentinels (`"host:port"` or `{host, port}`) that know the primary
   * named `sentinel_master`; when set, the queue asks them where the primary is
   * and follows a failover (instead of host/port/redis_url).
   */
  redis_sentinels?: RedisClusterNode[];
  /** The master name the sentinels monitor; required with `redis_sentinels`. */
  sentinel_master?: string;
  /** An enqueue resolves only once this many replicas have it (WAIT); 0: do not wait. */
  wait_for_replicas: number;
  /** How long an enqueue waits for those replicas before it fails with RedisUnavailableError. */
  wait_for_replicas_timeout_ms: number;
}

export interface WorkersConfig {
  /** Queues this worker takes jobs from. */
  queues: string[];
  /**
   * Where agents run: `threads` (worker threads, isolated) or `inline` (on
   * the worker's main thread, for I/O-bound agents; `threads` and
   * `max_memory_mb` are then ignored).
   */
  workers: 'threads' | 'inline';
  /** Worker threads; 0 means one per CPU core (resolved when the pool starts). */
  threads: number;
  /** Async jobs per thread. */
  concurrency: number;
  /** A job still running after this long is aborted. */
  job_timeout_ms: number;
  /** How long an aborted job may take to stop before its thread is terminated. */
  kill_grace_ms: number;
  /** Old-generation heap limit of each thread, in MiB. */
  max_memory_mb: number;
  /** How long a graceful shutdown waits for running jobs. */
  shutdown_timeout_ms: number;
  /** Folder of agent modules; relative to the config file's folder. */
  agents_dir?: string;
  /**
   * Jobs a pool leases ahead of a free slot; unset: as many as its slots get
   * through in about 20 ms at the jobs' average run time. 0 turns it off.
   */
  prefetch?: number;
}

/** An agent backed by any OpenAI-compatible chat-completions API. */
export interface LlmAgentConfig {
  kind: 'llm';
  /** e.g. `http://localhost:11434/v1`; the agent POSTs to `{base_url}/chat/completions`. */
  base_url: string;
  model: string;
  /** Name of the environment variable holding the API key (never the key itself). */
  api_key_env?: string;
  /** System prompt. */
  system?: string;
  temperature?: number;
  max_tokens?: number;
  /** Whole-request limit, on top of the job's own timeout. */
  timeout_ms?: number;
  description?: string;
}

/** One agent defined in config.yml; a union on `kind` so more kinds can come. */
export type AgentConfig = LlmAgentConfig;

/** Agent name → its definition. */
export type AgentsConfig = Record<string, AgentConfig>;

/** One entry of config.yml's `schedules:` (see src-shared/schedule.ts for the fields' meaning). */
export interface ScheduleConfig {
  id: string;
  queue: string;
  agent: string;
  input?: unknown;
  cron?: string;
  tz?: string;
  every?: string | number;
  start?: string | number;
  end?: string | number;
  catch_up?: 'skip' | 'once' | 'each';
  catch_up_limit?: number;
  paused?: boolean;
  priority?: number;
  max_retries?: number;
  timeout_ms?: number;
}

/** The metrics history Redis keeps (README, Observability). */
export interface MetricsConfig {
  /** Days the per-minute history is kept. */
  history_days: number;
  /** Days its hourly roll-ups are kept. */
  rollup_days: number;
}

export interface ConveyorConfig {
  queue: QueueConfig;
  workers: WorkersConfig;
  agents: AgentsConfig;
  metrics: MetricsConfig;
  /** Upserted by every worker and serve process at start; schedules not listed here are left alone. */
  schedules?: ScheduleConfig[];
  /** Rate, concurrency and points limits per queue, applied (upserted) when a worker or the control center starts (issue #18). */
  limits?: LimitsConfig | undefined;
}

// ---------------------------------------------------------------------------
// Defaults
// ---------------------------------------------------------------------------

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** Frozen: `parseConfig` always returns fresh objects, so nobody mutates these by accident. */
export const DEFAULT_CONFIG: ConveyorConfig = deepFreeze({
  queue: {
    redis_host: 'localhost',
    redis_port: 6379,
    redis_db: 0,
    connection_timeout: 30,
    key_prefix: 'paladin:queue',
    max_retries: 3,
    tls: false,
    max_length: 100_000,
    lease_ms: 30_000,
    backoff: { type: 'exponential', delay_ms: 1000, max_delay_ms: 60_000 },
    retention: {
      completed: { count: 1000, age_s: 86_400 },
      dead: { count: 10_000, age_s: 604_800 },
    },
    events_max_len: 10_000,
    max_payload_bytes: 1_048_576,
    wait_for_fsync: false,
    command_timeout_ms: 5_000,
    wait_for_replicas: 0,
    wait_for_replicas_timeout_ms: 2_000,
  },
  workers: {
    queues: ['default'],
    workers: 'threads',
    threads: 0,
    concurrency: 8,
    job_timeout_ms: 300_000,
    kill_grace_ms: 5_000,
    max_memory_mb: 512,
    shutdown_timeout_ms: 30_000,
  },
  agents: {},
  metrics: { history_days: 7, rollup_days: 90 },
});

/** Queue names and agent names: what fits in a Redis key and a log line unquoted. */
export { NAME_PATTERN, redactUrl } from './names';

/** Shared with connection-settings, which repeats them when such a password is actually used. */
export const LITERAL_PASSWORD_WARNING =
  'queue.redis_password: a literal password in config.yml is readable by anyone who can read the file; use redis_password_env';
export const URL_PASSWORD_WARNING =
  'queue.redis_url: a password in the URL in config.yml is readable by anyone who can read the file; use redis_password_env';

// ---------------------------------------------------------------------------
// Schema building blocks. Each leaf carries its own "expected ..." phrase, so
// every failure on it reads `expected <phrase>, got <value>`.
// ---------------------------------------------------------------------------

/** How a got-value is shown: strings JSON-quoted (and shortened), containers by kind. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') {
    const quoted = JSON.stringify(value);
    return quoted.length > 62 ? `${quoted.slice(0, 58)}…"` : quoted;
  }
  if (value === undefined) return 'nothing';
  if (value === null) return 'null (empty value)';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : 'a list';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}

/** Like `describeValue` but never the value itself: for secrets. */
function kindOf(value: unknown): string {
  if (value === '') return 'an empty string';
  if (value === null || value === undefined || Array.isArray(value) || typeof value === 'object') return describeValue(value);
  return typeof value === 'boolean' ? 'a boolean' : `a ${typeof value}`;
}

type ErrorFn = (issue: { input?: unknown }) => string;

const expected =
  (what: string, show: (v: unknown) => string = describeValue): ErrorFn =>
  (issue) =>
    `expected ${what}, got ${show(issue.input)}`;

function integer(min: number, max?: number) {
  const error = expected(max === undefined ? `an integer >= ${min}` : `an integer ${min}-${max}`);
  const schema = z.int({ error }).min(min, { error });
  return max === undefined ? schema : schema.max(max, { error });
}

/** One phrase for every way a string can fail, so `""` or a bad pattern reads the same as a wrong type. */
function nonEmptyString(what = 'a non-empty string', opts: { pattern?: RegExp; show?: (v: unknown) => string } = {}) {
  const error = expected(what, opts.show);
  const schema = z.string({ error }).min(1, { error });
  return opts.pattern ? schema.regex(opts.pattern, { error }) : schema;
}

const boolean = () => z.boolean({ error: expected('true or false') });

/** A mapping whose keys are all known; a missing or empty (`key:` with no value) section means "all defaults". */
function section<Shape extends z.core.$ZodLooseShape>(shape: Shape) {
  return z.preprocess((v) => v ?? {}, z.strictObject(shape, { error: expected(`a mapping of ${Object.keys(shape).join(', ')}`) }));
}

/** A URL may carry a password: never echo it back. */

export interface RedisUrlParts {
  /** rediss:// */
  tls: boolean;
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
}

/**
 * Parse `redis://[user[:password]@]host[:port][/db]` (or rediss://). On
 * failure, `expected` says what a valid value looks like. Shared by the
 * schema and by connection-settings (for env REDIS_URL) so both agree.
 */
export function tryParseRedisUrl(url: string): { ok: true; parts: RedisUrlParts } | { ok: false; expected: string } {
  if (!/^rediss?:\/\//i.test(url) || !URL.canParse(url)) return { ok: false, expected: 'a redis:// or rediss:// URL' };
  const u = new URL(url);
  const db = /^\/?(\d*)$/.exec(u.pathname);
  if (!db) return { ok: false, expected: 'a URL whose path is empty or a db number (redis://host:6379/0)' };
  const port = u.port === '' ? 6379 : Number(u.port);
  if (port < 1) return { ok: false, expected: 'a URL with a port 1-65535' };
  const parts: RedisUrlParts = {
    tls: u.protocol.toLowerCase() === 'rediss:',
    // URL keeps IPv6 brackets ("[::1]"); clients want the bare address.
    host: u.hostname.replace(/^\[(.*)\]$/, '$1') || 'localhost',
    port,
    db: db[1] ? Number(db[1]) : 0,
  };
  if (u.username) parts.username = decodeURIComponent(u.username);
  if (u.password) parts.password = decodeURIComponent(u.password);
  return { ok: true, parts };
}

const redisUrl = z.string({ error: expected('a redis:// or rediss:// URL') }).check((ctx) => {
  const parsed = tryParseRedisUrl(ctx.value);
  if (!parsed.ok) {
    const message = `expected ${parsed.expected}, got ${describeValue(redactUrl(ctx.value))}`;
    ctx.issues.push({ code: 'custom', input: ctx.value, message });
  }
});

const KEY_PREFIX = 'a non-empty string without "{" or "}" (the queue adds its own hash tags)';
const ENV_NAME = 'an environment variable name (letters, digits and _, not starting with a digit)';
const ENV_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

// Not a `section`: an empty `tls:` is more likely a mistake than a request for TLS with all defaults.
const tlsFiles = z
  .strictObject(
    {
      ca: nonEmptyString('a path to a CA certificate file').optional(),
      cert: nonEmptyString('a path to a client certificate file').optional(),
      key: nonEmptyString('a path to a client key file').optional(),
      servername: nonEmptyString().optional(),
      reject_unauthorized: boolean().optional(),
    },
    { error: expected('a mapping of ca, cert, key, servername, reject_unauthorized') },
  )
  .check((ctx) => {
    // A client certificate is useless without its key and vice versa; fail here rather than in the TLS handshake.
    if ((ctx.value.cert === undefined) !== (ctx.value.key === undefined)) {
      ctx.issues.push({ code: 'custom', input: ctx.value, message: 'cert and key must be given together' });
    }
  });

const D = DEFAULT_CONFIG.queue;

/** A list of `"host:port"` or `{host, port}`: a cluster's seed nodes, or the sentinels. */
const seedNodes = (what: string) =>
  z
    .array(
      z.union(
        [
          nonEmptyString('"host:port"', { pattern: /^(\[[^\]]+\]|[^:\s]+):\d{1,5}$/ }),
          z.strictObject({ host: nonEmptyString(), port: integer(1, 65535) }, { error: expected('a mapping of host, port') }),
        ],
        { error: expected('"host:port" or a mapping of host, port') },
      ),
      { error: expected(`a list of ${what}s ("host:port" or {host, port})`) },
    )
    .min(1, { error: expected(`a list of at least one ${what}`) });

const backoff = section({
  type: z.enum(['fixed', 'exponential'], { error: expected('"fixed" or "exponential"') }).default(D.backoff.type),
  delay_ms: integer(0).default(D.backoff.delay_ms),
  max_delay_ms: integer(0).default(D.backoff.max_delay_ms),
}).check((ctx) => {
  // Only exponential growth is capped; a fixed delay above the cap is legitimate.
  // Skipped when a field is already invalid, so one mistake gives one message.
  const b = ctx.value;
  if (ctx.issues.length === 0 && b.type === 'exponential' && b.max_delay_ms < b.delay_ms) {
    ctx.issues.push({
      code: 'custom',
      input: b.max_delay_ms,
      path: ['max_delay_ms'],
      message: `expected an integer >= delay_ms (${b.delay_ms}), got ${b.max_delay_ms}`,
    });
  }
});

const retentionRule = (d: RetentionRule) => section({ count: integer(0).default(d.count), age_s: integer(0).default(d.age_s) });

const queue = section({
  redis_host: nonEmptyString().default(D.redis_host),
  redis_port: integer(1, 65535).default(D.redis_port),
  redis_db: integer(0).default(D.redis_db),
  connection_timeout: z
    .number({ error: expected('a number of seconds > 0') })
    .gt(0, { error: expected('a number of seconds > 0') })
    .default(D.connection_timeout),
  key_prefix: nonEmptyString(KEY_PREFIX, { pattern: /^[^{}]*$/ }).default(D.key_prefix),
  max_retries: integer(0).default(D.max_retries),
  redis_url: redisUrl.optional(),
  redis_username: nonEmptyString().optional(),
  redis_password_env: nonEmptyString(ENV_NAME, { pattern: ENV_PATTERN }).optional(),
  // Never show the value: it is a password.
  redis_password: nonEmptyString('a non-empty string (quote it if it looks like a number)', { show: kindOf }).optional(),
  tls: z
    .union([boolean(), tlsFiles], {
      error: expected('true, false or a mapping of ca, cert, key, servername, reject_unauthorized'),
    })
    .default(D.tls),
  redis_cluster: seedNodes('seed node').optional(),
  max_length: integer(1).default(D.max_length),
  lease_ms: integer(1000).default(D.lease_ms),
  backoff,
  retention: section({
    completed: retentionRule(D.retention.completed),
    dead: retentionRule(D.retention.dead),
  }),
  events_max_len: integer(100).default(D.events_max_len),
  max_payload_bytes: integer(1).default(D.max_payload_bytes),
  wait_for_fsync: boolean().default(D.wait_for_fsync),
  command_timeout_ms: integer(100).default(D.command_timeout_ms),
  redis_sentinels: seedNodes('sentinel').optional(),
  sentinel_master: nonEmptyString('the master name the sentinels monitor').optional(),
  wait_for_replicas: integer(0).default(D.wait_for_replicas),
  wait_for_replicas_timeout_ms: integer(1).default(D.wait_for_replicas_timeout_ms),
}).check((ctx) => {
  // Cross-field rules, skipped when a field is already invalid (one mistake, one message).
  const q = ctx.value;
  if (ctx.issues.length > 0) return;
  if (q.redis_sentinels !== undefined && q.sentinel_master === undefined) {
    ctx.issues.push({
      code: 'custom',
      input: undefined,
      path: ['sentinel_master'],
      message: 'expected the master name the sentinels monitor (required with redis_sentinels), got nothing',
    });
  }
  if (q.redis_sentinels !== undefined && q.redis_cluster !== undefined) {
    ctx.issues.push({
      code: 'custom',
      input: q.redis_sentinels,
      path: ['redis_sentinels'],
      message: 'expected either redis_sentinels or redis_cluster, got both',
    });
  }
});

const W = DEFAULT_CONFIG.workers;

const queueNames = z
  .array(nonEmptyString(`a queue name (${NAME_RULE})`, { pattern: NAME_PATTERN }), {
    error: expected('a list of queue names'),
  })
  .min(1, { error: expected('a list of at least one queue name') })
  .check((ctx) => {
    ctx.value.forEach((name, i) => {
      if (ctx.value.indexOf(name) !== i) {
        ctx.issues.push({ code: 'custom', input: name, path: [i], message: `duplicate queue name ${describeValue(name)}` });
      }
    });
  });

const workers = section({
  queues: queueNames.default(() => [...W.queues]),
  threads: integer(0).default(W.threads),
  workers: z.enum(['threads', 'inline'], { error: expected('threads or inline') }).default(W.workers),
  concurrency: integer(1, 1000).default(W.concurrency),
  job_timeout_ms: integer(1).default(W.job_timeout_ms),
  kill_grace_ms: integer(0).default(W.kill_grace_ms),
  max_memory_mb: integer(16).default(W.max_memory_mb),
  shutdown_timeout_ms: integer(0).default(W.shutdown_timeout_ms),
  agents_dir: nonEmptyString('a path to a folder of agent modules').optional(),
  prefetch: integer(0).optional(),
});

const HTTP_URL = 'an http:// or https:// URL';
const httpUrl = z.string({ error: expected(HTTP_URL) }).check((ctx) => {
  if (!/^https?:\/\/[^/]/i.test(ctx.value) || !URL.canParse(ctx.value)) {
    ctx.issues.push({ code: 'custom', input: ctx.value, message: `expected ${HTTP_URL}, got ${describeValue(redactUrl(ctx.value))}` });
  }
});

const llmAgent = z.strictObject({
  kind: z.literal('llm'),
  base_url: httpUrl,
  model: nonEmptyString('a model name'),
  // Someone may paste the key itself here: never echo what failed.
  api_key_env: nonEmptyString(`${ENV_NAME}; the name of the variable holding the key, not the key`, {
    pattern: ENV_PATTERN,
    show: kindOf,
  }).optional(),
  system: nonEmptyString('a system prompt (a non-empty string)').optional(),
  temperature: z
    .number({ error: expected('a number 0-2') })
    .min(0, { error: expected('a number 0-2') })
    .max(2, { error: expected('a number 0-2') })
    .optional(),
  max_tokens: integer(1).optional(),
  timeout_ms: integer(1).optional(),
  description: nonEmptyString().optional(),
});

const AGENT_KINDS = '"llm"';
const agentConfig = z.discriminatedUnion('kind', [llmAgent], {
  error: (issue) => {
    const input = issue.input;
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      return `expected a mapping with kind: ${AGENT_KINDS} and its settings, got ${describeValue(input)}`;
    }
    // No option matched the discriminator; the issue's path already ends in `kind`.
    return `expected ${AGENT_KINDS}, got ${describeValue((input as { kind?: unknown }).kind)}`;
  },
});

const agents = z.preprocess(
  (v) => v ?? {},
  z.record(z.string().regex(NAME_PATTERN), agentConfig, {
    error: (issue) =>
      issue.code === 'invalid_key'
        ? `expected an agent name (${NAME_RULE}), got ${describeValue(issue.input)}`
        : `expected a mapping of agent names to agent settings, got ${describeValue(issue.input)}`,
  }),
);

const scheduleEntry = z.strictObject(
  {
    id: nonEmptyString(`a schedule id (${NAME_RULE})`, { pattern: NAME_PATTERN }),
    queue: nonEmptyString(`a queue name (${NAME_RULE})`, { pattern: NAME_PATTERN }),
    agent: nonEmptyString(`an agent name (${NAME_RULE})`, { pattern: NAME_PATTERN }),
    input: z.unknown().optional(),
    cron: nonEmptyString('a cron expression, 5 fields ("0 9 * * 1-5") or 6 with seconds first').optional(),
    tz: nonEmptyString('an IANA time zone such as "Europe/Berlin"').optional(),
    every: z
      .union(
        [integer(1000), nonEmptyString('a duration such as "30s", "5m", "1h", "1d" (at least 1s)', { pattern: /^\d+(ms|s|m|h|d)$/ })],
        {
          error: expected('a duration such as "30s", "5m", "1h", "1d", or a number of ms (at least 1000)'),
        },
      )
      .optional(),
    start: z.union([integer(0), nonEmptyString()], { error: expected('an ISO 8601 date or ms since the epoch') }).optional(),
    end: z.union([integer(0), nonEmptyString()], { error: expected('an ISO 8601 date or ms since the epoch') }).optional(),
    catch_up: z.enum(['skip', 'once', 'each'], { error: expected('skip, once or each') }).optional(),
    catch_up_limit: integer(1, 1000).optional(),
    paused: boolean().optional(),
    priority: integer(-1_000_000, 1_000_000).optional(),
    max_retries: integer(0).optional(),
    timeout_ms: integer(1).optional(),
  },
  { error: expected('a mapping with id, queue, agent and cron or every') },
);

// An empty `schedules:` (every entry commented out) is none.
const schedules = z.preprocess(
  (v) => (v === null ? undefined : v),
  z
    .array(scheduleEntry, { error: expected('a list of schedules') })
    .optional()
    .check((ctx) => {
      const seen = new Set<string>();
      for (const [i, e] of (ctx.value ?? []).entries()) {
        if ((e.cron === undefined) === (e.every === undefined)) {
          ctx.issues.push({ code: 'custom', input: e, path: [i], message: 'expected exactly one of cron and every' });
        }
        const key = `${e.queue}\u0000${e.id}`;
        if (seen.has(key)) {
          ctx.issues.push({
            code: 'custom',
            input: e.id,
            path: [i, 'id'],
            message: `expected a unique id per queue, got "${e.id}" twice on "${e.queue}"`,
          });
        }
        seen.add(key);
      }
    }),
);

const M = DEFAULT_CONFIG.metrics;
const metrics = section({
  history_days: integer(1, 3650).default(M.history_days),
  rollup_days: integer(1, 3650).default(M.rollup_days),
});

export const configSchema = z.strictObject(
  { queue, workers, agents, metrics, schedules, limits: limitsConfigSchema.optional() },
  { error: expected('a mapping of queue, workers, agents, metrics, schedules, limits') },
);

// The hand-written interfaces document the fields; this keeps them equal to what the schema produces.
type Equal<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemaMatchesTypes: Equal<z.output<typeof configSchema>, ConveyorConfig> = true;
void schemaMatchesTypes;

// ---------------------------------------------------------------------------
// Issues → human messages
// ---------------------------------------------------------------------------

function formatPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
}

function toIssues(zodIssues: readonly z.core.$ZodIssue[]): ConfigIssue[] {
  // Two checks failing on one value (e.g. "" is both too short and off-pattern) share one phrase: say it once.
  const seen = new Set<string>();
  return flatten(zodIssues).filter((i) => {
    const key = `${i.path}\0${i.message}`;
    return seen.has(key) ? false : (seen.add(key), true);
  });
}

function flatten(zodIssues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[] = []): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of zodIssues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ path: formatPath([...path, key]), message: 'unknown key' });
    } else if (issue.code === 'invalid_union') {
      // Report from the branch whose type matched (e.g. tls given as a mapping),
      // so the user sees `queue.tls.ca: ...` instead of "matches no option".
      const matched = issue.errors.filter((branch) => !branch.some((i) => i.code === 'invalid_type' && i.path.length === 0));
      const only = matched.length === 1 ? matched[0] : undefined;
      if (only) out.push(...flatten(only, path));
      else out.push({ path: formatPath(path), message: issue.message });
    } else {
      out.push({ path: formatPath(path), message: issue.message });
    }
  }
  return out;
}

/** http:// to anything but this machine. */
function isPlainHttpToRemote(url: string): boolean {
  const u = new URL(url);
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  return u.protocol === 'http:' && !(host === 'localhost' || host === '::1' || /^127\./.test(host));
}

/** Things that are valid but probably not what the user meant. */
function warningsFor(raw: unknown, config: ConveyorConfig): string[] {
  const warnings: string[] = [];
  const q = config.queue;
  const rawQueue =
    typeof raw === 'object' && raw !== null && typeof (raw as { queue?: unknown }).queue === 'object'
      ? ((raw as { queue: object | null }).queue ?? {})
      : {};
  if (q.redis_url !== undefined) {
    const shadowed = (['redis_host', 'redis_port', 'redis_db'] as const).filter((k) => k in rawQueue);
    if (shadowed.length > 0) {
      warnings.push(`${shadowed.map((k) => `queue.${k}`).join(', ')}: ignored because queue.redis_url is set`);
    }
  }
  const url = q.redis_url === undefined ? undefined : tryParseRedisUrl(q.redis_url);
  if (url?.ok && url.parts.password !== undefined && q.redis_password_env === undefined) {
    warnings.push(URL_PASSWORD_WARNING);
  }
  if (q.redis_password !== undefined) {
    warnings.push(
      q.redis_password_env !== undefined
        ? 'queue.redis_password: ignored because queue.redis_password_env is set'
        : LITERAL_PASSWORD_WARNING,
    );
  }
  if (typeof q.tls === 'object' && q.tls.reject_unauthorized === false) {
    warnings.push('queue.tls.reject_unauthorized: false disables server certificate checks; anyone on the path can impersonate Redis');
  }
  for (const [name, agent] of Object.entries(config.agents)) {
    if (agent.api_key_env !== undefined && isPlainHttpToRemote(agent.base_url)) {
      warnings.push(`agents.${name}.base_url: the API key would cross the network unencrypted over http://; use https://`);
    }
  }
  return warnings;
}

/**
 * Validate raw config data (e.g. `yaml` output). `null`/`undefined` (an empty
 * file) is all defaults. Throws a `ConfigError` listing every issue, not just
 * the first; `source` (usually the file path) prefixes its message.
 */
export function parseConfig(raw: unknown, source?: string): { config: ConveyorConfig; warnings: string[] } {
  const result = configSchema.safeParse(raw ?? {}, { reportInput: true });
  if (!result.success) throw new ConfigError(toIssues(result.error.issues), source);
  return { config: result.data, warnings: warningsFor(raw, result.data) };
}

/**
 * A partial change to config.yml: nested objects merge into what is there,
 * `null` removes a key (back to its default), lists are replaced whole.
 */
export type ConfigPatch = {
  queue?: Patch<QueueConfig> | null;
  workers?: Patch<WorkersConfig> | null;
  agents?: Patch<AgentsConfig> | null;
  metrics?: Patch<MetricsConfig> | null;
};
type Patch<T> = { [K in keyof T]?: PatchValue<T[K]> | null };
// Distributes, so `tls` takes `true` or `{ ca }`; a list is replaced whole, never merged item by item.
type PatchValue<V> = V extends readonly unknown[] ? V : V extends object ? Patch<V> : V;
