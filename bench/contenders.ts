import { createRequire } from 'node:module';
import { join } from 'node:path';
import { BeeQueueContender } from './beequeue-contender';
import { BullmqContender } from './bullmq-contender';
import type { Contender, ContenderName } from './contender';
import { ConveyorContender } from './conveyor-contender';

/** Installed versions of the other systems (from their package.json). */
export function versions(): { bullmq: string; beequeue: string } {
  const req = createRequire(__filename);
  const v = (pkg: string): string => String((req(`${pkg}/package.json`) as { version: string }).version);
  return { bullmq: v('bullmq'), beequeue: v('bee-queue') };
}

/**
 * Every contender on the Redis at `url`, each under `<prefix>:<name>`. `dir`
 * holds the bench's build (thread-entry.js, bullmq-processor.js), beside
 * which the bench and its worker processes run.
 */
export function makeContenders(url: string, prefix: string, dir: string): Contender[] {
  const v = versions();
  return [
    new ConveyorContender(url, `${prefix}:conveyor`, join(dir, 'thread-entry.js')),
    new BullmqContender(url, `${prefix}:bullmq`, v.bullmq, join(dir, 'bullmq-processor.js')),
    new BeeQueueContender(url, `${prefix}:beequeue`, v.beequeue),
  ];
}

export function contenderNamed(all: readonly Contender[], name: ContenderName): Contender {
  const c = all.find((x) => x.name === name);
  if (!c) throw new Error(`no contender ${name}`);
  return c;
}
