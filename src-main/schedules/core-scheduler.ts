import { loadConfigFile } from '../config/config-file';
import { applyLimitsConfig } from '../limits/apply-config';
import type { RedisQueueAdapter } from '../queue/redis-queue-adapter';
import { startConfiguredScheduler } from './config-apply';
import type { Scheduler } from './scheduler';

/** How often the adapter of the core is looked at (a property read, no Redis call). */
const FOLLOW_MS = 1000;

/**
 * Runs a scheduler on whatever adapter a control core holds (`serve`, `dev`,
 * the desktop app): the core reconnects when its config changes, so the
 * scheduler follows; config.yml's schedules and limits (an upsert, as
 * `conveyor worker` does) are applied on each new adapter.
 */
export function followCoreScheduler(
  core: { readonly adapter: RedisQueueAdapter | undefined },
  configPath: string,
  log: (line: string) => void,
): { stop(): Promise<void> } {
  let current: { adapter: RedisQueueAdapter; scheduler: Promise<Scheduler> } | undefined;
  let stopped = false;
  const check = (): void => {
    const adapter = core.adapter;
    if (current?.adapter === adapter) return;
    if (current) void current.scheduler.then((s) => s.stop());
    current = undefined;
    if (!adapter || stopped) return;
    current = {
      adapter,
      scheduler: loadConfigFile(configPath)
        .then(async (loaded) => {
          // Limits that fail to apply are logged; the schedules still start.
          await applyLimitsConfig(adapter.limits, loaded.config.limits, await adapter.listQueues())
            .then((notes) => notes.forEach(log))
            .catch((err: unknown) => log(`conveyor: limits: ${err instanceof Error ? err.message : String(err)}`));
          return startConfiguredScheduler(adapter, loaded.config, log, loaded.path);
        })
        .catch((err: unknown) => {
          log(`conveyor: schedules: ${err instanceof Error ? err.message : String(err)}`);
          return { wake: () => undefined, stop: async () => undefined };
        }),
    };
  };
  check();
  const timer = setInterval(check, FOLLOW_MS);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await current?.scheduler.then((s) => s.stop());
      current = undefined;
    },
  };
}
