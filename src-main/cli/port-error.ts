/** A listen error of the web transport, retold for the command line: the way out is the `--port` option. */
import { ConveyorError } from '../../src-shared/errors';

export function withPortOption(err: unknown): unknown {
  if (!(err instanceof ConveyorError) || !err.details) return err;
  const { reason, port, host } = err.details as { reason?: unknown; port?: unknown; host?: unknown };
  if (reason !== 'EADDRINUSE' && reason !== 'EACCES') return err;
  const why = reason === 'EADDRINUSE' ? 'is already in use' : 'is not allowed (ports below 1024 need privileges)';
  return new ConveyorError(
    err.code,
    `port ${String(port)} on ${String(host)} ${why}: pass another with --port N (--port 0 picks a free one)`,
    err.details,
    {
      cause: err,
    },
  );
}
