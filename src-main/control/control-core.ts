/**
 * The control core: what every front end (Electron IPC, the local web
 * server) drives. It owns the config (load, mask, save with comments kept,
 * apply live), the queue adapter and its connection state, an optional local
 * worker pool, the event tail over every queue and the metrics built from it.
 * Plain Node: nothing here imports electron.
 */
import * as path from 'node:path';
import type {
  AgentsList,
  CommandArgs,
  CommandName,
  CommandResult,
  ConfigSaved,
  ConnectionStatus,
  EventName,
  Events,
  MetricsSnapshot,
  PoolStatus,
} from '../../src-shared/contract';
import type { ConfigPatch, ConveyorConfig } from '../../src-shared/config-schema';
import { ConveyorError, ErrorCode, RedisUnavailableError } from '../../src-shared/errors';
import { queuedCount } from '../../src-shared/job';
import { loadAgents, resolveAgentsDir } from '../agents/registry';
import type { LoadedConfig } from '../config/config-file';
import { adapterOptionsFromConfig } from '../queue/adapter-options';
import { RedisQueueAdapter, type RedisQueueAdapterOptions } from '../queue/redis-queue-adapter';
import { ConfigStore } from './config-store';
import { ConnectionMonitor } from './connection-monitor';
import { EventBus } from './event-bus';
import { adapterEventSource, EventTail } from './event-tail';
import { CommandDispatcher, createHandlerTable, type HandlerContext } from './handler-table';
import { changedSettings, LocalPool, poolChange, poolSettingsFromConfig, type LocalPoolSettings } from './local-pool';
import { Metrics } from './metrics';
import { maskUrlPasswords } from './secrets';
import type { ControlSurface } from './surface';

export interface ControlCoreOptions {
  /** config.yml to load and save; a missing file means defaults (the first save creates it). */
  configPath: string;
  /** Where REDIS_URL and password variables are read. Default process.env. */
  env?: NodeJS.ProcessEnv;
  /**
   * Run a local worker pool from config.yml's `workers:`; an object also
   * overrides pool options (e.g. `threadEntry` in tests), on every rebuild.
   */
  pool?: boolean | Partial<LocalPoolSettings>;
  /** Metrics sliding window. Default 60 000 ms. */
  metricsWindowMs?: number;
  /** How often `metrics.tick` is emitted (and queue depths polled). Default 1000 ms. */
  metricsTickMs?: number;
  /** Jobs followed for wait and run times. Default 100 000. */
  maxTrackedJobs?: number;
  /** How often the event tail looks for new queues. Default 3000 ms. */
  rediscoverMs?: number;
  /** `jobs.events` at most once per this long. Default 50 ms. */
  coalesceMs?: number;
  /** Pause between connection attempts while Redis cannot be reached: doubles from `min` up to `max`. */
  reconnectDelayMs?: { min: number; max: number };
  /** Background notices (default console.warn). */
  log?: (line: string) => void;
  now?: () => number;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Adapter options compared as data; `log` is ours and never differs. */
function optionsKey(o: RedisQueueAdapterOptions): string {
  const { log: _log, ...rest } = o;
  return JSON.stringify(rest);
}

export class ControlCore implements ControlSurface {
  private readonly store: ConfigStore;
  private readonly env: NodeJS.ProcessEnv;
  private readonly log: (line: string) => void;
  private readonly bus: EventBus;
  private readonly monitor: ConnectionMonitor;
  private readonly metricsAgg: Metrics;
  private readonly tail: EventTail;
  private readonly localPool: LocalPool | undefined;
  private readonly poolOverrides: Partial<LocalPoolSettings>;
  private readonly dispatcher: CommandDispatcher;
  private readonly reconnectDelay: { min: number; max: number };

  private adapterNow: RedisQueueAdapter | undefined;
  /**
   * The adapter the local pool still runs on when it is not `adapterNow`: a
   * save that changed only queue defaults gave the core a new adapter and left
   * the pool alone. Closed once the pool lets go of it.
   */
  private poolAdapter: RedisQueueAdapter | undefined;
  private adapterOptions: RedisQueueAdapterOptions | undefined;
  private poolSettings: LocalPoolSettings | undefined;
  /** Bumped whenever the connection is dropped on purpose: stale attempts give up. */
  private generation = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryDelay = 0;
  private tickTimer: NodeJS.Timeout | undefined;
  private polling = false;
  /** Config saves and their live application, one at a time. */
  private serial: Promise<unknown> = Promise.resolve();
  /** Old adapters closing once the pool that used them has stopped. */
  private readonly background = new Set<Promise<void>>();
  private state: 'new' | 'started' | 'closing' | 'closed' = 'new';
  private closing: Promise<void> | undefined;

  constructor(private readonly options: ControlCoreOptions) {
    this.store = new ConfigStore(options.configPath);
    this.env = options.env ?? process.env;
    this.log = options.log ?? ((line) => console.warn(line));
    this.reconnectDelay = options.reconnectDelayMs ?? { min: 500, max: 5000 };
    this.bus = new EventBus(this.log);
    const now = options.now ?? Date.now;
    this.monitor = new ConnectionMonitor({ onChange: (s) => this.bus.emit('connection.changed', s), now });
    this.metricsAgg = new Metrics({
      now,
      ...(options.metricsWindowMs === undefined ? {} : { windowMs: options.metricsWindowMs }),
      ...(options.maxTrackedJobs === undefined ? {} : { maxTrackedJobs: options.maxTrackedJobs }),
    });
    this.tail = new EventTail({
      onEvents: (events) => this.metricsAgg.ingest(events),
      onBatch: (events) => this.bus.emit('jobs.events', events),
      log: this.log,
      ...(options.rediscoverMs === undefined ? {} : { rediscoverMs: options.rediscoverMs }),
      ...(options.coalesceMs === undefined ? {} : { coalesceMs: options.coalesceMs }),
    });
    this.poolOverrides = typeof options.pool === 'object' ? options.pool : {};
    this.localPool = options.pool ? new LocalPool({ onChange: (s) => this.bus.emit('pool.changed', s), log: this.log }) : undefined;
    this.dispatcher = new CommandDispatcher(createHandlerTable(this.handlerContext()));
  }

  /** Creates and starts a core. */
  static async start(options: ControlCoreOptions): Promise<ControlCore> {
    const core = new ControlCore(options);
    try {
      await core.start();
    } catch (err) {
      await core.close();
      throw err;
    }
    return core;
  }

  /**
   * Loads the config (an invalid one throws its ConfigError) and makes the
   * first connection attempt. Resolves once connected (and the local pool
   * started) or once that attempt failed: the core then keeps trying in the
   * background and reports the state as `connection.changed`.
   */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new ConveyorError(ErrorCode.InvalidState, `the control core is ${this.state}`);
    this.state = 'started';
    const loaded = await this.store.load();
    const options = this.adapterOptionsFor(loaded.config);
    if (this.localPool) this.poolSettings = poolSettingsFromConfig(loaded.config, this.store.file, this.poolOverrides);
    this.adapterOptions = options;
    const tickMs = this.options.metricsTickMs ?? 1000;
    this.tickTimer = setInterval(() => void this.tick(), tickMs);
    await this.connect(options, true);
  }

  // ------------------------------------------------------------- surface

  call<C extends CommandName>(command: C, args: CommandArgs<C>): Promise<CommandResult<C>> {
    return this.dispatcher.call(command, args);
  }

  callUntrusted(command: string, args: unknown): Promise<unknown> {
    return this.dispatcher.callUntrusted(command, args);
  }

  subscribe<E extends EventName>(event: E, handler: (payload: Events[E]) => void): () => void {
    return this.bus.subscribe(event, handler);
  }

  // ---------------------------------------------------------- accessors

  /** The config in effect (as saved, not masked: for the main process only). */
  get config(): ConveyorConfig {
    return this.store.current.config;
  }

  get configFile(): string {
    return this.store.file;
  }

  get connection(): ConnectionStatus {
    return this.monitor.status;
  }

  /** The connected adapter, if any (for main-process code beside the core). */
  get adapter(): RedisQueueAdapter | undefined {
    return this.adapterNow;
  }

  // -------------------------------------------------------------- close

  /** Stops everything: the pool (gracefully), the event tail, timers, the Redis connections. */
  close(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  private async doClose(): Promise<void> {
    this.state = 'closing';
    this.generation++;
    clearInterval(this.tickTimer);
    clearTimeout(this.retryTimer);
    await this.serial.catch(() => undefined);
    await this.localPool?.stop();
    await this.tail.stop();
    this.monitor.closed();
    const adapter = this.adapterNow;
    this.adapterNow = undefined;
    await adapter?.close();
    await this.releasePoolAdapter(Promise.resolve());
    await Promise.all([...this.background]);
    this.bus.clear();
    this.state = 'closed';
  }

  // --------------------------------------------------------- connection

  private adapterOptionsFor(config: ConveyorConfig): RedisQueueAdapterOptions {
    const { options } = adapterOptionsFromConfig(config.queue, this.env, path.dirname(this.store.file));
    return { ...options, log: this.log };
  }

  /** One attempt; on failure, more follow in the background until one succeeds or the connection is dropped. */
  private async connect(options: RedisQueueAdapterOptions, fresh: boolean): Promise<boolean> {
    clearTimeout(this.retryTimer);
    const generation = this.generation;
    const target = options.connection.display;
    this.monitor.connecting(target);
    let adapter: RedisQueueAdapter;
    try {
      adapter = await RedisQueueAdapter.connect(options);
    } catch (err) {
      if (generation !== this.generation) return false;
      this.monitor.failed(target, err);
      this.retryDelay = Math.min(Math.max(this.retryDelay * 2, this.reconnectDelay.min), this.reconnectDelay.max);
      this.retryTimer = setTimeout(() => void this.connect(options, fresh), this.retryDelay);
      return false;
    }
    if (generation !== this.generation) {
      await adapter.close();
      return false;
    }
    this.retryDelay = 0;
    this.adapterNow = adapter;
    this.monitor.attach(adapter.redis, target);
    if (fresh) this.metricsAgg.reset();
    this.tail.start(adapterEventSource(adapter), { fresh });
    await this.tail.refresh();
    // Dropped meanwhile (a newer config, close): whoever dropped it cleans up.
    if (generation !== this.generation) return false;
    if (this.localPool && this.poolSettings) await this.localPool.start(adapter, this.poolSettings);
    return generation === this.generation;
  }

  /** Drops the connection on purpose: the pool hands over in the background, the old adapter closes after it. */
  private async disconnect(): Promise<void> {
    this.generation++;
    clearTimeout(this.retryTimer);
    const poolStopped = this.localPool?.detach() ?? Promise.resolve();
    void this.releasePoolAdapter(poolStopped);
    await this.tail.stop();
    this.monitor.detach();
    const adapter = this.adapterNow;
    this.adapterNow = undefined;
    if (!adapter) return;
    const closed = poolStopped.then(() => adapter.close()).finally(() => this.background.delete(closed));
    this.background.add(closed);
  }

  /** Closes the adapter the pool kept (if any) once `poolStopped` resolves. */
  private releasePoolAdapter(poolStopped: Promise<void>): Promise<void> {
    const adapter = this.poolAdapter;
    this.poolAdapter = undefined;
    if (!adapter) return Promise.resolve();
    const closed = poolStopped.then(() => adapter.close()).finally(() => this.background.delete(closed));
    this.background.add(closed);
    return closed;
  }

  /**
   * Only queue defaults or limits changed (same Redis, same prefix, same event
   * stream length): the core takes a new adapter for its own calls, and the
   * local pool keeps running on its own (its jobs and settings are unchanged;
   * issue #17: such a save restarted the pool). False when the swap could not
   * be made; the caller then reconnects everything.
   */
  private async swapCoreAdapter(next: RedisQueueAdapterOptions): Promise<boolean> {
    const old = this.adapterNow;
    if (!old) return false;
    let adapter: RedisQueueAdapter;
    try {
      adapter = await RedisQueueAdapter.connect(next);
    } catch {
      return false;
    }
    await this.tail.stop();
    this.adapterNow = adapter;
    this.adapterOptions = next;
    this.monitor.attach(adapter.redis, next.connection.display);
    this.tail.start(adapterEventSource(adapter), { fresh: false });
    await this.tail.refresh();
    if (this.poolAdapter === undefined && this.localPool?.running) this.poolAdapter = old;
    else {
      const closed = old.close().finally(() => this.background.delete(closed));
      this.background.add(closed);
    }
    return true;
  }

  private requireAdapter(): RedisQueueAdapter {
    const adapter = this.adapterNow;
    if (adapter) return adapter;
    const status = this.monitor.status;
    throw new RedisUnavailableError(
      `Redis at ${status.target || 'the configured address'} is unavailable: ${status.error ?? status.state}`,
      {
        target: status.target,
      },
    );
  }

  // -------------------------------------------------------------- config

  private save(change: { text: string } | { patch: ConfigPatch }): Promise<ConfigSaved> {
    const run = this.serial.then(async () => {
      const saved = 'text' in change ? await this.store.saveText(change.text) : await this.store.savePatch(change.patch);
      const applied = await this.apply(saved);
      return { path: saved.path, warnings: saved.warnings.map(maskUrlPasswords), applied };
    });
    this.serial = run.catch(() => undefined);
    return run;
  }

  /** Brings the running state in line with a just-saved config; says what it did. */
  private async apply(after: LoadedConfig): Promise<string[]> {
    const applied: string[] = [];
    if (this.state !== 'started') return applied;
    let nextOptions: RedisQueueAdapterOptions | undefined;
    try {
      nextOptions = this.adapterOptionsFor(after.config);
    } catch (err) {
      applied.push(`connection not changed: ${messageOf(err)}`);
    }
    const prevOptions = this.adapterOptions;
    const nextPool = this.localPool ? poolSettingsFromConfig(after.config, this.store.file, this.poolOverrides) : undefined;
    const prevPool = this.poolSettings;

    const poolUnchanged = !prevPool || !nextPool || poolChange(prevPool, nextPool) === 'none';
    if (
      nextOptions &&
      prevOptions &&
      optionsKey(nextOptions) !== optionsKey(prevOptions) &&
      poolUnchanged &&
      JSON.stringify(nextOptions.connection) === JSON.stringify(prevOptions.connection) &&
      nextOptions.keyPrefix === prevOptions.keyPrefix &&
      nextOptions.eventsMaxLen === prevOptions.eventsMaxLen &&
      (await this.swapCoreAdapter(nextOptions))
    ) {
      applied.push(`new queue defaults in effect${this.localPool?.running ? '; the local pool keeps running' : ''}`);
      return applied;
    }

    if (nextOptions && prevOptions && optionsKey(nextOptions) !== optionsKey(prevOptions)) {
      const target = nextOptions.connection.display;
      const fresh = target !== prevOptions.connection.display || nextOptions.keyPrefix !== prevOptions.keyPrefix;
      await this.disconnect();
      this.adapterOptions = nextOptions;
      this.poolSettings = nextPool;
      const prefix = nextOptions.keyPrefix !== prevOptions.keyPrefix ? ` with key prefix "${nextOptions.keyPrefix}"` : '';
      const why = fresh
        ? prefix
        : JSON.stringify(nextOptions.connection) !== JSON.stringify(prevOptions.connection)
          ? ' with the new connection settings'
          : ' to apply the new queue defaults';
      if (await this.connect(nextOptions, fresh)) {
        applied.push(`reconnected to ${target}${why}`);
        if (this.localPool?.running) applied.push(`local pool restarted on the new connection (${this.sizeOf()})`);
      } else {
        applied.push(`cannot connect to ${target}${why} yet (${this.monitor.status.error ?? 'no answer'}); retrying in the background`);
      }
      return applied;
    }

    if (this.localPool && prevPool && nextPool) {
      this.poolSettings = nextPool;
      const change = poolChange(prevPool, nextPool);
      const adapter = this.adapterNow;
      if (change === 'restart') {
        const what = changedSettings(prevPool, nextPool).join(', ');
        if (adapter) {
          void this.releasePoolAdapter(this.localPool.detach());
          await this.localPool.start(adapter, nextPool);
          applied.push(
            this.localPool.running
              ? `local pool restarted (${what} changed)`
              : `local pool stopped: it could not restart (${what} changed)`,
          );
        } else {
          applied.push(`local pool will start with the new settings once Redis is connected (${what} changed)`);
        }
      } else if (change === 'resize') {
        if (this.localPool.running) {
          this.localPool.resize({
            ...(nextPool.threads !== prevPool.threads ? { threads: nextPool.threads } : {}),
            ...(nextPool.concurrency !== prevPool.concurrency ? { concurrency: nextPool.concurrency } : {}),
          });
          applied.push(`local pool resized to ${this.sizeOf()}`);
        } else {
          applied.push(`local pool will run ${nextPool.threads}×${nextPool.concurrency} once started`);
        }
      }
    }
    return applied;
  }

  /** threads × jobs per thread. */
  private sizeOf(): string {
    const s = this.localPool?.status();
    return s ? `${s.threads}×${s.concurrency}` : '';
  }

  // ------------------------------------------------------------- agents

  private async agents(): Promise<AgentsList> {
    if (this.localPool?.running) return this.localPool.agents();
    const config = this.store.current.config;
    const loaded = await loadAgents({
      ...(config.workers.agents_dir === undefined ? {} : { agentsDir: resolveAgentsDir(config.workers.agents_dir, this.store.file) }),
      llm: config.agents,
      env: this.env,
    });
    return { agents: loaded.infos, errors: loaded.errors };
  }

  // ------------------------------------------------------------- metrics

  /** Polls queue depths (skipped while a poll is slow or Redis is away), then emits `metrics.tick`. */
  private async tick(): Promise<void> {
    const adapter = this.adapterNow;
    if (adapter && this.monitor.connected && !this.polling) {
      this.polling = true;
      try {
        const queues = this.tail.queues;
        const infos = await Promise.allSettled(queues.map((q) => adapter.getQueueInfo(q)));
        const depths = infos.flatMap((r) => {
          if (r.status !== 'fulfilled') return [];
          const c = r.value.counts;
          return [{ queue: r.value.name, depth: queuedCount(c) + c.delayed, cap: r.value.options.maxLength }];
        });
        // A failed poll says nothing about which queues exist: keep what is known.
        if (depths.length === queues.length && adapter === this.adapterNow) this.metricsAgg.setQueues(depths);
        else for (const d of depths) this.metricsAgg.setDepth(d.queue, d.depth, d.cap);
      } finally {
        this.polling = false;
      }
    }
    if (this.state === 'started') this.bus.emit('metrics.tick', this.metricsAgg.snapshot());
  }

  private metrics(): MetricsSnapshot {
    return this.metricsAgg.snapshot();
  }

  // ------------------------------------------------------------ handlers

  private handlerContext(): HandlerContext {
    return {
      adapter: () => this.requireAdapter(),
      connection: () => this.monitor.status,
      queueCreated: () => this.tail.refresh(),
      poolStatus: (): PoolStatus =>
        this.localPool?.status() ?? { running: false, queues: [], threads: 0, concurrency: 0, processed: 0, failed: 0, active: 0 },
      poolResize: (size) => {
        if (!this.localPool) throw new ConveyorError(ErrorCode.InvalidState, 'this process runs no local worker pool', { pool: 'none' });
        return this.localPool.resize(size);
      },
      configView: () => this.store.view(),
      configValidate: (text) => this.store.validate(text),
      configSave: (change) => this.save(change),
      agents: () => this.agents(),
      metrics: () => this.metrics(),
    };
  }
}
