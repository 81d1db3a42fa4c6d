import { parentPort, workerData } from 'node:worker_threads';
import { loadAgents, unknownAgentMessage } from '../agents/registry';
import type { AgentsConfig } from '../../src-shared/config-schema';
import type { HostMessage, ThreadData } from './messages';
import { ThreadRuntime } from './thread-runtime';

/** Entry of each worker thread: load the agents, report ready, then run what the host sends. */
async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('thread-entry must run in a worker thread');
  const data = workerData as ThreadData;
  const { agents, infos, errors } = await loadAgents({
    ...(data.agentsDir ? { agentsDir: data.agentsDir } : {}),
    ...(data.llm ? { llm: data.llm as AgentsConfig } : {}),
  });
  const known = [...agents.keys()];
  const runtime = new ThreadRuntime(
    agents,
    (m) => port.postMessage(m),
    (name) => unknownAgentMessage(name, known),
    data.busy,
  );
  port.on('message', (m: HostMessage) => runtime.handle(m));
  port.postMessage({ type: 'ready', agents: infos, errors });
}

void main();
