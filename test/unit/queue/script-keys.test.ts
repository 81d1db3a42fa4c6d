import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { QUEUE_KEY_REDIS_TYPE, type QueueKeyType } from '../../../src-main/queue/keys';
import { declaredKeys, prologue, selfCheckedKeys } from '../../../src-main/queue/scripts';

const LUA = path.join(__dirname, '../../../src-main/queue/lua');
// Scripts are named verb-<key count>.lua; the others (common.lua, flows.lua, limits.lua, metrics.lua) are included pieces.
const scripts = readdirSync(LUA).filter((f) => /-\d+\.lua$/.test(f));
const pieces = readdirSync(LUA).filter((f) => f.endsWith('.lua') && !scripts.includes(f));

describe('Lua scripts declare exactly the keys they use', () => {
  it.each(scripts)('%s: the number in its name is how many keys its header declares, and it reads no others', (file) => {
    const source = readFileSync(path.join(LUA, file), 'utf8');
    const count = Number(/-(\d+)\.lua$/.exec(file)?.[1]);
    const keys = declaredKeys(source);
    expect(keys).toHaveLength(count);
    expect(new Set(keys).size).toBe(keys.length);
    const body = source.slice(source.indexOf(']]'));
    const used = [...body.matchAll(/KEYS\[(\d+)\]/g)].map((m) => Number(m[1]));
    expect(Math.max(0, ...used)).toBeLessThanOrEqual(count);
    expect(new Set(used).size).toBe(count);
  });

  it.each(pieces)('%s reads no KEYS of its own: helpers take keys as arguments', (file) => {
    const common = readFileSync(path.join(LUA, file), 'utf8');
    const code = common.slice(common.indexOf(']]'));
    expect(code).not.toMatch(/KEYS\[/);
  });

  it('flows.lua reads no KEYS of its own either', () => {
    const flows = readFileSync(path.join(LUA, 'flows.lua'), 'utf8');
    expect(flows.slice(flows.indexOf(']]'))).not.toMatch(/KEYS\[/);
  });
});

describe('the prologue TYPEs only the keys a script does not meet itself before its first write', () => {
  it.each(scripts)('%s: a typed read of each declared key its header does not name as typed before the first write', (file) => {
    const source = readFileSync(path.join(LUA, file), 'utf8');
    const self = selfCheckedKeys(source);
    const probed = [...prologue(source).matchAll(/redis\.call\('(\w+)', KEYS\[(\d+)\]\)/g)].map((m) => {
      const type = declaredKeys(source)[Number(m[2]) - 1] as QueueKeyType;
      expect(m[1]).toBe({ hash: 'HLEN', zset: 'ZCARD', stream: 'XLEN' }[QUEUE_KEY_REDIS_TYPE[type]]);
      return type;
    });
    expect(probed).toEqual(declaredKeys(source).filter((k) => !self.includes(k)));
  });

  it('enqueueOne-5 reads nothing in its prologue: its reads and pcall-made first writes meet every key', () => {
    expect(prologue(readFileSync(path.join(LUA, 'enqueueOne-5.lua'), 'utf8'))).toBe('bind(ARGV)');
  });

  it('a header naming a key the script does not declare is refused', () => {
    expect(() => selfCheckedKeys('--[[\n  KEYS[1] meta\n  Typed before the first write: meta, wait\n]]')).toThrow(/wait/);
  });
});
