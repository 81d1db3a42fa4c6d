/**
 * Watches the growing output of a command or a process: `waitFor(re)`
 * resolves with the first match, and rejects, with the output so far, once
 * the source ended without one or after `ms`.
 */
export class OutputWatch {
  private readonly waiters = new Set<() => void>();
  private ended = false;

  /** `text` reads the output so far; `endedWithout` says how the source ended, e.g. "the worker exited". */
  constructor(
    private readonly text: () => string,
    private readonly endedWithout: string,
  ) {}

  /** Call whenever the output grew. */
  changed(): void {
    for (const w of [...this.waiters]) w();
  }

  /** Call once the source ended: waits still unmatched fail now. */
  end(): void {
    this.ended = true;
    this.changed();
  }

  waitFor(re: RegExp, ms = 8000): Promise<RegExpExecArray> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const m = re.exec(this.text());
        if (m) return done(() => resolve(m));
        if (this.ended) return done(() => reject(new Error(`${this.endedWithout} without printing ${re}:\n${this.text()}`)));
      };
      const timer = setTimeout(() => done(() => reject(new Error(`no ${re} within ${ms} ms:\n${this.text()}`))), ms);
      const done = (settle: () => void): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
        settle();
      };
      this.waiters.add(check);
      check();
    });
  }
}
