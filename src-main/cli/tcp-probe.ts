import { createConnection } from 'node:net';

/** What a bare TCP connect to a Redis target found. */
export type ProbeResult =
  | { kind: 'open' }
  /** Nothing listens there, or the host name does not resolve: no point waiting. */
  | { kind: 'refused'; reason: string }
  /** No answer within the time given: the slow path (connection_timeout) decides. */
  | { kind: 'timeout' };

const DEFINITE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);

/**
 * One TCP connect. The queue adapter's connect waits out `connection_timeout`
 * even when the port is closed (it keeps retrying, as a long-lived process
 * should); a one-shot command wants to fail at once instead.
 */
export function probeTcp(host: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    const done = (result: ProbeResult): void => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done({ kind: 'timeout' }));
    socket.once('connect', () => done({ kind: 'open' }));
    socket.once('error', (err: NodeJS.ErrnoException) => {
      done(err.code !== undefined && DEFINITE.has(err.code) ? { kind: 'refused', reason: err.message } : { kind: 'timeout' });
    });
  });
}

/** Whether the host names this machine (where `conveyor dev` may start a Redis). */
export function isLocalHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return h === 'localhost' || h === '::1' || h === '0.0.0.0' || h === '::' || /^127\./.test(h) || h.endsWith('.localhost');
}
