import type { ConveyorApi } from '../../../src-shared/contract';
import { JOB_STATES, type JobRecord } from '../../../src-shared/job';
import { toUiError } from '../lib/errors';
import type { AppStore } from './app-store';
import { isFinal, mostRelevantQueue } from './selectors';
import { applyFlowFirstPage, applyFlowNextPage, FLOW_PAGE_SIZE, flowListFailed } from './slices/flow-list';
import { applyFirstPage, applyNextPage, applySearchResult, listFailed, listKey, PAGE_SIZE, SEARCH_LIMIT } from './slices/job-list';
import { liveRowsOf, mergeRecords } from './slices/live-jobs';
import { setReadError } from './slices/connection';
import { loadLastKnown, saveLastKnown } from './last-known';
import { applyQueueList } from './slices/queues';

/** How many of each state the `all` view reads to fill the live cache when it opens (events do the rest). */
export const SEED_PER_STATE = 100;

/**
 * Every read the UI makes, each applied with one `setState`. Reads are single
 * flight: a poll that finds the previous read of the same thing still out
 * skips it rather than piling requests up behind a slow or unreachable server.
 */
/** Rows read per `jobs.getMany` when filling the live list. */
export const FILL_BATCH = 200;

export class StoreReader {
  private readonly inflight = new Set<string>();
  /** Live rows already read for their input (some jobs have none): each is read once. */
  private readonly filled = new Set<string>();
  /** The queue list was saved for a later outage at least once this session. */
  private savedOnce = false;

  constructor(
    private readonly api: ConveyorApi,
    private readonly store: AppStore,
  ) {}

  /** Runs `read` unless one under `name` is out; a failure is kept in `readErrors` (the status bar) until it succeeds. */
  private async once(name: string, read: () => Promise<void>): Promise<void> {
    if (this.inflight.has(name)) return;
    this.inflight.add(name);
    const what = name.split(':')[0] ?? name;
    try {
      await read();
      this.store.setState((s) => ({ readErrors: setReadError(s.readErrors, what, null) }));
    } catch (err) {
      const message = toUiError(err).message;
      this.store.setState((s) => ({ readErrors: setReadError(s.readErrors, what, message) }));
    } finally {
      this.inflight.delete(name);
    }
  }

  connection(): Promise<void> {
    return this.once('connection.status', async () => {
      const connection = await this.api.call('connection.status');
      this.store.setState({ connection });
      if (connection.state !== 'connected') this.restoreQueues(connection.target);
    });
  }

  /** Nothing read yet and Redis away: show the queues last read from this Redis, marked as such. */
  restoreQueues(target: string): void {
    const s = this.store.getState();
    if (s.queuesLoaded) return;
    const last = loadLastKnown(target);
    if (!last) return;
    this.store.setState((st) =>
      st.queuesLoaded ? {} : { queues: applyQueueList(st.queues, last.queues), queuesLoaded: true, queuesAsOf: last.at },
    );
    const queue = mostRelevantQueue(last.queues, null);
    if (this.store.getState().jobsFilter.queue === null && queue !== null) this.store.getState().setJobsFilter({ queue });
  }

  queues(): Promise<void> {
    return this.once('queues.list', async () => {
      const list = await this.api.call('queues.list');
      const before = this.store.getState().queues;
      this.store.setState((s) => ({ queues: applyQueueList(s.queues, list), queuesLoaded: true, queuesAsOf: null }));
      const target = this.store.getState().connection?.target;
      if (target && (this.store.getState().queues !== before || !this.savedOnce)) {
        this.savedOnce = true;
        saveLastKnown(target, list, Date.now());
      }
      // The Jobs view starts on the busiest queue rather than on nothing.
      const s = this.store.getState();
      const queue = mostRelevantQueue(list, s.metrics);
      if (s.jobsFilter.queue === null && queue !== null) s.setJobsFilter({ queue });
    });
  }

  workers(): Promise<void> {
    return this.once('workers.list', async () => {
      const workers = await this.api.call('workers.list');
      this.store.setState({ workers, workersLoaded: true });
    });
  }

  pool(): Promise<void> {
    return this.once('pool.status', async () => {
      const pool = await this.api.call('pool.status');
      this.store.setState({ pool });
    });
  }

  metrics(): Promise<void> {
    return this.once('metrics.snapshot', async () => {
      const metrics = await this.api.call('metrics.snapshot');
      // A tick that came in meanwhile is newer.
      this.store.setState((s) => (s.metrics && s.metrics.at >= metrics.at ? {} : { metrics }));
    });
  }

  config(): Promise<void> {
    return this.once('config.get', async () => {
      const config = await this.api.call('config.get');
      this.store.setState({ config });
    });
  }

  agents(): Promise<void> {
    return this.once('agents.list', async () => {
      const agents = await this.api.call('agents.list');
      this.store.setState({ agents });
    });
  }

  /** The Jobs view's data: the first page of its list, its search, its flows, or (state `all`) a seed of every state. */
  jobList(): Promise<void> {
    const filter = this.store.getState().jobsFilter;
    const queue = filter.queue;
    if (queue === null) return Promise.resolve();
    if (filter.flows) return this.flows(queue);
    const key = listKey(filter);
    if (key === null) return this.seed(queue);
    const sentSeq = this.store.getState().jobsSeq;
    const search = filter.search.trim();
    const agent = filter.agent === null ? {} : { agent: filter.agent };
    return this.once(`${search !== '' ? 'jobs.search' : 'jobs.list'}:${key}`, async () => {
      try {
        if (search !== '') {
          const records = await this.api.call('jobs.search', { queue, text: search, ...agent, limit: SEARCH_LIMIT });
          this.store.setState((s) => ({
            jobList: applySearchResult(s.jobList, key, records, sentSeq),
            jobs: mergeRecords(s.jobs, queue, records, sentSeq),
          }));
        } else if (filter.state !== 'all') {
          const state = filter.state;
          const page = await this.api.call('jobs.list', { queue, state, ...agent, limit: PAGE_SIZE });
          this.store.setState((s) => ({
            jobList: applyFirstPage(s.jobList, key, state, page, sentSeq),
            jobs: mergeRecords(s.jobs, queue, page.jobs, sentSeq),
          }));
        }
      } catch (err) {
        this.store.setState((s) => ({ jobList: listFailed(s.jobList, key, toUiError(err).message) }));
        throw err;
      }
    });
  }

  /** The first page of the Jobs view's flows listing. */
  private flows(queue: string): Promise<void> {
    return this.once(`flows.list:${queue}`, async () => {
      try {
        const page = await this.api.call('flows.list', { queue, limit: FLOW_PAGE_SIZE });
        this.store.setState((s) => ({ flowList: applyFlowFirstPage(s.flowList, queue, page) }));
      } catch (err) {
        this.store.setState((s) => ({ flowList: flowListFailed(s.flowList, queue, toUiError(err).message) }));
        throw err;
      }
    });
  }

  /** The next page of the Jobs view's flows listing. */
  loadMoreFlows(): Promise<void> {
    const { flowList } = this.store.getState();
    const { queue, cursor } = flowList;
    if (queue === null || cursor === undefined || flowList.loading) return Promise.resolve();
    return this.once(`flows.list:more:${queue}`, async () => {
      this.store.setState((s) => (s.flowList.queue === queue ? { flowList: { ...s.flowList, loading: true } } : {}));
      try {
        const page = await this.api.call('flows.list', { queue, cursor, limit: FLOW_PAGE_SIZE });
        this.store.setState((s) => ({ flowList: applyFlowNextPage(s.flowList, queue, page) }));
      } catch (err) {
        this.store.setState((s) => ({ flowList: flowListFailed(s.flowList, queue, toUiError(err).message) }));
        throw err;
      }
    });
  }

  /** The next page of the Jobs view's list (scrolling near its end). */
  loadMoreJobs(): Promise<void> {
    const { jobsFilter: filter, jobList } = this.store.getState();
    const key = jobList.key;
    const queue = filter.queue;
    const cursor = jobList.cursor;
    if (key === null || queue === null || cursor === undefined || filter.state === 'all' || jobList.loading) return Promise.resolve();
    const state = filter.state;
    const agent = filter.agent === null ? {} : { agent: filter.agent };
    const sentSeq = this.store.getState().jobsSeq;
    return this.once(`jobs.list:more:${key}`, async () => {
      this.store.setState((s) => (s.jobList.key === key ? { jobList: { ...s.jobList, loading: true } } : {}));
      try {
        const page = await this.api.call('jobs.list', { queue, state, ...agent, cursor, limit: PAGE_SIZE });
        this.store.setState((s) => ({ jobList: applyNextPage(s.jobList, key, page, sentSeq) }));
      } catch (err) {
        this.store.setState((s) => ({ jobList: listFailed(s.jobList, key, toUiError(err).message) }));
        throw err;
      }
    });
  }

  /**
   * The live list's rows that only events built (no agent or input: events do
   * not carry the input), read in one call per batch (issue #17: completed rows
   * showed Agent "—" and no input).
   */
  fillLiveRows(queue: string): Promise<void> {
    return this.once(`jobs.getMany:${queue}`, async () => {
      const rows = liveRowsOf(this.store.getState().jobs, queue);
      const ids: string[] = [];
      // Newest first: those are the rows on screen.
      for (const row of [...rows.values()].reverse()) {
        const key = `${queue}\u0000${row.id}`;
        if (row.preview !== undefined || this.filled.has(key)) continue;
        this.filled.add(key);
        ids.push(row.id);
        if (ids.length >= FILL_BATCH) break;
      }
      if (ids.length === 0) return;
      const sentSeq = this.store.getState().jobsSeq;
      const records = await this.api.call('jobs.getMany', { queue, ids });
      this.store.setState((s) => ({ jobs: mergeRecords(s.jobs, queue, records, sentSeq) }));
    });
  }

  private seed(queue: string): Promise<void> {
    return this.once(`jobs.list:seed:${queue}`, async () => {
      const sentSeq = this.store.getState().jobsSeq;
      const pages = await Promise.all(JOB_STATES.map((state) => this.api.call('jobs.list', { queue, state, limit: SEED_PER_STATE })));
      const records: JobRecord[] = pages.flatMap((p) => p.jobs);
      this.store.setState((s) => ({ jobs: mergeRecords(s.jobs, queue, records, sentSeq) }));
    });
  }

  /** The open job. A read older than an event already shown keeps the event's view and takes only the attempts. */
  detail(): Promise<void> {
    const detail = this.store.getState().detail;
    if (!detail) return Promise.resolve();
    const { queue, id } = detail;
    return this.once(`jobs.get:${queue}/${id}`, async () => {
      const sentSeq = this.store.getState().jobsSeq;
      let record: JobRecord | null;
      try {
        record = await this.api.call('jobs.get', { queue, id });
      } catch (err) {
        this.store.setState((s) =>
          s.detail && s.detail.queue === queue && s.detail.id === id ? { detail: { ...s.detail, error: toUiError(err).message } } : {},
        );
        throw err;
      }
      this.store.setState((s) => {
        const d = s.detail;
        if (!d || d.queue !== queue || d.id !== id) return {};
        const stale = d.eventSeq > sentSeq && d.record;
        const next = { ...d, record: stale && record && d.record ? { ...d.record, attempts: record.attempts } : record, readSeq: sentSeq };
        delete next.error;
        return { detail: next, ...(record ? { jobs: mergeRecords(s.jobs, queue, [record], sentSeq) } : {}) };
      });
    });
  }

  /** Whether the open job may still change without an event we would see (heartbeats). */
  detailIsLive(): boolean {
    const d = this.store.getState().detail;
    return d !== null && (d.record === undefined || (d.record !== null && !isFinal(d.record.state)));
  }
}
