/**
 * A worker process that dies for real between the steps (flows-kill.test.ts):
 * it completes the leased child `QUEUE/ID`, and its process exits the moment
 * the child's outbox entry is about to be applied to the parent.
 */
import { DEFAULT_CONFIG } from '../../../src-shared/config-schema';
import { adapterOptionsFromConfig } from '../../../src-main/queue/adapter-options';
import { RedisQueueAdapter } from '../../../src-main/queue/redis-queue-adapter';

async function main(): Promise<void> {
  const { options } = adapterOptionsFromConfig({ ...DEFAULT_CONFIG.queue, key_prefix: process.env.PREFIX ?? '' }, process.env);
  const a = await RedisQueueAdapter.connect({ ...options, log: () => undefined });
  a.flows.outbox.fault = (step) => {
    if (step === 'before-apply') process.exit(137);
  };
  const queue = process.env.QUEUE ?? '';
  const job = await a.dequeue(queue, { blockMs: 5000 });
  if (!job) throw new Error('nothing to lease');
  await a.completeProcessing(queue, job.action.id, 'from the dying worker', job.lease.token);
  // The apply runs right after the ack; if it had not killed us, say so.
  await new Promise((r) => setTimeout(r, 2000));
  process.exit(3);
}

void main().catch(() => process.exit(2));
