/**
 * A producer for the flood test: `rate` echo jobs a second for `seconds`, in
 * `enqueueMany` batches every 1000/(rate/batch) ms on a fixed schedule (a
 * late batch does not shift the ones after it), through a RedisQueueAdapter
 * on the test's config.yml. Its own process, as a real producer would be.
 *
 *   node --require ./scripts/register-lua-raw.cjs --import tsx test/e2e/support/flood.ts \
 *     --config <config.yml> --queue flood --rate 1000 --seconds 10 --batch 100
 *
 * Prints `{"ready":true}` once connected (the flood starts right after), then
 * one JSON line with the figures: {"enqueued", "batches", "elapsedMs", "maxLagMs"}.
 */
import { parseArgs } from 'node:util';
import { agentItem, connectQueue } from '../../../src-main/queue/index';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      config: { type: 'string' },
      queue: { type: 'string', default: 'flood' },
      rate: { type: 'string', default: '1000' },
      seconds: { type: 'string', default: '10' },
      batch: { type: 'string', default: '100' },
    },
  });
  if (!values.config) throw new Error('--config is required');
  const queue = values.queue;
  const rate = Number(values.rate);
  const seconds = Number(values.seconds);
  const batch = Number(values.batch);
  const batches = Math.round((rate * seconds) / batch);
  const intervalMs = (1000 * batch) / rate;

  const adapter = await connectQueue({ configPath: values.config, env: {} });
  try {
    process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
    const start = performance.now();
    let enqueued = 0;
    let maxLagMs = 0;
    for (let b = 0; b < batches; b++) {
      const due = start + b * intervalMs;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      maxLagMs = Math.max(maxLagMs, performance.now() - due);
      const items = Array.from({ length: batch }, (_, i) => agentItem('echo', { n: b * batch + i }, 'e2e-flood'));
      enqueued += (await adapter.enqueueMany(queue, items)).length;
    }
    const elapsedMs = Math.round(performance.now() - start);
    process.stdout.write(`${JSON.stringify({ enqueued, batches, elapsedMs, maxLagMs: Math.round(maxLagMs) })}\n`);
  } finally {
    await adapter.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`flood failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
