/**
 * The fenced code blocks of a Markdown file, for documentation tests: each
 * with its language, its first line number, and whether it is marked not
 * runnable. The mark is an HTML comment on the line(s) just before the fence
 * (blank lines between are allowed), which readers of the rendered page do
 * not see, and which must say why:
 *
 *   <!-- doctest: skip (needs an OpenAI key) -->
 *   ```ts
 */
export interface CodeBlock {
  lang: string;
  code: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** Why it is not run, when it is marked so. */
  skip?: string;
}

const FENCE = /^(\s*)(`{3,}|~{3,})\s*([\w+-]*)[^\n]*$/;
const SKIP = /^\s*<!--\s*doctest:\s*skip\s*\((.+)\)\s*-->\s*$/;
const ANY_MARK = /<!--\s*doctest:/;

export function codeBlocks(markdown: string): CodeBlock[] {
  const lines = markdown.split(/\r?\n/);
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i] ?? '');
    if (!open) continue;
    const [, indent = '', fence = '', lang = ''] = open;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const line = lines[j] ?? '';
      if (line.trim().startsWith(fence) && line.trim().replace(/[`~]/g, '') === '') break;
      body.push(line.startsWith(indent) ? line.slice(indent.length) : line);
    }
    let k = i - 1;
    while (k >= 0 && (lines[k] ?? '').trim() === '') k--;
    const before = lines[k] ?? '';
    const block: CodeBlock = { lang: lang.toLowerCase(), code: `${body.join('\n')}\n`, line: i + 1 };
    const skip = SKIP.exec(before);
    if (skip?.[1]) block.skip = skip[1].trim();
    else if (ANY_MARK.test(before))
      throw new Error(`line ${k + 1}: a doctest mark is \`<!-- doctest: skip (why) -->\`, got: ${before.trim()}`);
    blocks.push(block);
    i = j;
  }
  return blocks;
}

/** Shell words of one command line: quotes removed, `#` comments dropped. */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < line.length) word += line[++i];
      else word += c;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '#' && !inWord) {
      break;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      if (c === '\\' && i + 1 < line.length) word += line[++i];
      else word += c;
      inWord = true;
    }
  }
  if (quote) throw new Error(`unclosed ${quote} in: ${line}`);
  if (inWord) words.push(word);
  return words;
}

/**
 * The commands of a shell line: a pipeline `a | b` is its parts; a synopsis
 * `conveyor retry|cancel|remove q 42 [--json]` is each alternative with the
 * optional parts included (`[agents ...]` as `agents`).
 */
export function shellCommands(line: string): string[][] {
  const commands: string[][] = [];
  for (const part of line.split(/\s\|\s/)) {
    const words = shellWords(part.replace(/\[([^\]]*)\]/g, '$1').replace(/\s\.\.\.(?=\s|$)/g, ''));
    if (words.length === 0) continue;
    const alternatives = words.map((w) => (/^[a-z][\w-]*(\|[a-z][\w-]*)+$/.test(w) ? w.split('|') : [w]));
    const at = alternatives.findIndex((a) => a.length > 1);
    if (at < 0) {
      commands.push(words);
      continue;
    }
    for (const choice of alternatives[at] ?? []) commands.push(words.map((w, i) => (i === at ? choice : w)));
  }
  return commands;
}
