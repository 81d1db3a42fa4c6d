/**
 * From global options to a connected queue adapter: finds and loads
 * config.yml, applies `--redis-url`, prints config warnings once, and connects
 * (failing at once when nothing listens at the target).
 */
import * as path from 'node:path';
import type { ConfigLocation, ConfigSource } from '../config/config-lookup';
import { findConfigFile } from '../config/config-lookup';
import { loadConfigFile, type LoadedConfig } from '../config/config-file';
import { parseRedisUrl } from '../config/connection-settings';
import { adapterOptionsFromConfig } from '../queue/adapter-options';
import { RedisQueueAdapter, type RedisQueueAdapterOptions } from '../queue/redis-queue-adapter';
import type { CliIo } from './io';
import { warn } from './output';

export interface GlobalOptions {
  config?: string;
  redisUrl?: string;
  debug?: boolean;
}

export interface ResolvedConfig {
  location: ConfigLocation;
  loaded: LoadedConfig;
  options: RedisQueueAdapterOptions;
  /** Where the Redis target came from, for people: `--redis-url`, `REDIS_URL`, a config key, or defaults. */
  targetSource: string;
}

const CONFIG_SOURCE: Record<ConfigLocation['source'], string> = {
  argument: '--config',
  env: 'CONVEYOR_CONFIG',
  cwd: './config.yml',
  user: 'user config folder',
};

export function describeConfigSource(source: ConfigSource): string {
  return CONFIG_SOURCE[source];
}

export class CliContext {
  private resolved: Promise<ResolvedConfig> | undefined;
  private readonly warned = new Set<string>();

  constructor(
    readonly io: CliIo,
    readonly globals: GlobalOptions,
  ) {}

  get debug(): boolean {
    return this.globals.debug === true;
  }

  /** The environment the adapter sees: the process's, with `--redis-url` as REDIS_URL. */
  get env(): NodeJS.ProcessEnv {
    return this.globals.redisUrl === undefined ? this.io.env : { ...this.io.env, REDIS_URL: this.globals.redisUrl };
  }

  config(): Promise<ResolvedConfig> {
    this.resolved ??= this.load();
    return this.resolved;
  }

  /** Adapter options for the config with another Redis URL (e.g. the one `dev` started). */
  async optionsFor(redisUrl: string): Promise<RedisQueueAdapterOptions> {
    const { loaded } = await this.config();
    return adapterOptionsFromConfig(loaded.config.queue, { ...this.env, REDIS_URL: redisUrl }, path.dirname(loaded.path)).options;
  }

  private async load(): Promise<ResolvedConfig> {
    const { io, globals } = this;
    // Checked here so the message names the option, not the REDIS_URL it is passed on as.
    if (globals.redisUrl !== undefined) parseRedisUrl(globals.redisUrl, { path: '--redis-url' });
    const location = findConfigFile({
      ...(globals.config === undefined ? {} : { explicitPath: globals.config }),
      env: io.env,
      cwd: io.cwd,
    });
    const loaded = await loadConfigFile(location.path, { required: location.source === 'argument' || location.source === 'env' });
    const { options, warnings } = adapterOptionsFromConfig(loaded.config.queue, this.env, path.dirname(loaded.path));
    for (const w of [...loaded.warnings, ...warnings]) this.warnOnce(w);
    return { location, loaded, options, targetSource: this.targetSource(loaded) };
  }

  private targetSource(loaded: LoadedConfig): string {
    if (this.globals.redisUrl !== undefined) return '--redis-url';
    if (this.io.env.REDIS_URL) return 'REDIS_URL';
    if (!loaded.exists) return 'defaults; no config file';
    return loaded.config.queue.redis_url === undefined
      ? `queue.redis_host/redis_port in ${loaded.path}`
      : `queue.redis_url in ${loaded.path}`;
  }

  warnOnce(message: string): void {
    if (this.warned.has(message)) return;
    this.warned.add(message);
    warn(this.io.stderr, message);
  }

  /**
   * Connects to Redis. A closed port or unknown host fails at once (with
   * `patient`, it is retried); a target that does not answer fails after
   * `connection_timeout`.
   */
  async connect(options?: RedisQueueAdapterOptions, opts: { patient?: boolean } = {}): Promise<RedisQueueAdapter> {
    const adapterOptions = options ?? (await this.config()).options;
    return RedisQueueAdapter.connect(
      {
        ...adapterOptions,
        log: (line) => this.warnOnce(line.replace(/^\[conveyor\]\s*/, '')),
      },
      { patient: opts.patient === true },
    );
  }

  /** Connects, runs `fn`, and always closes the adapter. */
  async withAdapter<T>(fn: (adapter: RedisQueueAdapter, config: ResolvedConfig) => Promise<T>): Promise<T> {
    const config = await this.config();
    const adapter = await this.connect(config.options);
    try {
      return await fn(adapter, config);
    } finally {
      await adapter.close();
    }
  }
}
