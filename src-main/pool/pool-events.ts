import type { AgentInfo, AgentLoadError } from '../../src-shared/agent';

/** `dropped`: a lease that arrived (or a held job that waited) too close to its deadline; it did not run. */
export type JobEventState = 'started' | 'completed' | 'retrying' | 'dead' | 'cancelled' | 'released' | 'lost' | 'dropped';

export type PoolEvent =
  | {
      type: 'job';
      state: JobEventState;
      queue: string;
      id: string;
      attempt: number;
      agent?: string;
      durationMs?: number;
      error?: string;
      reason?: string;
    }
  | { type: 'thread'; state: 'ready' | 'stalled' | 'died' | 'retired'; threadId: number; reason?: string; error?: string }
  | { type: 'agents'; agents: AgentInfo[]; errors: AgentLoadError[] }
  /** Redis stopped answering (refused, or silent past the watchdog's limit), and when it answered again. */
  | { type: 'outage'; state: 'started'; reason: string }
  | { type: 'outage'; state: 'ended'; durationMs: number }
  | { type: 'error'; error: Error };
