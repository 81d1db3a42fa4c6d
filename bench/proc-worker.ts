/**
 * A worker process of the multi-process measurement (out/bench/proc-worker.js):
 * opens the queue the parent names, builds the contender's consumer, says
 * `ready`, starts on `go`, reports completed jobs (one message per event-loop
 * turn at most) and closes on `stop`.
 */
import { contenderNamed, makeContenders } from './contenders';
import type { FromWorker, ToWorker, WorkerSpec } from './worker-messages';

function send(msg: FromWorker): void {
  process.send?.(msg);
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '{}') as WorkerSpec;
  const contender = contenderNamed(makeContenders(spec.redisUrl, spec.prefix, __dirname), spec.contender);
  const session = await contender.open(spec.queue);
  let pending = 0;
  let scheduled = false;
  const flush = (): void => {
    scheduled = false;
    send({ type: 'count', n: pending });
    pending = 0;
  };
  const start = await session.prepareConsumer(spec.setup, {
    completed: () => {
      pending++;
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    failed: (err) => send({ type: 'error', message: err.message }),
  });
  process.on('message', (msg: ToWorker) => {
    if (msg.type === 'go') start().catch((err: Error) => send({ type: 'error', message: err.message }));
    else if (msg.type === 'stop') void session.close().finally(() => process.exit(0));
  });
  send({ type: 'ready' });
}

main().catch((err: unknown) => {
  send({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  process.exit(1);
});
