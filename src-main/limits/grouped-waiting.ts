import type { Redis } from 'ioredis';
import type { QueueKeys } from '../queue/keys';

/**
 * Jobs waiting in a queue's group sets (limits.lua keeps a grouped job there,
 * not in `wait`): what a queue's waiting count adds for them. One round trip
 * that finds no group on a queue without any.
 */
export async function groupedWaiting(client: Redis, q: QueueKeys): Promise<number> {
  const [ring, held] = await Promise.all([client.zrange(q.key('groups'), 0, -1), client.zrange(q.key('gblocked'), 0, -1)]);
  const groups = [...new Set([...ring, ...held])];
  if (groups.length === 0) return 0;
  const pipe = client.pipeline();
  for (const g of groups) pipe.zcard(q.groupWait(g));
  return ((await pipe.exec()) ?? []).reduce((sum, [err, n]) => sum + (err ? 0 : Number(n)), 0);
}
