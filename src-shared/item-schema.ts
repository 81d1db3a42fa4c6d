import { z } from 'zod';
import type { QueueItemInput } from './job';

/** Validates queue items at the boundary (producers, CLI, renderer, and what Redis hands back). */

const location = z.object({ id: z.string().min(1), kind: z.string().optional() });

export const messageSchema = z.object({
  source: location,
  destination: location,
  payload: z.json(),
});

export const itemInputSchema = z.object({
  action: z.object({ id: z.string().min(1).optional() }).optional(),
  message: messageSchema,
});

/** Describes the first few problems of an invalid item in one line. */
export function describeItemIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.') : '(item)'}: ${i.message}`)
    .join('; ');
}

export type ParsedItemInput = z.infer<typeof itemInputSchema>;

/** Builds an agent job item: `{agent, input}` from a producer to a worker. */
export function agentItem(agent: string, input: unknown, from = 'producer', to = 'worker'): QueueItemInput<{ agent: string; input: unknown }> {
  return {
    message: {
      source: { id: from, kind: 'producer' },
      destination: { id: to, kind: 'worker' },
      payload: { agent, input },
    },
  };
}
