import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

/**
 * How much CPU other processes took while the bench ran: the whole box's busy
 * time (/proc/stat) minus this process' (all its threads), its worker
 * processes' and the private redis-server's. Other work on a small box skews every figure, and a shared
 * dev box often has some (test runs, type checks). Linux only; elsewhere
 * `sample` returns undefined and nothing is reported.
 */

/** Clock ticks per second of /proc/stat; 100 on every Linux Node supports. */
const USER_HZ = 100;

export interface BoxSample {
  wallMs: number;
  /** Busy CPU seconds of the whole box since boot. */
  boxCpuS: number;
  /** This process' CPU seconds, and those of the `pids` it was given. */
  ownCpuS: number;
}

/** CPU seconds (user + system, all threads) of a process, 0 once it is gone. */
function processCpuS(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / USER_HZ;
  } catch {
    return 0;
  }
}

/** `pids`: processes of the bench's own (worker processes) to count as its. */
export function sampleBox(pids: readonly number[] = []): BoxSample | undefined {
  let line: string | undefined;
  try {
    line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
  } catch {
    return undefined;
  }
  // cpu user nice system idle iowait irq softirq steal ...: all but idle and iowait are busy.
  const t = (line ?? '').trim().split(/\s+/).slice(1).map(Number);
  if (t.length < 8 || t.some((n) => !Number.isFinite(n))) return undefined;
  const busy = t.reduce((a, b) => a + b, 0) - (t[3] ?? 0) - (t[4] ?? 0);
  const own = process.cpuUsage();
  const children = pids.reduce((sum, pid) => sum + processCpuS(pid), 0);
  return { wallMs: performance.now(), boxCpuS: busy / USER_HZ, ownCpuS: (own.user + own.system) / 1e6 + children };
}

/** Share of the box's CPU capacity that other processes took between two samples (0..1); `redisCpuS` is the private Redis' own. */
export function foreignShare(before: BoxSample, after: BoxSample, redisCpuS: number): number {
  const wallS = (after.wallMs - before.wallMs) / 1000;
  const foreign = after.boxCpuS - before.boxCpuS - (after.ownCpuS - before.ownCpuS) - redisCpuS;
  return Math.max(0, foreign) / (wallS * cpus().length);
}
