/**
 * No job starts after its lease deadline by the Redis clock. A worker
 * process SIGSTOPped longer than its lease (a stall, or a partition that
 * holds a reply back) comes back with leases that other workers have taken
 * over since: the jobs it held, and the lease reply still in its socket, are
 * dropped unrun with a `late lease dropped` line.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { eventually, waitForState } from '../../support/pool';
import { item } from '../../support/queue';
import { workerProcessTest as test } from './worker-process-fixture';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const LEASE_MS = 1500;

/** Ledger lines `<id> <attempt> <pid>`, in the order the runs started. */
function ledgerRuns(file: string): Array<{ id: string; attempt: number; pid: number }> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [id, attempt, pid] = l.split(' ');
      return { id: id as string, attempt: Number(attempt), pid: Number(pid) };
    });
}

/** Runs that started after a later attempt of the same job had started: a late lease that ran. */
function runsOutOfOrder(runs: Array<{ id: string; attempt: number; pid: number }>): string[] {
  const highest = new Map<string, number>();
  const late: string[] = [];
  for (const r of runs) {
    if ((highest.get(r.id) ?? 0) > r.attempt) late.push(`${r.id} attempt ${r.attempt} by ${r.pid}`);
    highest.set(r.id, Math.max(highest.get(r.id) ?? 0, r.attempt));
  }
  return late;
}

describe('late leases', () => {
  test('a worker SIGSTOPped longer than its lease drops the jobs it held on SIGCONT; none runs after another worker took it over', async ({
    adapter,
    spawnWorker,
  }) => {
    const ledger = join(mkdtempSync(join(tmpdir(), 'cvt-late-')), 'ledger.txt');
    await adapter.createQueue('late', { leaseMs: LEASE_MS, backoff: { type: 'fixed', delayMs: 0, maxDelayMs: 0 }, maxRetries: 10 });
    const stalled = await spawnWorker(['late'], { workers: '  threads: 1\n  concurrency: 1\n  prefetch: 32\n  shutdown_timeout_ms: 300' });
    await stalled.ready;
    const ids = await adapter.enqueueMany(
      'late',
      Array.from({ length: 300 }, () => item('ledger', { ledger, ms: 20 })),
    );
    // Running, with jobs held beside the running one.
    await eventually(() => ledgerRuns(ledger).length >= 3, 10_000, 'the first worker running');
    process.kill(stalled.pid, 'SIGSTOP');
    const other = await spawnWorker(['late'], { workers: '  threads: 1\n  concurrency: 4\n  prefetch: 0\n  shutdown_timeout_ms: 300' });
    await other.ready;
    await sleep(2 * LEASE_MS + 1000);
    process.kill(stalled.pid, 'SIGCONT');
    for (const id of ids) await waitForState(adapter, 'late', id, ['completed'], 30_000);
    expect(runsOutOfOrder(ledgerRuns(ledger)), 'no attempt ran after a later attempt of its job had started').toEqual([]);
    // What it held or had in flight at the stop was dropped (or handed back by the hold limit first): never run.
    const dropped = stalled
      .output()
      .split('\n')
      .filter((l) => / late lease dropped late\//.test(l)).length;
    console.log(`[late-lease] SIGSTOP of a prefetching worker: ${dropped} late leases dropped on SIGCONT`);
  }, 60_000);

  test('a lease reply that arrives after the lease ran out is dropped unrun and reported', async ({ adapter, spawnWorker }) => {
    const ledger = join(mkdtempSync(join(tmpdir(), 'cvt-late-')), 'ledger.txt');
    await adapter.createQueue('reply', { leaseMs: LEASE_MS, backoff: { type: 'fixed', delayMs: 0, maxDelayMs: 0 } });
    const late = await spawnWorker(['reply']);
    const lateId = await late.ready;
    await sleep(1500);
    // Idle, its lease waits behind a blocking wait in Redis: the lease happens, the reply sits in the frozen process's socket.
    process.kill(late.pid, 'SIGSTOP');
    const id = await adapter.enqueue('reply', item('ledger', { ledger }));
    const leased = await waitForState(adapter, 'reply', id, ['active'], 3000);
    expect(leased.attempts[0]?.worker).toBe(lateId);
    const other = await spawnWorker(['reply']);
    const otherId = await other.ready;
    const done = await waitForState(adapter, 'reply', id, ['completed'], 10_000);
    expect(done.attempts.at(-1)?.worker).toBe(otherId);
    process.kill(late.pid, 'SIGCONT');
    await late.waitFor(new RegExp(` late lease dropped reply/${id} attempt 1: `), 5000);
    await sleep(500);
    expect(ledgerRuns(ledger).map((r) => r.pid)).toEqual([other.pid]);
  }, 40_000);
});
