/**
 * Worker walk-through: loop on `dequeue`, mark the job started as
 * "worker-1", read `input` from the payload, run the agent it names, and
 * complete the job with `{output}` (or fail it, so the retry policy applies).
 * Stops after `--once` job, or on Ctrl-C.
 *
 *   npm run example:worker          (against the Redis `make dev` runs)
 */
import { BUILTIN_AGENTS } from 'conveyor/agents';
import { connectQueue } from 'conveyor/queue';

const agents = new Map(BUILTIN_AGENTS.map((a) => [a.name, a]));

async function main(): Promise<void> {
  const once = process.argv.includes('--once');
  const queue = await connectQueue();
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  try {
    await queue.createQueue('agents');
    while (!stop.signal.aborted) {
      const item = await queue.dequeue<{ agent: string; input: unknown }>('agents', { blockMs: 1000 });
      if (!item) continue;
      const id = item.action.id;
      await queue.startProcessing('agents', id, 'worker-1');
      const { agent: name, input } = item.message.payload;
      try {
        const agent = agents.get(name);
        if (!agent) throw new Error(`unknown agent "${name}"`);
        const output = await agent.run(input, {
          signal: stop.signal,
          jobId: id,
          attempt: item.attempt,
          progress: () => undefined,
          log: (line) => console.log(`[${id}] ${line}`),
        });
        await queue.completeProcessing('agents', id, { output });
        console.log(`${id} completed: ${JSON.stringify(output)}`);
      } catch (err) {
        const next = await queue.failProcessing('agents', id, err);
        console.log(`${id} failed (${next}): ${err instanceof Error ? err.message : String(err)}`);
      }
      if (once) break;
    }
  } finally {
    await queue.close();
  }
}

main().catch((err: unknown) => {
  console.error(`worker: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
