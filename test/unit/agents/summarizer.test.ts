import { describe, expect, it } from 'vitest';
import summarizer from '../../../src-main/agents/builtin/summarizer';
import { AgentInputError } from '../../../src-main/agents/errors';
import { contentWords, defaultSentenceCount, summarize } from '../../../src-main/agents/text/extractive-summary';
import { splitSentences } from '../../../src-main/agents/text/sentences';
import { recordingContext, rejectionOf } from './context';

/** Seven sentences about bees, one of them off topic. */
const BEES = [
  'Honeybees live in colonies of tens of thousands of workers, a few hundred drones and a single queen.',
  'The queen lays up to 2,000 eggs a day during the spring build-up, and the workers decide what each larva becomes by what they feed it.',
  'Worker bees change jobs as they age: young workers clean cells and nurse larvae, middle-aged workers build comb and guard the entrance, and the oldest workers forage for nectar and pollen.',
  'A forager that finds a rich patch of flowers returns to the hive and performs a waggle dance, which tells other workers the direction and distance of the flowers.',
  'The weather in Paris was mild that week.',
  'Colonies reproduce by swarming, when the old queen leaves with about half of the workers to found a new colony.',
  'Beekeepers try to prevent swarming because a colony that swarms produces far less honey.',
];

/** Seven sentences about job queues, one of them off topic. */
const QUEUES = [
  'A job queue decouples the producers of work from the workers that do it.',
  'Producers add jobs to the queue and return at once, without waiting for the work to finish.',
  'Workers take jobs from the queue, run them, and record whether each job succeeded or failed.',
  "When a worker crashes in the middle of a job, the queue notices that the job's lease has expired and hands the job to another worker.",
  'Failed jobs are retried with a growing delay, so that a struggling downstream service is not overwhelmed.',
  'The office coffee machine was replaced in March.',
  'A job that keeps failing after its last retry is moved to a dead-letter list, where an operator can inspect it.',
];

/** Async, as the pool calls it: a synchronous throw becomes a rejection. */
const run = async (input: unknown) => summarizer.run(input, recordingContext().ctx);

describe('splitSentences', () => {
  it('splits at periods, question marks and exclamation marks followed by a capital', () => {
    expect(splitSentences('It rained. Did it stop? No! The end.')).toEqual(['It rained.', 'Did it stop?', 'No!', 'The end.']);
  });

  it('does not split after titles: Mr., Mrs., Dr., Prof.', () => {
    expect(splitSentences('Mr. Smith met Dr. Jones and Prof. Lee. They talked.')).toEqual([
      'Mr. Smith met Dr. Jones and Prof. Lee.',
      'They talked.',
    ]);
  });

  it('does not split after e.g. or i.e.', () => {
    expect(splitSentences('Use a fruit, e.g. Apples or pears, i.e. Something sweet. Then bake.')).toEqual([
      'Use a fruit, e.g. Apples or pears, i.e. Something sweet.',
      'Then bake.',
    ]);
  });

  it('does not split decimals, versions or domain names', () => {
    expect(splitSentences('It grew 3.5 percent. Version 1.2.3 of example.com shipped.')).toEqual([
      'It grew 3.5 percent.',
      'Version 1.2.3 of example.com shipped.',
    ]);
  });

  it('does not split inside U.S. before a name, but does at the end of a sentence', () => {
    expect(splitSentences('The U.S. Senate voted. She moved to the U.S. The rent was high.')).toEqual([
      'The U.S. Senate voted.',
      'She moved to the U.S.',
      'The rent was high.',
    ]);
  });

  it('does not split after initials', () => {
    expect(splitSentences('J. R. R. Tolkien wrote it. It sold well.')).toEqual(['J. R. R. Tolkien wrote it.', 'It sold well.']);
  });

  it('does not split before a lowercase word', () => {
    expect(splitSentences('He left at 5 p.m. and came back. It was late.')).toEqual(['He left at 5 p.m. and came back.', 'It was late.']);
  });

  it('does not split "No." or "p." before a number', () => {
    expect(splitSentences('See No. 5 on p. 12 of the report. It is short.')).toEqual(['See No. 5 on p. 12 of the report.', 'It is short.']);
  });

  it('keeps closing quotes and brackets with their sentence', () => {
    expect(splitSentences('She said "Stop." Then he left (quietly.) It ended.')).toEqual([
      'She said "Stop."',
      'Then he left (quietly.)',
      'It ended.',
    ]);
  });

  it('splits at a sentence starting with a number', () => {
    expect(splitSentences('It cost 5 dollars. 3 people came.')).toEqual(['It cost 5 dollars.', '3 people came.']);
  });

  it('always splits at a blank line, even without punctuation, and joins wrapped lines', () => {
    expect(splitSentences('A title\n\nThe first line\nwraps here. Next one.\r\n\r\nLast')).toEqual([
      'A title',
      'The first line wraps here.',
      'Next one.',
      'Last',
    ]);
  });
});

describe('contentWords', () => {
  it('drops stopwords and folds case, possessives and plurals', () => {
    expect(contentWords("The worker's jobs and the Workers' queues are studies.")).toEqual(['worker', 'job', 'worker', 'queue', 'study']);
  });
});

describe('summarizer', () => {
  it('picks about 30% of the sentences by default: 2 of 7', async () => {
    expect((await run(BEES.join(' '))).sentences).toHaveLength(2);
  });

  it('takes 1 to 5 sentences by default', () => {
    expect([1, 2, 3, 10, 17, 40].map(defaultSentenceCount)).toEqual([1, 1, 1, 3, 5, 5]);
  });

  it('returns its chosen sentences verbatim, in their original order', async () => {
    const { sentences } = await run({ text: BEES.join(' '), sentences: 4 });
    const positions = sentences.map((s) => BEES.indexOf(s));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
  });

  it('joins the chosen sentences into the summary, with the ratio of sentences kept', async () => {
    const result = await run({ text: QUEUES.join(' '), sentences: 2 });
    expect(result.summary).toBe(result.sentences.join(' '));
    expect(result.ratio).toBeCloseTo(2 / 7);
  });

  it('prefers the sentences about what the text is about', async () => {
    expect((await run({ text: QUEUES.join(' '), sentences: 2 })).sentences).toEqual([QUEUES[2], QUEUES[3]]);
    expect((await run({ text: BEES.join(' '), sentences: 2 })).sentences).toEqual([BEES[2], BEES[5]]);
  });

  it('leaves out the off-topic sentence even when keeping five of seven', async () => {
    expect((await run({ text: BEES.join(' '), sentences: 5 })).sentences).not.toContain(BEES[4]);
    expect((await run({ text: QUEUES.join(' '), sentences: 5 })).sentences).not.toContain(QUEUES[5]);
  });

  it('gives the first sentence a small head start over an equal one', () => {
    const twins = 'Cats chase mice at night. Mice fear cats at night. Dogs sleep.';
    expect(summarize(twins, 1).sentences).toEqual(['Cats chase mice at night.']);
  });

  it('is deterministic', async () => {
    const text = `${BEES.join(' ')}\n\n${QUEUES.join(' ')}`;
    expect(await run(text)).toEqual(await run(text));
  });

  it('returns a one-sentence text as it is', async () => {
    expect(await run('  Just one sentence here.  ')).toEqual({
      summary: 'Just one sentence here.',
      sentences: ['Just one sentence here.'],
      ratio: 1,
    });
  });

  it('keeps every sentence when asked for more than there are', async () => {
    const result = await run({ text: 'One. Two. Three.', sentences: 10 });
    expect(result).toEqual({ summary: 'One. Two. Three.', sentences: ['One.', 'Two.', 'Three.'], ratio: 1 });
  });

  it.each([
    ['an empty string', ''],
    ['only whitespace', '  \n '],
    ['a number', 5],
    ['text not a string', { text: 5 }],
    ['zero sentences', { text: 'A. B.', sentences: 0 }],
    ['fractional sentences', { text: 'A. B.', sentences: 1.5 }],
  ])('rejects %s as invalid input', async (_name, input) => {
    const err = await rejectionOf(run(input));
    expect(err).toBeInstanceOf(AgentInputError);
    expect((err as Error).message).toMatch(
      /^summarizer: expected input \{"text": <non-empty string>, "sentences"\?: <integer >= 1>\} or a non-empty string, got /,
    );
  });
});
