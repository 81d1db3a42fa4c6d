/**
 * The contract's plain name lists and IPC channel names, with no runtime
 * dependency: the sandboxed preload and the renderer import these without
 * pulling zod into their bundles. contract.ts re-exports them and checks at
 * compile time that they list exactly the commands and events it defines.
 */

export const COMMAND_NAME_LIST = [
  'connection.status',
  'queues.list',
  'queues.create',
  'queues.pause',
  'queues.resume',
  'queues.drain',
  'jobs.enqueue',
  'jobs.enqueueMany',
  'jobs.list',
  'jobs.get',
  'jobs.search',
  'jobs.retry',
  'jobs.retryAll',
  'jobs.cancel',
  'jobs.remove',
  'jobs.ids',
  'jobs.getMany',
  'jobs.promote',
  'workers.list',
  'pool.status',
  'pool.resize',
  'config.get',
  'config.validate',
  'config.save',
  'agents.list',
  'metrics.snapshot',
  'schedules.list',
  'schedules.upsert',
  'schedules.remove',
  'schedules.pause',
  'schedules.resume',
  'schedules.runNow',
  // Flows (#19)
  'flows.tree',
  'flows.list',
  // Observability (#21).
  'metrics.history',
  'limits.list',
  'limits.set',
  'limits.remove',
] as const;

export const EVENT_NAME_LIST = ['jobs.events', 'metrics.tick', 'connection.changed', 'pool.changed'] as const;

export type ListedCommandName = (typeof COMMAND_NAME_LIST)[number];
export type ListedEventName = (typeof EVENT_NAME_LIST)[number];

/** IPC channel names: one per command, one per event. */
export const ipcChannel = {
  command: (c: ListedCommandName): string => `conveyor:cmd:${c}`,
  event: (e: ListedEventName): string => `conveyor:evt:${e}`,
};
