import type { ConveyorApi } from '../../../src-shared/contract';
import { applyJobEvents } from './apply-events';
import { appStore, type AppStore } from './app-store';
import type { AppState } from './app-state';
import { StoreReader } from './store-reader';

export interface BindOptions {
  /** How often to poll what has no events (queues, workers, pool, the shown jobs). */
  pollMs?: number;
  /** Delay before re-reading the open job after events about it (a burst of progress gives one read). */
  detailDebounceMs?: number;
}

/** What a bound store offers the views: on-demand reads (after a command, on scroll), and `stop`. */
export interface StoreBinding {
  readonly read: StoreReader;
  stop(): void;
}

/**
 * Feeds the store from outside React: subscribes to every event channel,
 * applies each batch with one `setState`, polls what has no events, and reads
 * again whatever a UI change points at (a new list filter, an opened job).
 */
export function bindStore(api: ConveyorApi, store: AppStore = appStore, options: BindOptions = {}): StoreBinding {
  const pollMs = options.pollMs ?? 2000;
  const detailDebounceMs = options.detailDebounceMs ?? 250;
  const read = new StoreReader(api, store);
  let stopped = false;
  let detailTimer: ReturnType<typeof setTimeout> | undefined;

  const readDetailSoon = (): void => {
    if (detailTimer !== undefined || stopped) return;
    detailTimer = setTimeout(() => {
      detailTimer = undefined;
      if (!stopped) void read.detail();
    }, detailDebounceMs);
  };

  const readAll = (): void => {
    void read.connection();
    void read.queues();
    void read.workers();
    void read.pool();
    void read.metrics();
    void read.agents();
    void read.config();
    void read.jobList();
    void read.detail();
  };

  const unlisten = [
    api.listen('jobs.events', (batch) => {
      if (!Array.isArray(batch) || batch.length === 0) return;
      store.setState((s) => applyJobEvents(s, batch));
      const d = store.getState().detail;
      if (d && batch.some((e) => e.jobId === d.id && e.queue === d.queue)) readDetailSoon();
    }),
    api.listen('metrics.tick', (metrics) => store.setState({ metrics })),
    api.listen('pool.changed', (pool) => store.setState({ pool })),
    api.listen('connection.changed', (connection) => {
      const was = store.getState().connection?.state;
      store.setState({ connection });
      // Back from an outage: everything polled may be stale, and events may have been missed.
      if (connection.state === 'connected' && was !== 'connected' && was !== undefined) readAll();
    }),
  ];

  // Follow the UI: a new list or an opened job is read at once, not at the next poll.
  const unsubscribe = store.subscribe((s: AppState, prev: AppState) => {
    if (
      s.jobList.key !== prev.jobList.key ||
      s.flowList.queue !== prev.flowList.queue ||
      (s.jobsFilter.queue !== prev.jobsFilter.queue && s.jobList.key === null)
    ) {
      void read.jobList();
    }
    if (s.detail !== prev.detail && s.detail && (!prev.detail || s.detail.id !== prev.detail.id || s.detail.queue !== prev.detail.queue)) {
      void read.detail();
    }
    if (s.route.view !== prev.route.view) {
      if (s.route.view === 'enqueue' || s.route.view === 'jobs') void read.agents();
      if (s.route.view === 'config') void read.config();
      if (s.route.view === 'jobs') void read.jobList();
    }
  });

  const tick = (): void => {
    const s = store.getState();
    void read.connection();
    void read.queues();
    void read.workers();
    void read.pool();
    // Only the Jobs view shows lists; a search is not re-run on a timer (events keep its rows live).
    if (s.route.view === 'jobs' && s.jobsFilter.search.trim() === '') void read.jobList();
    if (read.detailIsLive()) void read.detail();
  };

  readAll();
  const timer = setInterval(tick, pollMs);

  return {
    read,
    stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      if (detailTimer !== undefined) clearTimeout(detailTimer);
      unsubscribe();
      for (const off of unlisten) off();
    },
  };
}
