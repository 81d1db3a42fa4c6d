/**
 * config.yml as the control center sees it: read masked, validated, saved
 * with comments kept and masked secrets put back. Knows nothing about
 * applying a config; the core does that with what `save*` returns.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parseDocument } from 'yaml';
import type { ConfigValidation, ConfigView } from '../../src-shared/contract';
import type { ConfigPatch } from '../../src-shared/config-schema';
import { ConfigError, ConveyorError, ErrorCode } from '../../src-shared/errors';
import { checkConfigText, loadConfigFile, saveConfigPatch, saveConfigText, type LoadedConfig } from '../config/config-file';
import { maskText, maskUrlPasswords, maskValue, unmaskPatch, unmaskText } from './secrets';

export class ConfigStore {
  private loaded: LoadedConfig | undefined;
  /** Absolute path of config.yml (it may not exist yet). */
  readonly file: string;

  constructor(configPath: string) {
    this.file = path.resolve(configPath);
  }

  /** The config in effect (the last one loaded or saved). */
  get current(): LoadedConfig {
    if (!this.loaded) throw new ConveyorError(ErrorCode.Internal, 'the config has not been loaded yet');
    return this.loaded;
  }

  /** Loads the file (a missing one is all defaults); an invalid one throws a ConfigError. */
  async load(): Promise<LoadedConfig> {
    this.loaded = await loadConfigFile(this.file);
    return this.loaded;
  }

  /** The file as on disk and as parsed, secrets masked. An invalid file shows the config in effect, and says so. */
  async view(): Promise<ConfigView> {
    const text = (await this.readText()) ?? '';
    let config = this.current.config;
    let warnings: string[];
    try {
      const checked = checkConfigText(this.file, text);
      config = checked.config;
      warnings = checked.warnings;
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      warnings = [`the file is not valid (${err.message}); showing the configuration in effect`];
    }
    return { path: this.file, text: maskText(text), config: maskValue(config), warnings: warnings.map(maskUrlPasswords) };
  }

  async validate(text: string): Promise<ConfigValidation> {
    try {
      const checked = checkConfigText(this.file, unmaskText(text, await this.readText()));
      return { ok: true, warnings: checked.warnings.map(maskUrlPasswords) };
    } catch (err) {
      if (err instanceof ConfigError) return { ok: false, issues: err.issues };
      throw err;
    }
  }

  /** Validates and writes `text` verbatim (masked secrets put back). Invalid → ConfigError, file untouched. */
  async saveText(text: string): Promise<LoadedConfig> {
    const real = unmaskText(text, await this.readText());
    this.loaded = await saveConfigText(this.file, real);
    return this.loaded;
  }

  /** Merges `patch` into the file (comments kept; masked values keep the stored ones). */
  async savePatch(patch: ConfigPatch): Promise<LoadedConfig> {
    const stored = await this.readText();
    let raw: unknown;
    try {
      raw = stored === undefined ? undefined : parseDocument(stored).toJS();
    } catch {
      // Not valid YAML: nothing to take stored values from; the save reports the file's problem.
    }
    this.loaded = await saveConfigPatch(this.file, unmaskPatch(patch, raw));
    return this.loaded;
  }

  private async readText(): Promise<string | undefined> {
    try {
      return await fs.readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new ConveyorError(
        ErrorCode.ConfigIo,
        `${this.file}: cannot read config file: ${(err as Error).message}`,
        { path: this.file },
        { cause: err },
      );
    }
  }
}
