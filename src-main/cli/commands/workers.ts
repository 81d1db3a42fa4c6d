/** `conveyor workers`: the worker processes in the registry (those whose heartbeat has not expired). */
import type { Command } from 'commander';
import type { WorkerInfo } from '../../../src-shared/worker';
import { formatTable, printJson, type Column } from '../output';
import type { CommandDeps } from './command-context';

/** `0.4s`, `12s`, `3m05s`: how long since the last heartbeat. */
export function formatAge(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  if (s < 10) return `${s.toFixed(1)}s`;
  if (s < 60) return `${Math.floor(s)}s`;
  return `${Math.floor(s / 60)}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
}

function columns(now: number): Column<WorkerInfo>[] {
  return [
    { header: 'ID', value: (w) => w.id },
    { header: 'HOST', value: (w) => w.host },
    { header: 'PID', value: (w) => w.pid },
    { header: 'QUEUES', value: (w) => w.queues.join(',') },
    { header: 'THREADS', value: (w) => `${w.threads}×${w.concurrency}`, align: 'right' },
    { header: 'RUNNING', value: (w) => w.running.length },
    { header: 'PROCESSED', value: (w) => w.processed },
    { header: 'FAILED', value: (w) => w.failed },
    { header: 'HEARTBEAT', value: (w) => `${formatAge(now - w.lastHeartbeat)} ago`, align: 'right' },
  ];
}

export function registerWorkersCommand(program: Command, { io, context }: CommandDeps): void {
  program
    .command('workers')
    .description('list the running worker processes: host, pid, queues, threads × jobs, running jobs, counts, last heartbeat')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const workers = await context(cmd).withAdapter((adapter) => adapter.listWorkers());
      workers.sort((a, b) => a.host.localeCompare(b.host) || a.pid - b.pid || a.id.localeCompare(b.id));
      if (opts.json) return printJson(io.stdout, workers);
      if (workers.length === 0) {
        io.stdout.write('no workers; start one with: conveyor worker [queue...]\n');
        return;
      }
      io.stdout.write(formatTable(columns(Date.now()), workers));
    });
}
