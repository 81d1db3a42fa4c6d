import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, parseConfig } from '../../../src-shared/config-schema';
import { changedSettings, poolChange, poolSettingsFromConfig } from '../../../src-main/control/local-pool';

const settingsOf = (workers: Record<string, unknown>) =>
  poolSettingsFromConfig(parseConfig({ workers: { ...workers } }).config, '/etc/conveyor/config.yml');

describe('workers.prefetch', () => {
  it('is automatic when unset: the pool gets no fixed number', () => {
    expect(DEFAULT_CONFIG.workers.prefetch).toBeUndefined();
    expect(settingsOf({})).not.toHaveProperty('prefetch');
  });

  it('reaches the pool as set, 0 included', () => {
    expect(settingsOf({ prefetch: 0 }).prefetch).toBe(0);
    expect(settingsOf({ prefetch: 32 }).prefetch).toBe(32);
  });

  it('a change restarts the pool and is named by its config.yml key', () => {
    const a = settingsOf({});
    const b = settingsOf({ prefetch: 0 });
    expect(poolChange(a, b)).toBe('restart');
    expect(changedSettings(a, b)).toEqual(['workers.prefetch']);
  });

  it('a negative number is refused with its path', () => {
    expect(() => parseConfig({ workers: { prefetch: -1 } })).toThrow('workers.prefetch: expected an integer >= 0, got -1');
  });
});

describe('workers.workers', () => {
  it('reaches the control center’s pool as set', () => {
    expect(settingsOf({}).workers).toBe('threads');
    expect(settingsOf({ workers: 'inline' }).workers).toBe('inline');
  });

  it('a change restarts the pool and is named by its config.yml key', () => {
    const a = settingsOf({});
    const b = settingsOf({ workers: 'inline' });
    expect(poolChange(a, b)).toBe('restart');
    expect(changedSettings(a, b)).toEqual(['workers.workers']);
  });
});
