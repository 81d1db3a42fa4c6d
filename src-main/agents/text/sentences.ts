/**
 * Sentence splitting for English prose, by rule: a sentence ends at `.`, `!`,
 * `?` or `…` (plus closing quotes or brackets) followed by whitespace and a
 * word that can start a sentence, unless the word before the period is an
 * abbreviation. A blank line always ends a sentence. Decimals (3.5), URLs and
 * dotted names never split, since no whitespace follows their periods.
 */
import { STOPWORDS } from './stopwords';

/** Never end a sentence: titles before a name, and Latin shorthand mid-sentence. */
const ALWAYS_ABBREVIATION = new Set(
  `mr mrs ms mx dr prof sr jr st mt gen col capt cpt lt sgt cmdr adm rev hon gov sen rep pres supt insp messrs mme mlle fr
  e.g i.e cf viz vs al approx ca`.split(/\s+/),
);

/** Before a number they are abbreviations (No. 5, Jan. 2020, p. 12); elsewhere they may end a sentence. */
const BEFORE_NUMBER = new Set('no nos vol vols fig figs p pp ch sec art eq ed jan feb mar apr jun jul aug sep sept oct nov dec'.split(' '));

/**
 * May end a sentence, or not: "in the U.S. Senate" vs "in the U.S. The ...".
 * They end one when the next word is a capitalized function word (The, It,
 * But, ...), which rarely follows an abbreviation mid-sentence.
 */
const AMBIGUOUS = new Set('etc inc ltd co corp bros llc plc a.m p.m'.split(' '));
/** U.S, U.S.A, Ph.D, e.g. without its final period. */
const DOTTED = /^(?:\p{L}{1,2}\.)+\p{L}{1,2}$/u;

const OPENERS = `["'“‘(\\[]*`;
/** A word that can start a sentence: capitalized, a number, or either after an opening quote or bracket. */
const SENTENCE_START = new RegExp(`^${OPENERS}[\\p{Lu}\\p{N}]`, 'u');
const STARTS_WITH_NUMBER = new RegExp(`^${OPENERS}\\p{N}`, 'u');
const END = /[.!?…]+["'”’)\]]*(?=\s|$)/gu;

function firstWord(text: string): string {
  return /^["'“‘([]*([\p{L}\p{N}']+)/u.exec(text)?.[1] ?? '';
}

/** Does the punctuation `mark`, after `before` and followed by `after`, end a sentence? */
function endsSentence(before: string, mark: string, after: string): boolean {
  if (!SENTENCE_START.test(after)) return false;
  if (!mark.startsWith('.') || mark.startsWith('..')) return true;
  const word = (/(\S+)$/.exec(before)?.[1] ?? '').replace(/^["'“‘([]+/, '');
  const lower = word.toLowerCase();
  if (ALWAYS_ABBREVIATION.has(lower)) return false;
  if (/^\p{Lu}$/u.test(word)) return false; // an initial: J. R. R. Tolkien
  if (BEFORE_NUMBER.has(lower) && STARTS_WITH_NUMBER.test(after)) return false;
  if (AMBIGUOUS.has(lower) || DOTTED.test(word)) return STOPWORDS.has(firstWord(after).toLowerCase());
  return true;
}

export function splitSentences(text: string): string[] {
  const sentences: string[] = [];
  for (const paragraph of text.split(/(?:\r?\n[ \t]*){2,}/)) {
    const p = paragraph.replace(/\s+/g, ' ').trim();
    let start = 0;
    for (const m of p.matchAll(END)) {
      const end = m.index + m[0].length;
      const after = p.slice(end + 1);
      if (end < p.length && !endsSentence(p.slice(start, m.index), m[0], after)) continue;
      sentences.push(p.slice(start, end).trim());
      start = end;
    }
    const rest = p.slice(start).trim();
    if (rest) sentences.push(rest);
  }
  return sentences.filter((s) => s.length > 0);
}
