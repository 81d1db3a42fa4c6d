import type { Agent } from '../../../src-shared/agent';
import { AgentInputError } from '../errors';
import { summarize, type Summary } from '../text/extractive-summary';

export type SummarizerInput = string | { text: string; sentences?: number };

const EXPECTED = '{"text": <non-empty string>, "sentences"?: <integer >= 1>} or a non-empty string';

function parse(input: unknown): { text: string; sentences?: number } {
  if (typeof input === 'string' && input.trim()) return { text: input };
  if (typeof input === 'object' && input !== null && !Array.isArray(input)) {
    const { text, sentences } = input as { text?: unknown; sentences?: unknown };
    if (typeof text === 'string' && text.trim()) {
      if (sentences === undefined) return { text };
      if (Number.isSafeInteger(sentences) && (sentences as number) >= 1) return { text, sentences: sentences as number };
    }
  }
  throw new AgentInputError('summarizer', EXPECTED, input);
}

/** Extractive summary of English text: its most representative sentences, in order. No network, no model. */
const summarizer: Agent<unknown, Summary> = {
  name: 'summarizer',
  description:
    'Extractive summary of English text: picks its most representative sentences (about 30%, 1-5, or {sentences}) and keeps their order.',
  run(input) {
    const { text, sentences } = parse(input);
    return summarize(text, sentences);
  },
};

export default summarizer;
