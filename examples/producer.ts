/**
 * Producer walk-through: connect with the default config, create the queue,
 * build a message from a producer location to a worker location carrying an
 * agent job, wrap it in a queue item, enqueue it and print its id.
 *
 *   npm run example:producer        (against the Redis `make dev` runs)
 */
import { connectQueue, type Message, type QueueItemInput } from 'conveyor/queue';

async function main(): Promise<void> {
  const queue = await connectQueue();
  try {
    await queue.createQueue('agents');

    const message: Message<{ agent: string; input: string }> = {
      source: { id: 'producer', kind: 'producer' },
      destination: { id: 'worker', kind: 'worker' },
      payload: { agent: 'summarizer', input: 'Summarise the Q3 earnings call.' },
    };
    const item: QueueItemInput = { message };

    const id = await queue.enqueue('agents', item);
    console.log(id);
  } finally {
    await queue.close();
  }
}

main().catch((err: unknown) => {
  console.error(`producer: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
