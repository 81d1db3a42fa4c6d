/**
 * Map-reduce with a flow: a long document is split into chunks; each chunk
 * is a child job on the `map-chunks` queue, summarised by the built-in
 * summarizer agent; the parent job on `reduce-docs` waits in
 * `waiting-children` until every chunk is done, then combines their
 * summaries (read with `flows.childResults`) into one. Producer and both
 * workers run in this one process for the example; in production they are
 * separate processes, on any Redis (Cluster included: the two queues may
 * live on different nodes).
 *
 *   npm run example:map-reduce      (against the Redis `make dev` runs)
 */
import { BUILTIN_AGENTS } from 'conveyor/agents';
import { processJobs } from 'conveyor/pool';
import { agentItem, connectQueue, fanOut } from 'conveyor/queue';

const DOCUMENT = [
  'Conveyor is a queue for agent jobs. It keeps jobs in Redis and runs them on worker threads. Each queue is its own hash slot.',
  'A flow is a tree of jobs. A parent waits until its children are done. Children may live on other queues, and so on other nodes.',
  'When a child ends, its outcome is written beside it in the same script. Any process then applies it to the parent, exactly once.',
  'A worker that dies between the two steps leaves the outcome behind. Another process finishes it on its next sweep.',
  'The parent then runs with all its children results. This example combines the summaries of the chunks into one.',
].join(' ');

/** Splits text into chunks of about `size` characters, at sentence ends. */
function chunks(text: string, size: number): string[] {
  const out: string[] = [];
  let current = '';
  for (const sentence of text.match(/[^.!?]+[.!?]+/g) ?? [text]) {
    if (current && current.length + sentence.length > size) {
      out.push(current.trim());
      current = '';
    }
    current += sentence;
  }
  if (current.trim()) out.push(current.trim());
  return out;
}

const summarizer = BUILTIN_AGENTS.find((a) => a.name === 'summarizer');

async function main(): Promise<void> {
  if (!summarizer) throw new Error('the built-in summarizer agent is missing');
  const queue = await connectQueue();
  const stop = new AbortController();
  try {
    await queue.createQueue('map-chunks');
    await queue.createQueue('reduce-docs');
    const parts = chunks(DOCUMENT, 200);
    const flow = fanOut(
      { queue: 'reduce-docs', item: agentItem('combine', { chunks: parts.length }) },
      parts.map((text) => ({ queue: 'map-chunks', item: agentItem('summarizer', { text, sentences: 1 }) })),
    );
    const root = await queue.flows.enqueueFlow(flow);
    console.log(`enqueued ${root.queue}/${root.id} with ${parts.length} chunk jobs`);

    let combined = '';
    const signal = stop.signal;
    const mappers = processJobs<{ agent: string; input: unknown }>(
      queue,
      'map-chunks',
      (job, ctx) =>
        summarizer.run(job.message.payload.input, {
          signal: ctx.signal,
          jobId: job.action.id,
          attempt: job.attempt,
          progress: () => undefined,
          log: () => undefined,
        }),
      { concurrency: 4, signal },
    );
    const reducer = processJobs(
      queue,
      'reduce-docs',
      async (job) => {
        const children = await queue.flows.childResults('reduce-docs', job.action.id);
        combined = children.map((c) => (c.result as { summary: string }).summary).join(' ');
        stop.abort();
        return { summary: combined, chunks: children.length };
      },
      { signal },
    );
    await Promise.all([mappers, reducer]);
    const done = await queue.getJob('reduce-docs', root.id);
    console.log(`${root.id} ${done?.state}: ${combined}`);
  } finally {
    stop.abort();
    await queue.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
