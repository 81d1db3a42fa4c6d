/** Option-value parsers (a bad value is a usage error, exit 2) and the enqueue input rule. */
import { InvalidArgumentError } from 'commander';

/** A commander argParser accepting integers in [min, max]. */
export function integer(min: number, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value) => {
    const n = Number(value.trim());
    if (value.trim() === '' || !Number.isInteger(n) || n < min || n > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`;
      throw new InvalidArgumentError(`expected ${range}, got ${JSON.stringify(value)}.`);
    }
    return n;
  };
}

/** A job's input from the command line, and what a person should hear about it. */
export interface ParsedInput {
  value: unknown;
  /** Set when the text looks like JSON but does not parse, so it is taken as text. */
  warning?: string;
}

/**
 * A job's input from the command line: JSON if it parses (`42`, `{"a":1}`,
 * `"quoted"`), else the text as it is; `asText` takes it as text whatever it
 * looks like. Text that starts like a JSON object, array or string but does
 * not parse is still text, with a warning (a typo there is easy to miss).
 * Text read from stdin loses one trailing newline, so `echo hello | conveyor
 * enqueue q a -` gives "hello".
 */
export function parseInput(text: string, opts: { fromStdin?: boolean; asText?: boolean } = {}): ParsedInput {
  const raw = opts.fromStdin ? text.replace(/\r?\n$/, '') : text;
  if (opts.asText) return { value: raw };
  try {
    return { value: JSON.parse(raw) as unknown };
  } catch (err) {
    if (!/^\s*[[{"]/.test(raw)) return { value: raw };
    const why = err instanceof Error ? err.message : String(err);
    return { value: raw, warning: `the input looks like JSON but does not parse (${why}): enqueued as text; pass --text to mean text` };
  }
}
