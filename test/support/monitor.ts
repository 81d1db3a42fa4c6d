/**
 * MONITOR in a test: the commands Redis runs while `act` runs, as their
 * arguments (the command name first), for tests that count a script's own
 * Redis calls. Every test shares the Redis, so `keep` selects this test's.
 *
 * A plain socket, not ioredis's monitor(): ioredis switches a connection to
 * monitoring a tick after MONITOR's reply, and on a busy server the lines that
 * arrive in between become a "Command queue state error" that fails the test.
 */
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import type { Redis } from 'ioredis';
import { eventually } from './pool';

/** The quoted arguments of one MONITOR line (`+<time> [<db> <client>] "cmd" "arg" …`), unescaped. */
function monitorArgs(line: string): string[] {
  return [...line.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => (m[1] ?? '').replace(/\\(.)/g, '$1'));
}

export async function monitored(redis: Redis, act: () => Promise<unknown>, keep: (args: string[]) => boolean): Promise<string[][]> {
  const { host = '127.0.0.1', port = 6379, username, password } = redis.options;
  const seen: string[][] = [];
  const marker = `end of monitor ${randomUUID()}`;
  let caughtUp = false;
  let buffered = '';
  // An AUTH first, on a Redis that wants one: monitoring starts at the last +OK.
  let oks = password ? 2 : 1;
  const socket = connect({ host, port });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.on('data', (chunk) => {
      buffered += chunk.toString('utf8');
      const lines = buffered.split('\r\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (line === '+OK' && --oks === 0) resolve();
        if (line.startsWith('-')) reject(new Error(`MONITOR: ${line}`));
        if (caughtUp || !line.startsWith('+')) continue;
        const args = monitorArgs(line);
        // MONITOR reports in order: once it shows the marker, it has shown everything `act` made Redis run.
        if (String(args[0]).toLowerCase() === 'echo' && args[1] === marker) caughtUp = true;
        else if (args.length > 0 && keep(args)) seen.push(args);
      }
    });
    if (password) socket.write(`AUTH ${username ? `${username} ` : ''}${password}\r\n`);
    socket.write('MONITOR\r\n');
  });
  try {
    await act();
    await redis.echo(marker);
    await eventually(() => caughtUp, 5000, 'monitor caught up');
  } finally {
    socket.destroy();
  }
  return seen;
}

/** The field lists of the HMGETs of a job hash (or any key) under `prefix` that name `field`, as Redis ran them while `act` ran. */
export async function readsNaming(redis: Redis, prefix: string, field: string, act: () => Promise<unknown>): Promise<string[][]> {
  const reads = await monitored(
    redis,
    act,
    (args) => String(args[0]).toLowerCase() === 'hmget' && String(args[1]).startsWith(`${prefix}:`) && args.includes(field),
  );
  return reads.map((args) => args.slice(2));
}
