import type { DetailState } from './detail';
import { emptyFlowList, type FlowListState } from './flow-list';
import { emptyList, type JobListState } from './job-list';
import type { LiveJobs } from './live-jobs';

export interface JobsSlice {
  /** Bounded live cache of every queue's recent jobs. */
  jobs: LiveJobs;
  /** Event batches applied so far; orders reads against events (see JobRow.seq). */
  jobsSeq: number;
  /** The Jobs view's window onto the server's list. */
  jobList: JobListState;
  /** The Jobs view's flows listing, when it shows flows. */
  flowList: FlowListState;
  /** The job the detail view shows, if it is open. */
  detail: DetailState | null;
}

export const initialJobs: JobsSlice = {
  jobs: new Map(),
  jobsSeq: 0,
  jobList: emptyList(null),
  flowList: emptyFlowList(null),
  detail: null,
};
