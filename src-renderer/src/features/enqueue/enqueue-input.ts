import { parseJsonInput } from '../../lib/json-input';

/** How the input box is read: as a plain string, or as JSON. */
export type InputMode = 'text' | 'json';

export type InputParse = { ok: true; value: unknown } | { ok: false; message: string };

export function parseInput(text: string, mode: InputMode): InputParse {
  if (mode === 'text') return { ok: true, value: text };
  if (text.trim() === '') return { ok: false, message: 'Empty: type a JSON value, e.g. {"text": "hello"} or "hello".' };
  const r = parseJsonInput(text);
  return r.ok ? r : { ok: false, message: `Not valid JSON: ${r.message}` };
}

export interface LinesParse {
  inputs: unknown[];
  /** 1-based line numbers of the file or box, with what is wrong. */
  errors: Array<{ line: number; message: string }>;
}

/** One input per non-blank line (a trailing \r from Windows files is dropped). */
export function parseLines(text: string, mode: InputMode): LinesParse {
  const out: LinesParse = { inputs: [], errors: [] };
  text.split('\n').forEach((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') return;
    const r = parseInput(line, mode);
    if (r.ok) out.inputs.push(r.value);
    else out.errors.push({ line: i + 1, message: r.message });
  });
  return out;
}

export interface EnqueueOptionsDraft {
  priority: string;
  delayMs: string;
  jobId: string;
}

/** Options as the contract wants them, or what is wrong with each field. */
export function parseOptions(d: EnqueueOptionsDraft): {
  options: { priority?: number; delayMs?: number; jobId?: string };
  errors: Partial<Record<keyof EnqueueOptionsDraft, string>>;
} {
  const options: { priority?: number; delayMs?: number; jobId?: string } = {};
  const errors: Partial<Record<keyof EnqueueOptionsDraft, string>> = {};
  const p = d.priority.trim();
  if (p !== '') {
    const n = Number(p);
    if (!Number.isInteger(n) || Math.abs(n) > 1_000_000)
      errors.priority = 'A whole number from -1,000,000 to 1,000,000; higher runs first.';
    else options.priority = n;
  }
  const delay = d.delayMs.trim();
  if (delay !== '') {
    const n = Number(delay);
    if (!Number.isInteger(n) || n < 0) errors.delayMs = 'A whole number of milliseconds ≥ 0.';
    else if (n > 0) options.delayMs = n;
  }
  const id = d.jobId.trim();
  if (id !== '') {
    if (id.length > 256) errors.jobId = 'At most 256 characters.';
    else options.jobId = id;
  }
  return { options, errors };
}

/** Why the form cannot be sent yet, in words (the button says it), or undefined. */
export function blocker(target: { queue: string; agent: string }, inputOk: boolean, optionErrors: boolean): string | undefined {
  if (target.queue === '') return 'pick a queue first';
  if (target.agent === '') return 'no agent to run it: none is registered (see Config → agents)';
  if (!inputOk) return 'enter a valid input first';
  if (optionErrors) return 'fix the options marked above first';
  return undefined;
}
