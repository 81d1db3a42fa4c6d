import pino, { type Logger } from 'pino';

/**
 * JSON lines for `conveyor worker --log-format json`: pino, one object per
 * line, ISO time and a level name, so log shippers (Loki, ELK, Datadog) need
 * no parsing rules. Job lines carry jobId, queue, attempt (and agent, state,
 * durationMs, error, reason when known) as fields.
 */
export interface LineSink {
  write(chunk: string): unknown;
}

export const LOG_FORMATS = ['text', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export function jsonLogger(sink: LineSink): Logger {
  return pino(
    {
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    // pino writes whole lines to anything with write(); the CLI's streams (and tests' captures) are such.
    { write: (line: string) => sink.write(line) },
  );
}
