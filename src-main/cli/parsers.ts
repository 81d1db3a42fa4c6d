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

/**
 * A job's input from the command line: JSON if it parses (`42`, `{"a":1}`,
 * `"quoted"`), else the text as it is. Text read from stdin loses one trailing
 * newline, so `echo hello | conveyor enqueue q a -` gives "hello".
 */
export function parseInput(text: string, fromStdin = false): unknown {
  const raw = fromStdin ? text.replace(/\r?\n$/, '') : text;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}
