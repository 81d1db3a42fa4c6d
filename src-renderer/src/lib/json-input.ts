/**
 * Parses what a person typed as JSON and, when it is not JSON, says where.
 * Engines do not reliably name the position (current V8 says only
 * `Unexpected token '}', "…" is not valid JSON`), so on failure a small
 * scanner walks the text to find the first offending character.
 */

export type JsonParse = { ok: true; value: unknown } | { ok: false; message: string; position?: number; line?: number; column?: number };

export function parseJsonInput(text: string): JsonParse {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    const found = locateJsonError(text);
    if (found) {
      const { line, column } = lineColumn(text, found.position);
      return {
        ok: false,
        message: `${found.reason} at line ${line}, column ${column} (position ${found.position})`,
        position: found.position,
        line,
        column,
      };
    }
    // The scanner found nothing the engine did (it should not happen): say what the engine said.
    return { ok: false, message: err instanceof Error ? err.message : String(err) };
  }
}

/** 1-based line and column of a character offset. */
export function lineColumn(text: string, position: number): { line: number; column: number } {
  const before = text.slice(0, position);
  const lines = before.split('\n');
  return { line: lines.length, column: (lines[lines.length - 1]?.length ?? 0) + 1 };
}

class JsonSyntax extends Error {
  constructor(
    readonly position: number,
    readonly reason: string,
  ) {
    super(reason);
  }
}

/** The first syntax error of a JSON text (RFC 8259), or undefined if there is none. */
export function locateJsonError(text: string): { position: number; reason: string } | undefined {
  let i = 0;
  const describe = (at: number): string => (at >= text.length ? 'end of input' : `'${text[at]}'`);
  const fail = (expected: string, at = i): never => {
    throw new JsonSyntax(at, `Unexpected ${describe(at)}: expected ${expected}`);
  };
  const ws = (): void => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const literal = (word: string): void => {
    for (let k = 0; k < word.length; k++, i++) if (text[i] !== word[k]) fail(`"${word}"`);
  };
  const digits = (): void => {
    if (!/[0-9]/.test(text[i] ?? '')) fail('a digit');
    while (/[0-9]/.test(text[i] ?? '')) i++;
  };
  const number = (): void => {
    if (text[i] === '-') i++;
    if (text[i] === '0') i++;
    else digits();
    if (text[i] === '.') {
      i++;
      digits();
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i++;
      if (text[i] === '+' || text[i] === '-') i++;
      digits();
    }
  };
  const string = (): void => {
    i++; // opening quote
    for (;;) {
      const c = text[i];
      if (c === undefined) fail('a closing "');
      else if (c === '"') {
        i++;
        return;
      } else if (c === '\\') {
        i++;
        const e = text[i];
        if (e === 'u') {
          i++;
          for (let k = 0; k < 4; k++, i++) if (!/[0-9a-fA-F]/.test(text[i] ?? '')) fail('a hex digit of a \\u escape');
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i++;
        else fail('an escape (\\", \\\\, \\n, \\uXXXX, …)');
      } else if (c < ' ') fail('no control characters in a string (write \\n, \\t)');
      else i++;
    }
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('a property name in double quotes');
        string();
        ws();
        if (text[i] !== ':') fail("':' after the property name");
        i++;
        value();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return;
        }
        fail("',' or '}'");
      }
    } else if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return;
        }
        fail("',' or ']'");
      }
    } else if (c === '"') string();
    else if (c === 't') literal('true');
    else if (c === 'f') literal('false');
    else if (c === 'n') literal('null');
    else if (c === '-' || /[0-9]/.test(c ?? '')) number();
    else fail('a value (object, array, string, number, true, false or null)');
  };
  try {
    value();
    ws();
    if (i < text.length) fail('nothing more after the value');
    return undefined;
  } catch (err) {
    if (err instanceof JsonSyntax) return { position: err.position, reason: err.reason };
    throw err;
  }
}
