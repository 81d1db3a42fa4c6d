import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../../src-shared/config-schema';
import { ConfigError, ConveyorError } from '../../../src-shared/errors';
import { checkConfigText, loadConfigFile, saveConfigPatch, saveConfigText, writeFileAtomic } from '../../../src-main/config/config-file';

let dir: string;
let file: string;

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'conveyor-config-'));
  file = path.join(dir, 'config.yml');
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const read = () => fs.readFile(file, 'utf8');

/** The error a promise rejects with; fails the test if it resolves. */
async function rejection(promise: Promise<unknown>): Promise<ConveyorError> {
  const err: unknown = await promise.then(
    () => expect.unreachable('expected a rejection'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConveyorError);
  return err as ConveyorError;
}

const COMMENTED = `# Conveyor config for the lab box
queue:
  # the shared Redis
  redis_host: "redis.lab" # not localhost!
  redis_port: 6380
  key_prefix: lab:queue # keep in sync with the dashboards

  backoff:
    type: fixed # retries are cheap
    delay_ms: 500
`;

describe('loadConfigFile', () => {
  it('gives defaults, and no error, when the file does not exist', async () => {
    const loaded = await loadConfigFile(file);
    expect(loaded).toEqual({ path: file, exists: false, config: DEFAULT_CONFIG, warnings: [] });
  });

  it('fails with CONFIG_IO for a missing file that was asked for explicitly', async () => {
    const err = await rejection(loadConfigFile(file, { required: true }));
    expect(err.code).toBe('CONFIG_IO');
    expect(err.message).toBe(`${file}: config file not found`);
  });

  it('gives defaults for an empty file', async () => {
    await fs.writeFile(file, '');
    expect((await loadConfigFile(file)).config).toEqual(DEFAULT_CONFIG);
  });

  it('gives defaults for a file with only comments', async () => {
    await fs.writeFile(file, '# nothing yet\n');
    expect((await loadConfigFile(file)).config).toEqual(DEFAULT_CONFIG);
  });

  it('reads and validates the file', async () => {
    await fs.writeFile(file, COMMENTED);
    const loaded = await loadConfigFile(file);
    expect(loaded.exists).toBe(true);
    expect(loaded.config.queue).toMatchObject({ redis_host: 'redis.lab', redis_port: 6380, key_prefix: 'lab:queue' });
    expect(loaded.config.queue.backoff).toEqual({ type: 'fixed', delay_ms: 500, max_delay_ms: 60000 });
  });

  it('resolves a relative path to an absolute one', async () => {
    const rel = path.relative(process.cwd(), file);
    expect((await loadConfigFile(rel)).path).toBe(file);
  });

  it('reports invalid values as CONFIG_INVALID with the file path', async () => {
    await fs.writeFile(file, 'queue:\n  redis_port: abc\n');
    const err = await rejection(loadConfigFile(file));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toBe(`${file}: queue.redis_port: expected an integer 1-65535, got "abc"`);
  });

  it('reports YAML syntax errors with their line and column', async () => {
    await fs.writeFile(file, 'queue:\n  redis_host: "unclosed\n  redis_port: 1\n');
    const err = await rejection(loadConfigFile(file));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toMatch(new RegExp(`^${file}: YAML syntax error at line \\d+, column \\d+: Missing closing "quote$`));
  });

  it('reports duplicate keys as YAML errors', async () => {
    await fs.writeFile(file, 'queue:\n  redis_port: 1\n  redis_port: 2\n');
    const err = await rejection(loadConfigFile(file));
    expect(err.message).toBe(`${file}: YAML syntax error at line 3, column 3: Map keys must be unique`);
  });

  it('fails with CONFIG_IO and the path when the file cannot be read', async () => {
    const err = await rejection(loadConfigFile(dir)); // a directory
    expect(err.code).toBe('CONFIG_IO');
    expect(err.message).toMatch(new RegExp(`^${dir}: cannot read config file: `));
    expect(err.details).toEqual({ path: dir });
  });
});

describe('saveConfigPatch', () => {
  it('changes a value while keeping every comment and the key order', async () => {
    await fs.writeFile(file, COMMENTED);
    await saveConfigPatch(file, { queue: { redis_port: 7000 } });
    expect(await read()).toBe(COMMENTED.replace('redis_port: 6380', 'redis_port: 7000'));
  });

  it('keeps the inline comment of a changed value', async () => {
    await fs.writeFile(file, COMMENTED);
    await saveConfigPatch(file, { queue: { redis_host: 'redis.prod', backoff: { type: 'exponential' } } });
    const text = await read();
    expect(text).toContain('redis_host: "redis.prod" # not localhost!');
    expect(text).toContain('type: exponential # retries are cheap');
  });

  it('merges nested sections instead of replacing them', async () => {
    await fs.writeFile(file, COMMENTED);
    const loaded = await saveConfigPatch(file, { queue: { backoff: { max_delay_ms: 9000 } } });
    expect(loaded.config.queue.backoff).toEqual({ type: 'fixed', delay_ms: 500, max_delay_ms: 9000 });
  });

  it('appends new keys after the existing ones', async () => {
    await fs.writeFile(file, COMMENTED);
    await saveConfigPatch(file, { queue: { lease_ms: 60000 } });
    expect(await read()).toBe(`${COMMENTED}  lease_ms: 60000\n`);
  });

  it('removes a key given as null, so it falls back to its default', async () => {
    await fs.writeFile(file, COMMENTED);
    const loaded = await saveConfigPatch(file, { queue: { redis_port: null } });
    expect(await read()).not.toContain('redis_port');
    expect(loaded.config.queue.redis_port).toBe(6379);
  });

  it('adds a section that is not in the file yet', async () => {
    await fs.writeFile(file, 'queue:\n  redis_db: 1\n');
    await saveConfigPatch(file, { queue: { retention: { dead: { count: 5, age_s: null } } } });
    expect(await read()).toBe('queue:\n  redis_db: 1\n  retention:\n    dead:\n      count: 5\n');
  });

  it('ignores removing a key that is not there', async () => {
    await fs.writeFile(file, COMMENTED);
    await saveConfigPatch(file, { queue: { lease_ms: null, retention: { dead: null } } });
    expect(await read()).toBe(COMMENTED);
  });

  it('skips keys whose value is undefined', async () => {
    await fs.writeFile(file, COMMENTED);
    await saveConfigPatch(file, { queue: { redis_port: undefined } });
    expect(await read()).toBe(COMMENTED);
  });

  it('replaces a scalar with a mapping (tls: true → tls files)', async () => {
    await fs.writeFile(file, 'queue:\n  tls: true\n');
    const loaded = await saveConfigPatch(file, { queue: { tls: { ca: 'ca.pem' } } });
    expect(loaded.config.queue.tls).toEqual({ ca: 'ca.pem' });
  });

  it('keeps a 4-space indentation', async () => {
    await fs.writeFile(file, 'queue:\n    backoff:\n        type: fixed\n');
    await saveConfigPatch(file, { queue: { backoff: { delay_ms: 10 } } });
    expect(await read()).toBe('queue:\n    backoff:\n        type: fixed\n        delay_ms: 10\n');
  });

  it('does not fold long strings', async () => {
    const url = `redis://${'h'.repeat(100)}:6379/0`;
    await saveConfigPatch(file, { queue: { redis_url: url } });
    expect(await read()).toContain(`redis_url: ${url}\n`);
  });

  it('quotes a string that would otherwise read back as a number', async () => {
    await fs.writeFile(file, COMMENTED);
    await saveConfigPatch(file, { queue: { key_prefix: '123' } });
    expect((await loadConfigFile(file)).config.queue.key_prefix).toBe('123');
  });

  it('returns the saved config with its warnings', async () => {
    const loaded = await saveConfigPatch(file, { queue: { redis_password: 'pw' } });
    expect(loaded.exists).toBe(true);
    expect(loaded.warnings).toHaveLength(1);
  });

  it('creates a missing file, and its folder, with just the patched keys', async () => {
    const nested = path.join(dir, 'a', 'b', 'config.yml');
    await saveConfigPatch(nested, { queue: { redis_port: 7000 } });
    const text = await fs.readFile(nested, 'utf8');
    expect(text).toMatch(/^# /);
    expect((await loadConfigFile(nested)).config.queue.redis_port).toBe(7000);
  });

  it('fills an empty file', async () => {
    await fs.writeFile(file, '');
    await saveConfigPatch(file, { queue: { redis_db: 2 } });
    expect((await loadConfigFile(file)).config.queue.redis_db).toBe(2);
  });

  it('leaves the file byte-identical when the merged config is invalid', async () => {
    await fs.writeFile(file, COMMENTED);
    const err = await rejection(saveConfigPatch(file, { queue: { redis_port: 0 } }));
    expect(err.message).toBe(`${file}: queue.redis_port: expected an integer 1-65535, got 0`);
    expect(await read()).toBe(COMMENTED);
  });

  it('rejects unknown keys in the patch and leaves the file alone', async () => {
    await fs.writeFile(file, COMMENTED);
    const patch = JSON.parse('{"queue":{"redis_prot":1}}') as Parameters<typeof saveConfigPatch>[1];
    const err = await rejection(saveConfigPatch(file, patch));
    expect((err as ConfigError).issues).toEqual([{ path: 'queue.redis_prot', message: 'unknown key' }]);
    expect(await read()).toBe(COMMENTED);
  });

  it('does not create the file when the patch is invalid', async () => {
    await rejection(saveConfigPatch(file, { queue: { lease_ms: 1 } }));
    await expect(fs.access(file)).rejects.toThrow();
  });

  it('refuses to patch a file with YAML syntax errors', async () => {
    const broken = 'queue:\n  redis_host: "unclosed\n';
    await fs.writeFile(file, broken);
    const err = await rejection(saveConfigPatch(file, { queue: { redis_port: 1 } }));
    expect(err.message).toContain('YAML syntax error');
    expect(await read()).toBe(broken);
  });

  it('refuses to patch a file whose top level is not a mapping', async () => {
    await fs.writeFile(file, '- a\n- b\n');
    await rejection(saveConfigPatch(file, { queue: { redis_port: 1 } }));
    expect(await read()).toBe('- a\n- b\n');
  });

  it('can fix an invalid file', async () => {
    await fs.writeFile(file, 'queue:\n  redis_port: 0\n');
    const loaded = await saveConfigPatch(file, { queue: { redis_port: 6380 } });
    expect(loaded.config.queue.redis_port).toBe(6380);
  });

  it('adds a workers: section, replacing the queue list whole', async () => {
    await fs.writeFile(file, 'workers:\n  queues: [a, b] # both\n');
    const loaded = await saveConfigPatch(file, { workers: { queues: ['c'], threads: 2 } });
    expect(loaded.config.workers).toMatchObject({ queues: ['c'], threads: 2 });
  });

  it('adds an LLM agent', async () => {
    await fs.writeFile(file, COMMENTED);
    const writer = { kind: 'llm', base_url: 'http://localhost:11434/v1', model: 'llama3.2' } as const;
    const loaded = await saveConfigPatch(file, { agents: { writer } });
    expect(loaded.config.agents).toEqual({ writer });
    expect(await read()).toMatch(/^# Conveyor config for the lab box\n/);
  });

  it('changes one setting of an agent, keeping the others', async () => {
    await fs.writeFile(file, 'agents:\n  writer:\n    kind: llm\n    base_url: http://localhost:11434/v1 # ollama\n    model: llama3.2\n');
    const loaded = await saveConfigPatch(file, { agents: { writer: { model: 'qwen2.5', temperature: 0.5 } } });
    expect(loaded.config.agents.writer).toEqual({ kind: 'llm', base_url: 'http://localhost:11434/v1', model: 'qwen2.5', temperature: 0.5 });
    expect(await read()).toContain('base_url: http://localhost:11434/v1 # ollama');
  });

  it('removes an agent given as null', async () => {
    await fs.writeFile(file, 'agents:\n  writer:\n    kind: llm\n    base_url: http://localhost:11434/v1\n    model: llama3.2\n');
    const loaded = await saveConfigPatch(file, { agents: { writer: null } });
    expect(loaded.config.agents).toEqual({});
  });

  it('rejects an agent missing its required settings and leaves the file alone', async () => {
    await fs.writeFile(file, COMMENTED);
    const err = await rejection(saveConfigPatch(file, { agents: { writer: { kind: 'llm', model: 'x' } } }));
    expect((err as ConfigError).issues).toEqual([
      { path: 'agents.writer.base_url', message: 'expected an http:// or https:// URL, got nothing' },
    ]);
    expect(await read()).toBe(COMMENTED);
  });

  it('applies concurrent patches one after the other, losing none', async () => {
    await fs.writeFile(file, COMMENTED);
    await Promise.all([
      saveConfigPatch(file, { queue: { redis_db: 3 } }),
      saveConfigPatch(file, { queue: { max_retries: 7 } }),
      saveConfigPatch(file, { queue: { lease_ms: 5000 } }),
    ]);
    expect((await loadConfigFile(file)).config.queue).toMatchObject({ redis_db: 3, max_retries: 7, lease_ms: 5000 });
  });
});

describe('saveConfigText', () => {
  it('writes valid text verbatim', async () => {
    await saveConfigText(file, COMMENTED);
    expect(await read()).toBe(COMMENTED);
  });

  it('leaves the file byte-identical when the text is invalid', async () => {
    await fs.writeFile(file, COMMENTED);
    await rejection(saveConfigText(file, 'queue:\n  lease_ms: 1\n'));
    expect(await read()).toBe(COMMENTED);
  });

  it('leaves the file byte-identical when the text is not valid YAML', async () => {
    await fs.writeFile(file, COMMENTED);
    const err = await rejection(saveConfigText(file, 'queue: [\n'));
    expect(err.message).toContain('YAML syntax error at line');
    expect(await read()).toBe(COMMENTED);
  });
});

describe('checkConfigText', () => {
  it('validates without writing', () => {
    expect(checkConfigText(file, 'queue:\n  redis_db: 4\n').config.queue.redis_db).toBe(4);
    expect(() => checkConfigText(file, 'queue:\n  redis_db: x\n')).toThrow(ConfigError);
  });
});

describe('writeFileAtomic', () => {
  it('leaves no temp files behind', async () => {
    await writeFileAtomic(file, 'a: 1\n');
    await writeFileAtomic(file, 'a: 2\n');
    expect(await fs.readdir(dir)).toEqual(['config.yml']);
    expect(await read()).toBe('a: 2\n');
  });

  it('keeps the permissions of the file it replaces', async () => {
    await fs.writeFile(file, 'a: 1\n', { mode: 0o600 });
    await fs.chmod(file, 0o600);
    await writeFileAtomic(file, 'a: 2\n');
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
  });

  it('writes through a symlink instead of replacing it', async () => {
    const real = path.join(dir, 'real.yml');
    await fs.writeFile(real, 'a: 1\n');
    await fs.symlink(real, file);
    await writeFileAtomic(file, 'a: 2\n');
    expect((await fs.lstat(file)).isSymbolicLink()).toBe(true);
    expect(await fs.readFile(real, 'utf8')).toBe('a: 2\n');
  });

  it('fails with CONFIG_IO and removes its temp file when the final rename fails', async () => {
    const target = path.join(dir, 'taken');
    await fs.mkdir(target); // a directory cannot be replaced by a file
    const err = await rejection(writeFileAtomic(target, 'a: 1\n'));
    expect(err.code).toBe('CONFIG_IO');
    expect(await fs.readdir(dir)).toEqual(['taken']);
  });

  // Root writes anywhere, so there is nothing to see there.
  it.skipIf(process.getuid?.() === 0)('fails with CONFIG_IO, leaving the old file, when the folder is not writable', async () => {
    await fs.writeFile(file, 'a: 1\n');
    await fs.chmod(dir, 0o500);
    try {
      const err = await rejection(writeFileAtomic(file, 'a: 2\n'));
      expect(err.code).toBe('CONFIG_IO');
      expect(await read()).toBe('a: 1\n');
    } finally {
      await fs.chmod(dir, 0o700);
    }
  });
});

describe('config.example.yml', () => {
  const example = path.join(__dirname, '..', '..', '..', 'config.example.yml');

  it('parses to exactly the defaults', async () => {
    const loaded = await loadConfigFile(example);
    expect(loaded).toMatchObject({ config: DEFAULT_CONFIG, warnings: [] });
  });

  it('mentions every key, including the optional ones', async () => {
    const text = await fs.readFile(example, 'utf8');
    const keys = new Set<string>();
    const walk = (o: object) => {
      for (const [k, v] of Object.entries(o)) {
        keys.add(k);
        if (typeof v === 'object' && v !== null && !Array.isArray(v)) walk(v);
      }
    };
    walk(DEFAULT_CONFIG);
    for (const k of [
      'redis_url',
      'redis_username',
      'redis_password_env',
      'redis_password',
      'ca',
      'cert',
      'key',
      'servername',
      'reject_unauthorized',
    ])
      keys.add(k);
    for (const k of [
      'agents_dir',
      'kind',
      'base_url',
      'model',
      'api_key_env',
      'system',
      'temperature',
      'max_tokens',
      'timeout_ms',
      'description',
    ])
      keys.add(k);
    for (const k of keys) expect(text, k).toMatch(new RegExp(`^\\s*#?\\s*${k}:`, 'm'));
  });
});
