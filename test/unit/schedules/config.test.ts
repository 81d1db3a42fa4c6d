import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { parseConfig } from '../../../src-shared/config-schema';

const root = resolve(__dirname, '../../..');

describe('config.yml schedules:', () => {
  test('the README example is valid config with two schedules', () => {
    const md = readFileSync(resolve(root, 'README.md'), 'utf8');
    const block = [...md.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] as string).find((b) => b.startsWith('schedules:'));
    expect(parseConfig(parse(block ?? '')).config.schedules).toHaveLength(2);
  });

  test('config.example.yml, its entries commented out, has none', () => {
    expect(parseConfig(parse(readFileSync(resolve(root, 'config.example.yml'), 'utf8'))).config.schedules).toBeUndefined();
  });

  test('an entry needs exactly one of cron and every', () => {
    expect(() => parseConfig({ schedules: [{ id: 'a', queue: 'q', agent: 'x' }] })).toThrow(
      'schedules[0]: expected exactly one of cron and every',
    );
  });

  test('an id is unique per queue', () => {
    const twice = {
      schedules: [
        { id: 'a', queue: 'q', agent: 'x', every: '1s' },
        { id: 'a', queue: 'q', agent: 'x', every: '2s' },
      ],
    };
    expect(() => parseConfig(twice)).toThrow('schedules[1].id: expected a unique id per queue');
  });

  test('an interval under 1s is refused, naming the key', () => {
    expect(() => parseConfig({ schedules: [{ id: 'a', queue: 'q', agent: 'x', every: 500 }] })).toThrow(/schedules\[0\]\.every: expected/);
  });
});
