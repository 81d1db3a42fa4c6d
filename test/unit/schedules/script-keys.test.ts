import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const LUA = path.join(__dirname, '../../../src-main/schedules/lua');

describe('schedule scripts declare exactly the keys they use', () => {
  it.each(readdirSync(LUA))('%s: the number in its name is how many keys its header declares and its body uses', (file) => {
    const source = readFileSync(path.join(LUA, file), 'utf8');
    const count = Number(/-(\d+)\.lua$/.exec(file)?.[1]);
    const header = source.slice(0, source.indexOf(']]'));
    const declared = [...header.matchAll(/KEYS\[(\d+)\]/g)].map((m) => Number(m[1]));
    expect(declared).toEqual(Array.from({ length: count }, (_, i) => i + 1));
    const used = new Set([...source.slice(source.indexOf(']]')).matchAll(/KEYS\[(\d+)\]/g)].map((m) => Number(m[1])));
    expect([...used].sort((a, b) => a - b)).toEqual(declared);
  });
});
