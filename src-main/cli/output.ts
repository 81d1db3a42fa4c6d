/**
 * Printing: aligned tables for people, JSON for scripts, and the one-line
 * error format every command shares.
 */
import { ConveyorError } from '../../src-shared/errors';
import type { CliWritable } from './io';

export type Align = 'left' | 'right';

export interface Column<Row> {
  header: string;
  value: (row: Row) => string | number | boolean;
  align?: Align;
}

/** Columns padded to their widest cell, two spaces apart; numbers right-aligned by default. */
export function formatTable<Row>(columns: Column<Row>[], rows: readonly Row[]): string {
  const cells = rows.map((row) => columns.map((c) => c.value(row)));
  const aligns = columns.map((c, i) => c.align ?? (cells.length > 0 && cells.every((r) => typeof r[i] === 'number') ? 'right' : 'left'));
  const text = [columns.map((c) => c.header), ...cells.map((r) => r.map(cellText))];
  const widths = columns.map((_, i) => Math.max(...text.map((r) => (r[i] ?? '').length)));
  return text
    .map((r) =>
      r
        .map((cell, i) => (aligns[i] === 'right' ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
    .concat('\n');
}

function cellText(v: string | number | boolean): string {
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  return oneLine(String(v));
}

export function printJson(out: CliWritable, value: unknown): void {
  out.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** `label  value` lines with the labels padded to one width; undefined values are left out. */
export function formatFields(fields: Array<[label: string, value: string | undefined]>): string {
  const shown = fields.filter((f): f is [string, string] => f[1] !== undefined);
  if (shown.length === 0) return '';
  const width = Math.max(0, ...shown.map(([label]) => label.length));
  return shown.map(([label, value]) => `${label.padEnd(width)}  ${value}`.trimEnd()).join('\n') + '\n';
}

/** Newlines and runs of spaces to single spaces: table cells and error lines stay on one line. */
export function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

export function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Milliseconds since the epoch as a local ISO-like timestamp, or '-' for none. */
export function formatTime(ms: number | undefined): string {
  if (ms === undefined || ms <= 0) return '-';
  return new Date(ms).toISOString();
}

/** A JSON value for a human: strings as they are, anything else as compact JSON. */
export function formatValue(value: unknown): string {
  if (typeof value === 'string') return value;
  return JSON.stringify(value) ?? 'undefined';
}

/**
 * The error line(s) for stderr: `conveyor: <message>` on one line; with
 * `debug`, the full message and stack follow.
 */
export function formatError(err: unknown, debug: boolean): string {
  const message = err instanceof Error ? err.message : String(err);
  const first = (message.split('\n')[0] ?? '').trim();
  const more = message.trim() !== first && !debug ? ' (run with --debug for details)' : '';
  let text = `conveyor: ${first || 'unknown error'}${more}\n`;
  if (debug) {
    const code = err instanceof ConveyorError ? ` [${err.code}]` : '';
    const stack = err instanceof Error && err.stack ? err.stack : message;
    text += `${stack}${code}\n`;
    let cause = err instanceof Error ? err.cause : undefined;
    for (let depth = 0; cause !== undefined && depth < 5; depth++) {
      text += `caused by: ${cause instanceof Error ? (cause.stack ?? cause.message) : String(cause)}\n`;
      cause = cause instanceof Error ? cause.cause : undefined;
    }
  }
  return text;
}

export function warn(err: CliWritable, message: string): void {
  err.write(`conveyor: warning: ${oneLine(message)}\n`);
}
