import { parentPort, workerData } from 'node:worker_threads';
import type { HostMessage, ThreadData } from './messages';
import { bootRuntime } from './thread-runtime';

/** Entry of each worker thread: load the agents, report ready, then run what the host sends. */
async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('thread-entry must run in a worker thread');
  const data = workerData as ThreadData;
  const { runtime, ready } = await bootRuntime(data, (m) => port.postMessage(m), data.busy);
  port.on('message', (m: HostMessage) => runtime.handle(m));
  port.postMessage(ready);
}

void main();
