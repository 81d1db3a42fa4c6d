/**
 * Reading and writing config.yml. Writes go through the `yaml` Document API so
 * the user's comments and key order survive an edit from the control center,
 * and land atomically (temp file, fsync, rename) so a crash never leaves half a
 * file. Nothing is written unless the result validates.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { isMap, isScalar, parseDocument, type Document, type Scalar } from 'yaml';
import { parseConfig, type ConveyorConfig } from '../../src-shared/config-schema';
import { ConfigError, ConveyorError, ErrorCode } from '../../src-shared/errors';

export interface LoadedConfig {
  /** Absolute path the config was read from (or would be, when it does not exist). */
  path: string;
  /** False when the file does not exist and `config` is all defaults. */
  exists: boolean;
  config: ConveyorConfig;
  /** YAML and config warnings, each already prefixed with what it is about. */
  warnings: string[];
}

export interface LoadOptions {
  /** Fail with CONFIG_IO instead of using defaults when the file is missing (an explicit `--config`). */
  required?: boolean;
}

/**
 * A nested partial change. A plain object merges into the existing mapping;
 * any other value (lists included) replaces; `null` removes the key, so it
 * falls back to its default (or, under `agents`, removes that agent).
 * (Arrives over IPC, so it is validated after merging, not trusted.)
 */
import type { ConfigPatch } from '../../src-shared/config-schema';
export type { ConfigPatch };

function ioError(message: string, file: string, cause: unknown): ConveyorError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new ConveyorError(ErrorCode.ConfigIo, `${file}: ${message}: ${reason}`, { path: file }, { cause });
}

function errnoCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null ? (err as NodeJS.ErrnoException).code : undefined;
}

/** Returns undefined when the file does not exist. */
async function readText(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw ioError('cannot read config file', file, err);
  }
}

interface YamlProblem {
  code?: string;
  message: string;
  linePos?: [{ line: number; col: number }, ...unknown[]];
}

/**
 * Where a YAML problem is, for a person. A key indented under a key that
 * already has a value (`a: 1` then `    b: 2`) is reported by the yaml library
 * twice, at the value on the line above; the line to fix is the next one.
 * A bad indent is reported at column 1; the key starts where its text does.
 */
function yamlPosition(e: YamlProblem, lines: string[]): { line: number; col: number } | undefined {
  const at = e.linePos?.[0];
  if (!at) return undefined;
  if (e.code === 'BLOCK_AS_IMPLICIT_KEY' || e.code === 'MULTILINE_IMPLICIT_KEY') {
    for (let n = at.line + 1; n <= lines.length; n++) {
      const text = lines[n - 1] ?? '';
      if (/^\s*(#|$)/.test(text)) continue;
      return { line: n, col: text.length - text.trimStart().length + 1 };
    }
  }
  if (e.code === 'BAD_INDENT' && at.col === 1) {
    const text = lines[at.line - 1] ?? '';
    return { line: at.line, col: text.length - text.trimStart().length + 1 };
  }
  return at;
}

/** The reason of a YAML problem: prettyErrors appends " at line X, column Y:" and a code excerpt; keep only the reason. */
function yamlReason(e: YamlProblem): string {
  if (e.code === 'BLOCK_AS_IMPLICIT_KEY' || e.code === 'MULTILINE_IMPLICIT_KEY') {
    return 'this key is indented deeper than the key above it, which already has a value (indent it like its siblings, or give the key above no value)';
  }
  return (e.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
}

/** Parse YAML text into a Document, turning syntax errors into a ConfigError with line and column, one per line. */
function parseYaml(text: string, file: string): { doc: Document; warnings: string[] } {
  const doc = parseDocument(text, { prettyErrors: true });
  const lines = text.split(/\r?\n/);
  const describe = (e: YamlProblem): { line: number | undefined; text: string } => {
    const pos = yamlPosition(e, lines);
    return { line: pos?.line, text: `${pos ? `line ${pos.line}, column ${pos.col}: ` : ''}${yamlReason(e)}` };
  };
  if (doc.errors.length > 0) {
    // One error can be reported several times (at the same line, by different checks): name each line once.
    const byLine = new Map<number | undefined, string>();
    for (const d of doc.errors.map(describe)) if (!byLine.has(d.line)) byLine.set(d.line, d.text);
    throw new ConfigError(
      [...byLine.values()].map((text) => ({ path: '', message: `YAML syntax error at ${text}` })),
      file,
    );
  }
  return { doc, warnings: doc.warnings.map((w) => `${file}: ${describe(w).text}`) };
}

function validate(doc: Document, file: string, yamlWarnings: string[]): LoadedConfig {
  let raw: unknown;
  try {
    raw = doc.toJS();
  } catch (err) {
    // e.g. the yaml library's guard against alias bombs
    throw new ConfigError([{ path: '', message: err instanceof Error ? err.message : String(err) }], file);
  }
  const { config, warnings } = parseConfig(raw, file);
  return { path: file, exists: true, config, warnings: [...yamlWarnings, ...warnings] };
}

/** Load and validate a config file. A missing file means all defaults (unless `required`). */
export async function loadConfigFile(file: string, options: LoadOptions = {}): Promise<LoadedConfig> {
  const abs = path.resolve(file);
  const text = await readText(abs);
  if (text === undefined) {
    if (options.required) {
      throw new ConveyorError(ErrorCode.ConfigIo, `${abs}: config file not found`, { path: abs });
    }
    return { path: abs, exists: false, ...parseConfig(undefined, abs) };
  }
  const { doc, warnings } = parseYaml(text, abs);
  return validate(doc, abs, warnings);
}

/** Validate YAML text (e.g. from the config editor) without touching any file. */
export function checkConfigText(file: string, yamlText: string): LoadedConfig {
  const abs = path.resolve(file);
  const { doc, warnings } = parseYaml(yamlText, abs);
  return validate(doc, abs, warnings);
}

/** Validate `yamlText`, then write it verbatim and atomically. Invalid → throws, file untouched. */
export async function saveConfigText(file: string, yamlText: string): Promise<LoadedConfig> {
  const loaded = checkConfigText(file, yamlText);
  await serialized(loaded.path, () => writeFileAtomic(loaded.path, yamlText));
  return loaded;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const setsSomething = (patch: Record<string, unknown>): boolean =>
  Object.values(patch).some((v) => v !== null && v !== undefined && (!isPlainObject(v) || setsSomething(v)));

/** Where a patch changed a scalar already in the file: its source span and its new text. */
interface ScalarEdit {
  start: number;
  end: number;
  text: string;
}

/** A new value for an existing scalar, written in that scalar's own quoting style. */
function scalarSource(node: Scalar, value: unknown): string | undefined {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value !== 'string') return undefined;
  if (node.type === 'QUOTE_DOUBLE') return JSON.stringify(value);
  if (node.type === 'QUOTE_SINGLE') return `'${value.replace(/'/g, "''")}'`;
  return undefined;
}

/** Apply a patch in place. Scalars are updated rather than replaced, so their inline comments stay. */
function applyPatch(doc: Document, patch: Record<string, unknown>, at: string[] = [], edits?: ScalarEdit[] | null): void {
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue; // an absent key, as in the TS type
    const keyPath = [...at, key];
    const existing: unknown = doc.getIn(keyPath, true);
    if (value === null) {
      if (doc.hasIn(keyPath)) doc.deleteIn(keyPath);
    } else if (isPlainObject(value)) {
      // Recurse even into a new mapping, so nulls inside a patch never reach the file;
      // but do not create one just to remove things from it.
      if (!isMap(existing)) {
        if (!setsSomething(value)) continue;
        doc.setIn(keyPath, doc.createNode({}));
      }
      applyPatch(doc, value, keyPath, edits);
    } else if (isScalar(existing)) {
      const text = edits && existing.range ? scalarSource(existing, value) : undefined;
      if (edits && existing.range && text !== undefined) edits.push({ start: existing.range[0], end: existing.range[1], text });
      existing.value = value;
    } else {
      doc.setIn(keyPath, doc.createNode(value));
    }
  }
}

const NEW_FILE_HEADER = '# Conveyor configuration; every key and its default: config.example.yml\n';

/** The file's own indentation step (smallest indent of a content line), so a save does not reindent it. */
function indentOf(text: string): number {
  const indents = text
    .split('\n')
    .filter((line) => /^ +[^\s#]/.test(line))
    .map((line) => line.length - line.trimStart().length);
  return indents.length > 0 ? Math.min(...indents) : 2;
}

/**
 * Merge `patch` into the file's existing YAML, validate the result, and write
 * it atomically. Invalid → throws, file untouched. Comments, key order, blank
 * lines, quoting and indentation survive; the space before an inline comment
 * is normalized to one. A missing file is created with just the patched keys.
 */
export function saveConfigPatch(file: string, patch: ConfigPatch): Promise<LoadedConfig> {
  const abs = path.resolve(file);
  return serialized(abs, async () => {
    const text = await readText(abs);
    const { doc, warnings } = text === undefined ? { doc: parseDocument(NEW_FILE_HEADER), warnings: [] } : parseYaml(text, abs);
    if (doc.contents !== null && !isMap(doc.contents)) {
      // Patching would overwrite whatever the top level is; only an explicit null (`~`) may go.
      if (!(isScalar(doc.contents) && doc.contents.value === null)) {
        throw new ConfigError(
          [{ path: '', message: 'expected a mapping at the top level; fix the file before saving changes to it' }],
          abs,
        );
      }
      doc.contents = doc.createNode({});
    }
    const edits: ScalarEdit[] = [];
    applyPatch(doc, patch, [], edits);
    const loaded = validate(doc, abs, warnings);
    await writeFileAtomic(abs, patchedText(text, doc, edits));
    return loaded;
  });
}

/**
 * The file after a patch. When the patch only set scalars already in the file,
 * only their text changes and every other byte stays (issue #17: a save
 * rewrote a flow list the user never touched); otherwise the document is
 * printed again. The splice is checked against the document before it is used.
 */
function patchedText(original: string | undefined, doc: Document, edits: ScalarEdit[]): string {
  // lineWidth 0: never fold a long string the user wrote on one line.
  const printed = (): string => doc.toString({ indent: indentOf(original ?? ''), lineWidth: 0, flowCollectionPadding: false });
  if (original === undefined || edits.length === 0) return printed();
  let out = original;
  for (const e of [...edits].sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  const same = JSON.stringify(parseDocument(out).toJS()) === JSON.stringify(doc.toJS());
  return same ? out : printed();
}

/**
 * Read-modify-write saves of one file from this process run one at a time,
 * so two quick edits from the UI cannot lose one another.
 */
const pending = new Map<string, Promise<unknown>>();
function serialized<T>(key: string, task: () => Promise<T>): Promise<T> {
  const previous = pending.get(key) ?? Promise.resolve();
  const run = previous.then(task, task);
  const settled = run.catch(() => undefined);
  pending.set(key, settled);
  void settled.then(() => {
    if (pending.get(key) === settled) pending.delete(key);
  });
  return run;
}

/**
 * Write via a temp file in the same directory (so rename stays on one
 * filesystem and is atomic), fsync'd before the rename so a crash leaves
 * either the old file or the new one. A symlinked config is written through
 * to its target rather than replaced by a regular file.
 */
export async function writeFileAtomic(file: string, data: string): Promise<void> {
  let target = path.resolve(file);
  let mode: number | undefined;
  try {
    target = await fs.realpath(target);
    mode = (await fs.stat(target)).mode & 0o777;
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw ioError('cannot inspect config file', target, err);
  }
  const dir = path.dirname(target);
  const tmp = path.join(dir, `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await fs.mkdir(dir, { recursive: true });
    const handle = await fs.open(tmp, 'wx', 0o644);
    try {
      // Keep the existing file's permissions exactly (open's mode is filtered by the umask).
      if (mode !== undefined) await handle.chmod(mode);
      await handle.writeFile(data, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, target);
  } catch (err) {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw ioError('cannot write config file', target, err);
  }
  // Persist the rename itself; directories cannot be opened for fsync on Windows, hence best effort.
  try {
    const dirHandle = await fs.open(dir, 'r');
    try {
      await dirHandle.sync();
    } finally {
      await dirHandle.close();
    }
  } catch {
    /* best effort */
  }
}
