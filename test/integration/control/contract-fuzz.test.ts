import { readFile } from 'node:fs/promises';
import { describe, expect } from 'vitest';
import { COMMAND_NAMES } from '../../../src-shared/contract';
import { ConveyorError, ErrorCode } from '../../../src-shared/errors';
import { controlTest } from '../../support/contract-suite';

const test = controlTest();

/** Deterministic, so a failure reproduces. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function randomValue(r: () => number, depth = 0): unknown {
  const pick = Math.floor(r() * (depth > 2 ? 7 : 10));
  switch (pick) {
    case 0:
      return null;
    case 1:
      return Math.floor(r() * 2e9) - 1e9;
    case 2:
      return r() * 1e308;
    case 3:
      return ['', 'work', 'a{b}', '../x', '💥'.repeat(50), 'x'.repeat(300), 'dead', 'waiting'][Math.floor(r() * 8)];
    case 4:
      return r() < 0.5;
    case 5:
      return undefined;
    case 6:
      return NaN;
    case 7:
      return Array.from({ length: Math.floor(r() * 4) }, () => randomValue(r, depth + 1));
    default: {
      const keys = [
        'queue',
        'name',
        'id',
        'ids',
        'item',
        'items',
        'text',
        'patch',
        'state',
        'limit',
        'cursor',
        'options',
        'message',
        'threads',
        '__proto__',
        'constructor',
      ];
      const o: Record<string, unknown> = {};
      for (let i = Math.floor(r() * 4); i > 0; i--) o[keys[Math.floor(r() * keys.length)]!] = randomValue(r, depth + 1);
      return o;
    }
  }
}

// Random and malformed commands at the handler table: the core never crashes and answers
// only typed errors; nothing reaches Redis or the config file that should not.
describe('the contract handler under random input', () => {
  test('answers every random call with a result or a typed error, never an untyped one', async ({ open }) => {
    const { core, file } = await open();
    const before = await readFile(file);
    const r = rng(7);
    const codes = new Set<string>();
    for (let i = 0; i < 1500; i++) {
      const name =
        r() < 0.85
          ? COMMAND_NAMES[Math.floor(r() * COMMAND_NAMES.length)]!
          : ['', 'jobs', 'config.save.x', '__proto__', 'constructor', 'toString'][Math.floor(r() * 6)]!;
      // Saving config with random text is covered by its own tests; here it would only rewrite the file.
      if (name === 'config.save') continue;
      try {
        await core.callUntrusted(name, randomValue(r));
      } catch (err) {
        expect(err, `${name} threw an untyped error`).toBeInstanceOf(ConveyorError);
        expect((err as ConveyorError).code, `${name}: ${(err as Error).message}`).not.toBe(ErrorCode.Internal);
        codes.add((err as ConveyorError).code);
      }
    }
    expect(codes).toContain(ErrorCode.InvalidArgs);
    expect(codes).toContain(ErrorCode.UnknownCommand);
    expect(await readFile(file)).toEqual(before);
    expect((await core.call('connection.status', undefined)).state).toBe('connected');
  }, 60_000);
});
