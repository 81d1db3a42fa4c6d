import type { ConfigPatch, ConveyorConfig } from '../../../../src-shared/config-schema';
import { parseConfig } from '../../../../src-shared/config-schema';
import { ConfigError, type ConfigIssue } from '../../../../src-shared/errors';

/**
 * The config form as data: which settings it shows and how, how a config
 * becomes field values, and how edited values become a `ConfigPatch` (only
 * what changed, so untouched settings and masked secrets are never sent).
 * Validation runs the shared `parseConfig` on the config the patch would
 * produce, so the form says exactly what the server would.
 */

export type FieldKind = 'int' | 'number' | 'text' | 'enum' | 'bool' | 'list' | 'secret';

export interface FieldSpec {
  /** Dotted path as in config.yml (`queue.backoff.delay_ms`). */
  path: string;
  label: string;
  kind: FieldKind;
  help?: string;
  options?: readonly string[];
  /** Shown only when TLS uses files. */
  tlsFile?: boolean;
}

export interface SectionSpec {
  id: string;
  title: string;
  fields: readonly FieldSpec[];
}

const ADDRESS_PARTS = new Set(['queue.redis_host', 'queue.redis_port', 'queue.redis_db']);

/**
 * Why a connection field has no effect while others are set (a URL overrides
 * host, port and database; cluster seed nodes override those and the URL),
 * or undefined. Such a field is shown read-only with this note.
 */
export function overriddenBy(path: string, values: Readonly<Record<string, unknown>>): string | undefined {
  const set = (p: string): boolean => String(values[p] ?? '').trim() !== '';
  if ((ADDRESS_PARTS.has(path) || path === 'queue.redis_url') && set('queue.redis_cluster'))
    return 'not used: the cluster seed nodes below say where Redis is';
  if (ADDRESS_PARTS.has(path) && set('queue.redis_url'))
    return 'not used: the URL says where Redis is; clear it to use host, port and database';
  return undefined;
}

/** The `queue.tls` setting, edited as a mode plus file fields. */
export const TLS_MODE = 'queue.tls';
export type TlsMode = 'off' | 'on' | 'files';

export const SECTIONS: readonly SectionSpec[] = [
  {
    id: 'redis',
    title: 'Redis connection',
    fields: [
      { path: 'queue.redis_host', label: 'Host', kind: 'text' },
      { path: 'queue.redis_port', label: 'Port', kind: 'int' },
      { path: 'queue.redis_db', label: 'Database', kind: 'int' },
      { path: 'queue.redis_url', label: 'URL', kind: 'text', help: 'redis:// or rediss://; overrides host, port and database when set' },
      {
        path: 'queue.redis_cluster',
        label: 'Cluster seed nodes',
        kind: 'list',
        help: 'comma-separated host:port of a Redis Cluster; when set, used instead of host, port and URL',
      },
      { path: 'queue.redis_username', label: 'Username', kind: 'text' },
      {
        path: 'queue.redis_password_env',
        label: 'Password environment variable',
        kind: 'text',
        help: 'name of the variable holding the password (preferred to a literal password)',
      },
      { path: 'queue.redis_password', label: 'Password', kind: 'secret', help: 'write-only; leave as is to keep the stored one' },
      { path: 'queue.tls.ca', label: 'TLS CA file', kind: 'text', tlsFile: true },
      { path: 'queue.tls.cert', label: 'TLS client certificate file', kind: 'text', tlsFile: true, help: 'needs the key file too' },
      { path: 'queue.tls.key', label: 'TLS client key file', kind: 'text', tlsFile: true, help: 'needs the certificate file too' },
      { path: 'queue.tls.servername', label: 'TLS server name', kind: 'text', tlsFile: true },
      { path: 'queue.tls.reject_unauthorized', label: 'Check the server certificate', kind: 'bool', tlsFile: true },
      { path: 'queue.connection_timeout', label: 'Connection timeout (s)', kind: 'number' },
      {
        path: 'queue.command_timeout_ms',
        label: 'Command deadline (ms)',
        kind: 'int',
        help: 'a command unanswered this long (plus its block time) fails, and the connection is replaced',
      },
      {
        path: 'queue.redis_sentinels',
        label: 'Sentinels',
        kind: 'list',
        help: 'comma-separated host:port of Redis Sentinels; when set, they say where the primary is',
      },
      {
        path: 'queue.sentinel_master',
        label: 'Sentinel master name',
        kind: 'text',
        help: 'the name the sentinels monitor; required with sentinels',
      },
    ],
  },
  {
    id: 'queue',
    title: 'Queue defaults',
    fields: [
      { path: 'queue.key_prefix', label: 'Key prefix', kind: 'text', help: 'no "{" or "}": the queue adds its own hash tags' },
      {
        path: 'queue.max_length',
        label: 'Cap (max length)',
        kind: 'int',
        help: 'waiting + delayed jobs per queue before enqueue is refused',
      },
      { path: 'queue.max_retries', label: 'Max retries', kind: 'int', help: 'retries after the first attempt' },
      { path: 'queue.lease_ms', label: 'Lease (ms)', kind: 'int', help: 'how long a worker holds a job before it counts as lost' },
      { path: 'queue.backoff.type', label: 'Backoff type', kind: 'enum', options: ['fixed', 'exponential'] },
      { path: 'queue.backoff.delay_ms', label: 'Backoff delay (ms)', kind: 'int' },
      {
        path: 'queue.backoff.max_delay_ms',
        label: 'Backoff max delay (ms)',
        kind: 'int',
        help: 'cap of exponential backoff; at least the delay',
      },
      { path: 'queue.retention.completed.count', label: 'Keep completed jobs (count)', kind: 'int', help: '0 keeps none' },
      { path: 'queue.retention.completed.age_s', label: 'Keep completed jobs (seconds)', kind: 'int', help: '0: no age limit' },
      { path: 'queue.retention.dead.count', label: 'Keep dead jobs (count)', kind: 'int' },
      { path: 'queue.retention.dead.age_s', label: 'Keep dead jobs (seconds)', kind: 'int', help: '0: no age limit' },
      { path: 'queue.events_max_len', label: 'Event stream length', kind: 'int' },
      { path: 'queue.max_payload_bytes', label: 'Max payload (bytes)', kind: 'int' },
      {
        path: 'queue.wait_for_fsync',
        label: 'Wait for fsync',
        kind: 'bool',
        help: 'an enqueue resolves only once Redis has fsynced it (WAITAOF on Redis 7.2+, else appendfsync always)',
      },
      {
        path: 'queue.wait_for_replicas',
        label: 'Wait for replicas',
        kind: 'int',
        help: 'an enqueue resolves only once this many replicas have it (WAIT); 0: do not wait',
      },
      { path: 'queue.wait_for_replicas_timeout_ms', label: 'Replica wait timeout (ms)', kind: 'int' },
    ],
  },
  {
    id: 'workers',
    title: 'Workers',
    fields: [
      { path: 'workers.queues', label: 'Queues', kind: 'list', help: 'comma-separated queue names' },
      {
        path: 'workers.workers',
        label: 'Run agents on',
        kind: 'enum',
        options: ['threads', 'inline'],
        help: 'threads: isolated worker threads; inline: the pool’s own thread (I/O-bound agents; a crash takes the process)',
      },
      { path: 'workers.threads', label: 'Threads', kind: 'int', help: '0: one per CPU core (ignored inline)' },
      { path: 'workers.concurrency', label: 'Jobs per thread', kind: 'int' },
      { path: 'workers.job_timeout_ms', label: 'Job timeout (ms)', kind: 'int' },
      {
        path: 'workers.kill_grace_ms',
        label: 'Kill grace (ms)',
        kind: 'int',
        help: 'how long an aborted job may take to stop before its thread is terminated',
      },
      { path: 'workers.max_memory_mb', label: 'Max memory per thread (MiB)', kind: 'int' },
      { path: 'workers.shutdown_timeout_ms', label: 'Shutdown timeout (ms)', kind: 'int' },
      { path: 'workers.agents_dir', label: 'Agents folder', kind: 'text', help: 'relative to the config file’s folder' },
      {
        path: 'workers.prefetch',
        label: 'Prefetch (jobs)',
        kind: 'int',
        help: 'jobs leased ahead of a free slot; empty: automatic, for short jobs; 0: off',
      },
    ],
  },
];

/** Fields of one agent (`agents.<name>.<field>`); `kind` is fixed to llm, the one kind there is. */
export const AGENT_FIELDS: readonly FieldSpec[] = [
  { path: 'base_url', label: 'Base URL', kind: 'text', help: 'OpenAI-compatible API, e.g. http://localhost:11434/v1' },
  { path: 'model', label: 'Model', kind: 'text' },
  { path: 'api_key_env', label: 'API key environment variable', kind: 'text', help: 'the variable’s name, never the key' },
  { path: 'system', label: 'System prompt', kind: 'text' },
  { path: 'temperature', label: 'Temperature', kind: 'number' },
  { path: 'max_tokens', label: 'Max tokens', kind: 'int' },
  { path: 'timeout_ms', label: 'Timeout (ms)', kind: 'int' },
  { path: 'description', label: 'Description', kind: 'text' },
];

export const ALL_FIELDS: readonly FieldSpec[] = SECTIONS.flatMap((s) => s.fields);

/** Field values as the inputs hold them: strings, booleans for checkboxes, plus the TLS mode. */
export type FormValues = Readonly<Record<string, string | boolean>>;

export interface AgentDraft {
  /** Stable React key. */
  key: string;
  /** The name it has in the loaded config, if any (a rename is a remove and an add). */
  original?: string;
  name: string;
  values: Readonly<Record<string, string>>;
}

function get(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function toText(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (Array.isArray(v)) return v.join(', ');
  return String(v);
}

export function tlsModeOf(config: ConveyorConfig): TlsMode {
  const tls = config.queue.tls;
  return tls === false ? 'off' : tls === true ? 'on' : 'files';
}

/** The form's values for a loaded config. Secrets start empty: the mask is a placeholder, not a value. */
export function valuesFromConfig(config: ConveyorConfig): FormValues {
  const values: Record<string, string | boolean> = { [TLS_MODE]: tlsModeOf(config) };
  for (const f of ALL_FIELDS) {
    const v = get(config, f.path);
    if (f.kind === 'secret') values[f.path] = '';
    else if (f.kind === 'bool') values[f.path] = v === undefined ? f.path === 'queue.tls.reject_unauthorized' : v === true;
    else values[f.path] = toText(v);
  }
  return values;
}

export function agentDraftsFromConfig(config: ConveyorConfig): AgentDraft[] {
  return Object.entries(config.agents).map(([name, agent]) => ({
    key: `loaded:${name}`,
    original: name,
    name,
    values: Object.fromEntries(AGENT_FIELDS.map((f) => [f.path, toText((agent as unknown as Record<string, unknown>)[f.path])])),
  }));
}

/** Whether a secret is stored (the server sends its mask), for the placeholder. */
export function secretIsSet(config: ConveyorConfig, path: string): boolean {
  const v = get(config, path);
  return typeof v === 'string' && v !== '';
}

/**
 * Text → the value to send. Numbers that do not parse are sent as typed, so
 * validation names the value the person wrote ("expected an integer, got "1e"").
 */
function parseValue(kind: FieldKind, raw: string | boolean): unknown {
  if (typeof raw === 'boolean') return raw;
  const text = raw.trim();
  if (text === '') return null;
  switch (kind) {
    case 'int':
    case 'number':
      return /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text) ? Number(text) : text;
    case 'list':
      return text.split(/[,\s]+/).filter((s) => s !== '');
    default:
      return raw;
  }
}

function setIn(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let cur = target;
  for (const part of parts.slice(0, -1)) {
    const next = cur[part];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) cur[part] = {};
    cur = cur[part] as Record<string, unknown>;
  }
  cur[parts[parts.length - 1] as string] = value;
}

/** Secret fields a person asked to remove (the "clear" box), by path. */
export type ClearedSecrets = ReadonlySet<string>;

/**
 * What to send for the edits: only changed settings; `null` resets one to its
 * default; an untouched secret is left out, so the stored one is kept.
 */
export function buildPatch(
  config: ConveyorConfig,
  initial: FormValues,
  values: FormValues,
  initialAgents: readonly AgentDraft[],
  agents: readonly AgentDraft[],
  cleared: ClearedSecrets = new Set(),
): ConfigPatch {
  const patch: Record<string, unknown> = {};
  for (const f of ALL_FIELDS) {
    if (f.tlsFile) continue;
    const v = values[f.path] ?? '';
    if (f.kind === 'secret') {
      if (cleared.has(f.path)) setIn(patch, f.path, null);
      else if (v !== '') setIn(patch, f.path, v);
      continue;
    }
    if (v !== (initial[f.path] ?? '')) setIn(patch, f.path, parseValue(f.kind, v));
  }

  // TLS: the whole value when anything about it changed (a mode switch replaces a mapping with a boolean).
  const tlsFields = ALL_FIELDS.filter((f) => f.tlsFile);
  const tlsChanged = values[TLS_MODE] !== initial[TLS_MODE] || tlsFields.some((f) => values[f.path] !== initial[f.path]);
  if (tlsChanged) {
    const mode = values[TLS_MODE] as TlsMode;
    if (mode !== 'files') setIn(patch, 'queue.tls', mode === 'on');
    else {
      const tls: Record<string, unknown> = {};
      const wasFiles = tlsModeOf(config) === 'files';
      for (const f of tlsFields) {
        const key = f.path.slice('queue.tls.'.length);
        const v = parseValue(f.kind, values[f.path] ?? '');
        if (v !== null) tls[key] = v;
        // Merged into a stored mapping, an emptied field must be removed explicitly.
        else if (wasFiles) tls[key] = null;
      }
      setIn(patch, 'queue.tls', tls);
    }
  }

  const agentsPatch: Record<string, unknown> = {};
  const kept = new Set(
    agents.map((a) => a.original).filter((n): n is string => n !== undefined && agents.some((a) => a.original === n && a.name === n)),
  );
  for (const old of initialAgents) {
    if (old.original !== undefined && !kept.has(old.original)) agentsPatch[old.original] = null;
  }
  for (const draft of agents) {
    const before = initialAgents.find((a) => a.original === draft.original && draft.original === draft.name);
    const out: Record<string, unknown> = {};
    for (const f of AGENT_FIELDS) {
      const v = draft.values[f.path] ?? '';
      if (before) {
        if (v !== (before.values[f.path] ?? '')) out[f.path] = parseValue(f.kind, v);
      } else {
        const parsed = parseValue(f.kind, v);
        if (parsed !== null) out[f.path] = parsed;
      }
    }
    if (!before) agentsPatch[draft.name] = { kind: 'llm', ...out };
    else if (Object.keys(out).length > 0) agentsPatch[draft.name] = out;
  }
  if (Object.keys(agentsPatch).length > 0) patch['agents'] = agentsPatch;
  return patch as ConfigPatch;
}

export function isEmptyPatch(patch: ConfigPatch): boolean {
  return Object.keys(patch).length === 0;
}

/** The config a patch would produce: objects merge, `null` removes, anything else replaces. */
export function applyPatch(base: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> =
    typeof base === 'object' && base !== null && !Array.isArray(base) ? { ...(base as Record<string, unknown>) } : {};
  for (const [key, value] of Object.entries(patch as Record<string, unknown>)) {
    if (value === null) delete out[key];
    else out[key] = applyPatch(out[key], value);
  }
  return out;
}

/** Every problem the server would report for this patch, by config path. */
export function validatePatch(config: ConveyorConfig, patch: ConfigPatch): ConfigIssue[] {
  try {
    parseConfig(applyPatch(config, patch));
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    return [{ path: '', message: err instanceof Error ? err.message : String(err) }];
  }
}

/** The issue of a field: its own path, or one below it (`workers.queues[1]` belongs to `workers.queues`). */
export function issueFor(issues: readonly ConfigIssue[], path: string): string | undefined {
  const hit = issues.find((i) => i.path === path || i.path.startsWith(`${path}[`) || i.path.startsWith(`${path}.`));
  return hit?.message;
}

/** Issues no field shows (e.g. a path the form has no input for). */
export function unplacedIssues(issues: readonly ConfigIssue[], agents: readonly AgentDraft[]): ConfigIssue[] {
  const paths = [...ALL_FIELDS.map((f) => f.path), ...agents.flatMap((a) => AGENT_FIELDS.map((f) => `agents.${a.name}.${f.path}`))];
  return issues.filter((i) => !paths.some((p) => i.path === p || i.path.startsWith(`${p}[`) || i.path.startsWith(`${p}.`)));
}
