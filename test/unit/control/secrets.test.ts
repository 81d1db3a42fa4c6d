import { describe, expect, it } from 'vitest';
import { SECRET_MASK } from '../../../src-shared/contract';
import { ConfigError } from '../../../src-shared/errors';
import { isSecretKey, maskText, maskValue, unmaskPatch, unmaskText } from '../../../src-main/control/secrets';

const M = SECRET_MASK;

const STORED = `# Conveyor on the lab box
queue:
  redis_url: "redis://admin:s3cr%40t@redis.example:6380/2"  # prod
  redis_password: hunter2   # literal, for now
  redis_password_env: REDIS_PASS
  # old: redis_password: oldpass
  key_prefix: lab
agents:
  writer:
    kind: llm
    base_url: https://api.example.com/v1
    model: gpt
    api_key_env: OPENAI_API_KEY
    api_key: 'sk-abc''123'
    max_tokens: 100
  other: {kind: llm, base_url: "http://localhost:1/v1", model: m, apiToken: "zzz"}
`;

describe('secret keys', () => {
  it.each(['redis_password', 'api_key', 'apiKey', 'client_secret', 'auth_token', 'private_key', 'db_passwd'])('%s is a secret', (key) => {
    expect(isSecretKey(key)).toBe(true);
  });

  it.each(['api_key_env', 'redis_password_env', 'max_tokens', 'tokenizer', 'key', 'key_prefix', 'redis_username'])('%s is not', (key) => {
    expect(isSecretKey(key)).toBe(false);
  });
});

describe('masking the text', () => {
  const masked = maskText(STORED);

  it('masks a literal password, keeping the line and its comment', () => {
    expect(masked).toContain(`  redis_password: ${M}   # literal, for now\n`);
  });

  it('masks the password inside a URL, keeping the rest of it', () => {
    expect(masked).toContain(`redis_url: "redis://admin:${M}@redis.example:6380/2"  # prod`);
  });

  it('masks api keys and tokens in the agents section, in block and flow style, keeping quotes', () => {
    expect(masked).toContain(`    api_key: '${M}'\n`);
    expect(masked).toContain(`apiToken: "${M}"}`);
  });

  it('leaves names of variables and non-secret numbers alone', () => {
    expect(masked).toContain('api_key_env: OPENAI_API_KEY');
    expect(masked).toContain('redis_password_env: REDIS_PASS');
    expect(masked).toContain('max_tokens: 100');
  });

  it('masks a secret in a commented-out line', () => {
    expect(masked).toContain(`  # old: redis_password: ${M}\n`);
  });

  it('leaks none of the secrets', () => {
    for (const secret of ['hunter2', 's3cr%40t', 'sk-abc', 'zzz', 'oldpass']) expect(masked).not.toContain(secret);
  });

  it('masks a file that is not valid YAML line by line', () => {
    const broken = maskText('queue:\n  redis_password: [hunter2\n  # token: abc\n  redis_url: redis://u:pw@h\n');
    expect(broken).not.toMatch(/hunter2|abc|:pw@/);
  });

  it('masks the secret an alias refers to', () => {
    const text = 'x: &p hunter2\nqueue:\n  redis_password: *p\n';
    expect(maskText(text)).not.toContain('hunter2');
  });
});

describe('masking parsed values', () => {
  it('masks secret fields and URL passwords, not *_env names', () => {
    const value = maskValue({
      queue: { redis_password: 'x', redis_url: 'redis://a:b@c:1/0', redis_password_env: 'E' },
      agents: { a: { api_key_env: 'K', max_tokens: 3 } },
    });
    expect(value).toEqual({
      queue: { redis_password: M, redis_url: `redis://a:${M}@c:1/0`, redis_password_env: 'E' },
      agents: { a: { api_key_env: 'K', max_tokens: 3 } },
    });
  });
});

describe('unmasking the text', () => {
  it('gives back the stored file byte for byte when the masked text comes back unchanged', () => {
    expect(unmaskText(maskText(STORED), STORED)).toBe(STORED);
  });

  it('keeps an edit next to a masked value, and the stored value under the mask', () => {
    const edited = maskText(STORED).replace('key_prefix: lab', 'key_prefix: lab2');
    const real = unmaskText(edited, STORED);
    expect(real).toContain('key_prefix: lab2');
    expect(real).toContain('redis_password: hunter2');
  });

  it('keeps the stored password of a URL whose host was edited', () => {
    const edited = maskText(STORED).replace('redis.example', 'redis2.example');
    expect(unmaskText(edited, STORED)).toContain('redis://admin:s3cr%40t@redis2.example:6380/2');
  });

  it('takes a new value typed over the mask', () => {
    const edited = maskText(STORED).replace(`redis_password: ${M}`, 'redis_password: newpass');
    expect(unmaskText(edited, STORED)).toContain('redis_password: newpass   # literal');
  });

  it('fails with the path when a mask has no stored value behind it (the key was renamed)', () => {
    const edited = maskText(STORED).replace('  writer:', '  author:');
    let error: unknown;
    try {
      unmaskText(edited, STORED);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues).toEqual([{ path: 'agents.author.api_key', message: expect.stringContaining('masked') }]);
  });
});

describe('unmasking a patch', () => {
  const stored = { queue: { redis_password: 'hunter2', redis_url: 'redis://a:s3cret@h:1/0' } };

  it('keeps the stored value of a field that comes back masked', () => {
    expect(unmaskPatch({ queue: { redis_password: M, key_prefix: 'x' } }, stored)).toEqual({
      queue: { redis_password: 'hunter2', key_prefix: 'x' },
    });
  });

  it('puts the stored password back into a URL that comes back masked', () => {
    expect(unmaskPatch({ queue: { redis_url: `redis://a:${M}@other:2/0` } }, stored)).toEqual({
      queue: { redis_url: 'redis://a:s3cret@other:2/0' },
    });
  });

  it('fails with the path when nothing is stored under a masked field', () => {
    expect(() => unmaskPatch({ agents: { x: { api_key: M } } }, stored)).toThrow(ConfigError);
  });
});
