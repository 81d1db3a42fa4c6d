/**
 * Secrets never leave the main process. What `config.get` shows is masked:
 * values of keys that name a secret (`*password*`, `*secret*`, `*token*`,
 * `*api_key*`; not `*_env`, which hold variable NAMES), the password inside
 * any URL, in the YAML text (comments included) and in the parsed config.
 * What comes back to `config.save` may still carry the mask: it is replaced
 * by the stored value at the same key path (comments: the same comment), so
 * a masked round trip writes the real value, byte for byte.
 */
import { isAlias, isCollection, isScalar, parseDocument, type Document, type Node, type Scalar } from 'yaml';
import { SECRET_MASK } from '../../src-shared/contract';
import { ConfigError, type ConfigIssue } from '../../src-shared/errors';

export { SECRET_MASK };

type KeyPath = Array<string | number>;

// ------------------------------------------------------------------- keys

/** Words of a key: `redis_password` → [redis, password], `apiKey` → [api, key]. */
function words(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

const SECRET_WORDS = new Set(['password', 'passwd', 'pwd', 'secret', 'token', 'apikey', 'credential', 'credentials']);

/** Whether a key's value is a secret. `*_env` keys hold the NAME of a variable and are not. */
export function isSecretKey(key: string): boolean {
  const w = words(key);
  if (w.length === 0 || w[w.length - 1] === 'env') return false;
  return w.some(
    (word, i) => SECRET_WORDS.has(word) || (word === 'api' && w[i + 1] === 'key') || (word === 'private' && w[i + 1] === 'key'),
  );
}

// ------------------------------------------------------------------- URLs

/** scheme://user:PASSWORD@ — the password group is what gets masked. */
const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^\s/@:'"]*:)([^\s/@'"]+)(@)/gi;

export function maskUrlPasswords(text: string): string {
  return text.replace(URL_PASSWORD, (_m, head: string, _pw: string, at: string) => head + SECRET_MASK + at);
}

/** The raw (still percent-encoded) password of the first URL in `text`. */
function urlPassword(text: string): string | undefined {
  return new RegExp(URL_PASSWORD.source, 'i').exec(text)?.[2];
}

// ----------------------------------------------------------- parsed values

/** A deep copy of `value` with secrets masked: by key name, and passwords in URLs. */
export function maskValue<T>(value: T): T {
  return walkMask(value, false) as T;
}

function walkMask(value: unknown, secret: boolean): unknown {
  if (Array.isArray(value)) return value.map((v) => walkMask(v, secret));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = walkMask(v, secret || isSecretKey(k));
    return out;
  }
  if (secret && value !== null && value !== undefined && value !== '') return SECRET_MASK;
  return typeof value === 'string' ? maskUrlPasswords(value) : value;
}

// ------------------------------------------------------------------- text

interface Edit {
  start: number;
  end: number;
  text: string;
}

function applyEdits(text: string, edits: Edit[]): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

/** The key path of every scalar value (through aliases for secrets) with whether it is a secret. */
function scalars(doc: Document, onScalar: (node: Scalar, path: KeyPath, secret: boolean) => void): void {
  const walk = (node: unknown, path: KeyPath, secret: boolean, seen: Set<unknown>): void => {
    if (seen.has(node)) return;
    if (isAlias(node)) {
      // `password: *anchor`: the anchored value elsewhere is the secret.
      if (secret) walk(node.resolve(doc), path, true, new Set([...seen, node]));
      return;
    }
    if (isScalar(node)) {
      onScalar(node, path, secret);
      return;
    }
    if (!isCollection(node)) return;
    node.items.forEach((item, i) => {
      if (isScalar(item) || isAlias(item) || isCollection(item)) {
        walk(item, [...path, i], secret, seen);
        return;
      }
      const pair = item as { key: unknown; value: unknown };
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      walk(pair.value, [...path, key], secret || isSecretKey(key), seen);
    });
  };
  walk(doc.contents, [], false, new Set());
}

/** How a scalar is written with a new value, keeping its quote style where it has one. */
function render(node: Scalar, value: string, source: string): string {
  // A block scalar's range ends with its line break; the replacement must keep it.
  const trailingNewline = source.endsWith('\n') ? '\n' : '';
  if (node.type === 'QUOTE_SINGLE') return `'${value.replace(/'/g, "''")}'`;
  const plainSafe = value === SECRET_MASK || /^[A-Za-z0-9][A-Za-z0-9._~:/?@%+=-]*$/.test(value);
  if (node.type === 'PLAIN' && plainSafe) return value;
  return JSON.stringify(value) + trailingNewline;
}

function sourceOf(text: string, node: Node): string {
  const [start, end] = node.range ?? [0, 0];
  return text.slice(start, end);
}

// ----------------------------------------------------------- comment lines

/** Index where a line's comment starts (a `#` at the start or after a space, outside quotes), or -1. */
export function commentStart(line: string): number {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (quote === '"' && c === '\\') {
      i++;
    } else if (quote) {
      if (c === quote) quote = undefined;
    } else if ((c === '"' || c === "'") && (i === 0 || /[\s:[{,]/.test(line[i - 1] as string))) {
      quote = c;
    } else if (c === '#' && (i === 0 || /\s/.test(line[i - 1] as string))) {
      return i;
    }
  }
  return -1;
}

/** `key: value` or `key=value` inside a comment whose key looks like a secret (confirmed by `isSecretKey`). */
const COMMENT_ASSIGNMENT =
  /([A-Za-z0-9_.-]*(?:password|passwd|pwd|secret|token|api[_-]?key|credential|private[_-]?key)[A-Za-z0-9_.-]*)(\s*[:=]\s*)(["']?)([^\s"'#,;]+)\3/gi;

function maskComment(comment: string): string {
  const masked = comment.replace(COMMENT_ASSIGNMENT, (m, key: string, sep: string, q: string, value: string) =>
    isSecretKey(key) && value !== SECRET_MASK ? `${key}${sep}${q}${SECRET_MASK}${q}` : m,
  );
  return maskUrlPasswords(masked);
}

function maskComments(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      const at = commentStart(line);
      return at < 0 ? line : line.slice(0, at) + maskComment(line.slice(at));
    })
    .join('\n');
}

// ------------------------------------------------------------------ mask

/**
 * The YAML text with every secret value replaced by SECRET_MASK (quote style
 * kept), every URL password masked, and secrets in comments masked. A text
 * that does not parse is masked line by line instead.
 */
export function maskText(text: string): string {
  const doc = parseDocument(text, { uniqueKeys: false });
  if (doc.errors.length > 0) return maskLines(text);
  // An anchored value may be reached twice (directly and through an alias): secret if either way is.
  const found = new Map<Scalar, boolean>();
  scalars(doc, (node, _path, secret) => found.set(node, secret || found.get(node) === true));
  const edits: Edit[] = [];
  for (const [node, secret] of found) {
    if (!node.range) continue;
    const source = sourceOf(text, node);
    const value = node.value;
    if (secret && value !== null && value !== '') {
      edits.push({ start: node.range[0], end: node.range[1], text: render(node, SECRET_MASK, source) });
    } else if (typeof value === 'string' && maskUrlPasswords(value) !== value) {
      edits.push({ start: node.range[0], end: node.range[1], text: maskUrlPasswords(source) });
    }
  }
  return maskComments(applyEdits(text, edits));
}

/** Fallback for text that is not valid YAML: `key: value` lines and URLs, by pattern. */
function maskLines(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      const at = commentStart(line);
      const code = at < 0 ? line : line.slice(0, at);
      const comment = at < 0 ? '' : maskComment(line.slice(at));
      const m = /^(\s*(?:-\s+)?["']?([A-Za-z0-9_.-]+)["']?\s*:\s+)(.*?)(\s*)$/.exec(code);
      const masked = m && isSecretKey(m[2] as string) && (m[3] as string) !== '' ? `${m[1]}${SECRET_MASK}${m[4]}` : maskUrlPasswords(code);
      return masked + comment;
    })
    .join('\n');
}

// ---------------------------------------------------------------- unmask

function samePath(a: KeyPath, b: KeyPath): boolean {
  return a.length === b.length && a.every((p, i) => p === b[i]);
}

function formatPath(path: KeyPath): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

function maskedPlaceholderIssue(path: KeyPath): ConfigIssue {
  return {
    path: formatPath(path),
    message: `shows the masked placeholder ${SECRET_MASK} but no value is stored there; type the value itself`,
  };
}

/**
 * Puts the stored secrets back where `text` (an edited copy of what `maskText`
 * showed) still carries the mask: by key path for values, by the comment
 * itself for comments. Throws a ConfigError when a mask has no stored value
 * to stand for (the key was renamed or moved).
 */
export function unmaskText(text: string, storedText: string | undefined): string {
  if (!text.includes(SECRET_MASK)) return text;
  const stored = storedText ?? '';
  const withComments = restoreComments(text, stored);
  if (!withComments.includes(SECRET_MASK)) return withComments;

  const doc = parseDocument(withComments, { uniqueKeys: false });
  // Invalid YAML: leave it to the validator to say why.
  if (doc.errors.length > 0) return withComments;
  const storedDoc = parseDocument(stored, { uniqueKeys: false });
  const storedScalars: Array<{ node: Scalar; path: KeyPath }> = [];
  if (storedDoc.errors.length === 0) scalars(storedDoc, (node, path) => storedScalars.push({ node, path }));
  const storedAt = (path: KeyPath): Scalar | undefined => storedScalars.find((s) => samePath(s.path, path))?.node;

  const edits: Edit[] = [];
  const issues: ConfigIssue[] = [];
  const done = new Set<Scalar>();
  scalars(doc, (node, path) => {
    if (done.has(node) || !node.range || typeof node.value !== 'string' || !node.value.includes(SECRET_MASK)) return;
    done.add(node);
    const source = sourceOf(withComments, node);
    const original = storedAt(path);
    const originalSource = original ? sourceOf(stored, original) : undefined;
    if (node.value === SECRET_MASK) {
      if (!original || original.value === null || originalSource === undefined) {
        issues.push(maskedPlaceholderIssue(path));
      } else if (!originalSource.includes('\n') && original.type !== 'BLOCK_LITERAL' && original.type !== 'BLOCK_FOLDED') {
        edits.push({ start: node.range[0], end: node.range[1], text: originalSource });
      } else {
        edits.push({ start: node.range[0], end: node.range[1], text: render(node, String(original.value), source) });
      }
      return;
    }
    // A URL whose password shows masked: the stored URL at this path gives the password.
    const password = typeof original?.value === 'string' ? urlPassword(original.value) : undefined;
    if (password === undefined) {
      issues.push(maskedPlaceholderIssue(path));
    } else if (originalSource !== undefined && maskUrlPasswords(originalSource) === source) {
      edits.push({ start: node.range[0], end: node.range[1], text: originalSource });
    } else {
      const value = node.value.replace(`:${SECRET_MASK}@`, `:${password}@`);
      edits.push({ start: node.range[0], end: node.range[1], text: render(node, value, source) });
    }
  });
  if (issues.length > 0) throw new ConfigError(issues);
  return applyEdits(withComments, edits);
}

/** Comments carrying the mask get their stored original back (each stored comment used once, in order). */
function restoreComments(text: string, stored: string): string {
  const originals = new Map<string, string[]>();
  for (const line of stored.split('\n')) {
    const at = commentStart(line);
    if (at < 0) continue;
    const comment = line.slice(at);
    const masked = maskComment(comment);
    if (masked === comment) continue;
    const list = originals.get(masked) ?? [];
    list.push(comment);
    originals.set(masked, list);
  }
  if (originals.size === 0) return text;
  return text
    .split('\n')
    .map((line) => {
      const at = commentStart(line);
      if (at < 0 || !line.includes(SECRET_MASK, at)) return line;
      const original = originals.get(line.slice(at))?.shift();
      return original === undefined ? line : line.slice(0, at) + original;
    })
    .join('\n');
}

/**
 * A config patch with masked values replaced by the stored ones (`stored` is
 * the file's parsed YAML): a field that comes back masked keeps its value.
 */
export function unmaskPatch<T>(patch: T, stored: unknown): T {
  const issues: ConfigIssue[] = [];
  const walk = (value: unknown, at: unknown, path: KeyPath): unknown => {
    if (typeof value === 'string' && value.includes(SECRET_MASK)) {
      if (value === SECRET_MASK) {
        if (at === undefined || at === null) issues.push(maskedPlaceholderIssue(path));
        return at;
      }
      const password = typeof at === 'string' ? urlPassword(at) : undefined;
      if (password === undefined) {
        issues.push(maskedPlaceholderIssue(path));
        return value;
      }
      return value.replace(`:${SECRET_MASK}@`, `:${password}@`);
    }
    if (Array.isArray(value)) return value.map((v, i) => walk(v, Array.isArray(at) ? at[i] : undefined, [...path, i]));
    if (typeof value === 'object' && value !== null) {
      const out: Record<string, unknown> = {};
      const within = typeof at === 'object' && at !== null && !Array.isArray(at) ? (at as Record<string, unknown>) : {};
      for (const [k, v] of Object.entries(value)) out[k] = walk(v, within[k], [...path, k]);
      return out;
    }
    return value;
  };
  const out = walk(patch, stored, []) as T;
  if (issues.length > 0) throw new ConfigError(issues);
  return out;
}
