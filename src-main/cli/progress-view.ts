/**
 * How `conveyor run` shows a job as it goes: on a terminal, one progress bar
 * redrawn in place with event lines printed above it; elsewhere (a pipe, a
 * file, CI logs) plain lines, one per change.
 */
import type { CliWritable } from './io';
import { oneLine, truncate } from './output';

const BAR_WIDTH = 24;
const LINE_WIDTH = 100;

export class ProgressView {
  private shown: string | undefined;
  private last: string | undefined;

  constructor(
    private readonly out: CliWritable,
    private readonly tty: boolean,
  ) {}

  /** A fraction in [0, 1] and an optional message; the same value twice is shown once. */
  progress(fraction: number, message?: string): void {
    const clamped = Math.min(1, Math.max(0, fraction));
    const pct = `${Math.round(clamped * 100)}%`;
    const text = message ? `${pct} ${oneLine(message)}` : pct;
    if (text === this.last) return;
    this.last = text;
    if (!this.tty) {
      this.out.write(`progress ${text}\n`);
      return;
    }
    const filled = Math.round(clamped * BAR_WIDTH);
    this.shown = truncate(`[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${text}`, LINE_WIDTH);
    this.out.write(`\r\x1b[K${this.shown}`);
  }

  /** A line of its own (above the bar on a terminal). */
  line(text: string): void {
    const bar = this.shown;
    this.clear();
    this.out.write(`${text}\n`);
    if (bar !== undefined) {
      this.shown = bar;
      this.out.write(bar);
    }
  }

  /** Removes the bar, so what follows starts on a clean line. */
  clear(): void {
    if (this.shown === undefined) return;
    this.shown = undefined;
    this.out.write('\r\x1b[K');
  }
}
