/**
 * The fault-injection harness: a producer records a job id as acknowledged
 * only when `enqueue` resolved; the `ledger` fixture agent records every run;
 * `classify` then sorts every acknowledged id into completed, dead, lost
 * (missing or never finished) or duplicated (completed by more than one
 * attempt). A run passes only with lost = 0, duplicated = 0, nothing active,
 * and completed + dead = acknowledged.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { RedisQueueAdapter } from '../../src-main/queue/redis-queue-adapter';

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
