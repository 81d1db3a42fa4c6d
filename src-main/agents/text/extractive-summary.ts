/**
 * Extractive summarization by term frequency (after Luhn, 1958): the
 * sentences whose content words are the text's most frequent ones carry its
 * gist. Deterministic: the same text always gives the same summary.
 */
import { splitSentences } from './sentences';
import { STOPWORDS } from './stopwords';

export interface Summary {
  /** The chosen sentences, in their original order, joined by spaces. */
  summary: string;
  sentences: string[];
  /** Chosen sentences / sentences in the text, 0..1. */
  ratio: number;
}

/** Default summary length: about 30% of the sentences, at least 1, at most 5. */
export function defaultSentenceCount(total: number): number {
  return Math.min(5, Math.max(1, Math.round(total * 0.3)));
}

/** Added to the first sentence's score, as a share of the best score: openings tend to state the topic. */
const FIRST_SENTENCE_BONUS = 0.1;

/** Lower-cased content words, possessives dropped and plurals folded (models → model, studies → study). */
export function contentWords(sentence: string): string[] {
  const words: string[] = [];
  for (const raw of sentence.toLowerCase().match(/[\p{L}\p{N}]+(?:['’]\p{L}+)*/gu) ?? []) {
    const word = raw.replace(/['’]s$/, '');
    if (word.length < 2 || STOPWORDS.has(word) || !/\p{L}/u.test(word)) continue;
    words.push(fold(word));
  }
  return words;
}

function fold(word: string): string {
  if (word.length <= 3) return word;
  if (word.endsWith('ies') && word.length > 4) return `${word.slice(0, -3)}y`;
  if (/(?:ss|us|is|ous)$/.test(word)) return word;
  return word.endsWith('s') ? word.slice(0, -1) : word;
}

/**
 * Scores each sentence by the normalized frequency (count / highest count) of
 * its content words, summed and divided by the square root of their number:
 * long sentences are not favoured just for being long, nor short ones for
 * repeating one word.
 */
export function scoreSentences(sentences: readonly string[]): number[] {
  const words = sentences.map(contentWords);
  const counts = new Map<string, number>();
  for (const list of words) for (const w of list) counts.set(w, (counts.get(w) ?? 0) + 1);
  const top = Math.max(1, ...counts.values());
  const scores = words.map((list) =>
    list.length === 0 ? 0 : list.reduce((sum, w) => sum + (counts.get(w) ?? 0) / top, 0) / Math.sqrt(list.length),
  );
  if (scores.length > 0) scores[0] = (scores[0] ?? 0) + FIRST_SENTENCE_BONUS * Math.max(...scores);
  return scores;
}

/** The `count` (default: about 30%, 1-5) best sentences of `text`, in their original order. */
export function summarize(text: string, count?: number): Summary {
  const all = splitSentences(text);
  if (all.length <= 1) return { summary: all[0] ?? '', sentences: all, ratio: all.length };
  const n = Math.min(all.length, count ?? defaultSentenceCount(all.length));
  const scores = scoreSentences(all);
  const chosen = all
    .map((_, i) => i)
    .sort((a, b) => (scores[b] ?? 0) - (scores[a] ?? 0) || a - b) // ties: the earlier sentence
    .slice(0, n)
    .sort((a, b) => a - b)
    .map((i) => all[i] ?? '');
  return { summary: chosen.join(' '), sentences: chosen, ratio: chosen.length / all.length };
}
