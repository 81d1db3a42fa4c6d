/**
 * CPU priority of the browser under test. The flood test measures how long
 * the page's main-thread tasks take by the wall clock; on a small shared box
 * (2 cores, other test runs beside this one) the time the OS gives to other
 * processes lands in those figures too. Raising the priority of the Chromium
 * processes this worker launched (every thread of each) keeps the figure
 * about the page's own work. Linux only (/proc); elsewhere, or without the
 * right to raise a priority, nothing changes and the caller is told so.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { setPriority } from 'node:os';

function parentOf(pid: number): { ppid: number; comm: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // pid (comm) state ppid ...; comm may hold spaces and parentheses.
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const ppid = Number(stat.slice(close + 2).split(' ')[1]);
    return { ppid, comm };
  } catch {
    return undefined;
  }
}

/** Raises every thread of the Chromium processes under this process to `niceness`; returns the processes raised. */
export function raiseBrowserPriority(niceness = -10): { raised: number[]; error?: string } {
  let pids: number[];
  try {
    pids = readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .map(Number);
  } catch {
    return { raised: [], error: 'no /proc' };
  }
  const info = new Map(pids.map((pid) => [pid, parentOf(pid)]));
  const under = (pid: number): boolean => {
    for (let p = pid, hops = 0; p > 1 && hops < 64; hops++) {
      const parent = info.get(p)?.ppid;
      if (parent === undefined) return false;
      if (parent === process.pid) return true;
      p = parent;
    }
    return false;
  };
  const raised: number[] = [];
  let error: string | undefined;
  for (const pid of pids) {
    const comm = info.get(pid)?.comm ?? '';
    if (!/^chrom/i.test(comm) || !under(pid)) continue;
    try {
      for (const tid of readdirSync(`/proc/${pid}/task`).map(Number)) setPriority(tid, niceness);
      raised.push(pid);
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
    }
  }
  return error === undefined ? { raised } : { raised, error };
}
