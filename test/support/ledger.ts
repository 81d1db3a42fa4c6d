/**
 * The fault-injection harness: a producer records a job id as acknowledged
 * only when `enqueue` resolved; the `ledger` fixture agent records every run;
 * `classify` then sorts every acknowledged id into completed, dead, lost
 * (missing or never finished) or duplicated (completed by more than one
 * attempt). A run passes only with lost = 0, duplicated = 0, nothing active,
 * and completed + dead = acknowledged.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkerPool } from '../../src-main/pool/pool';
import type { RedisQueueAdapter } from '../../src-main/queue/redis-queue-adapter';
import { FIXTURE_AGENTS, THREAD_ENTRY } from './pool';

export interface LedgerReport {
  acknowledged: number;
  completed: number;
  dead: number;
  lost: string[];
  duplicated: string[];
  /** Runs per job id, from the ledger (at-least-once: more than one is allowed). */
  runs: Map<string, number>;
}

export function readLedger(file: string): Map<string, number> {
  const runs = new Map<string, number>();
  if (!existsSync(file)) return runs;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const [id] = line.split(' ');
    if (id) runs.set(id, (runs.get(id) ?? 0) + 1);
  }
  return runs;
}

export async function classify(
  adapter: RedisQueueAdapter,
  queue: string,
  acknowledged: Iterable<string>,
  ledgerFile: string,
): Promise<LedgerReport> {
  const report: LedgerReport = { acknowledged: 0, completed: 0, dead: 0, lost: [], duplicated: [], runs: readLedger(ledgerFile) };
  for (const id of acknowledged) {
    report.acknowledged++;
    const job = await adapter.getJob(queue, id);
    if (!job || (job.state !== 'completed' && job.state !== 'dead')) {
      report.lost.push(id);
      continue;
    }
    if (job.state === 'dead') report.dead++;
    else report.completed++;
    if (job.attempts.filter((a) => a.outcome === 'completed').length > 1) report.duplicated.push(id);
  }
  return report;
}

/** A ledger file of its own (in a fresh temp folder) for the `ledger` agent to record runs in. */
export function newLedgerFile(): string {
  return join(mkdtempSync(join(tmpdir(), 'cvt-ledger-')), 'ledger.txt');
}

/**
 * The pool the fault tests run the `ledger` agent with, started: one thread of
 * 8 jobs, short kill grace and shutdown, heartbeats every 500 ms. The caller
 * stops it.
 */
export async function startLedgerPool(adapter: RedisQueueAdapter, queue: string): Promise<WorkerPool> {
  const pool = new WorkerPool({
    adapter,
    queues: [queue],
    threads: 1,
    concurrency: 8,
    jobTimeoutMs: 30_000,
    killGraceMs: 500,
    maxMemoryMb: 128,
    shutdownTimeoutMs: 1000,
    agentsDir: FIXTURE_AGENTS,
    threadEntry: THREAD_ENTRY,
    heartbeatMs: 500,
  });
  await pool.start();
  return pool;
}
