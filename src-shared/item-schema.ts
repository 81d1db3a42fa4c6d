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

export type ParsedItemInput = z.infer<typeof itemInputSchema>;

/** Deeper payloads go to the schema: the hand check below must not recurse without bound (cycles). */
const FAST_JSON_DEPTH = 32;

/**
 * Whether `v` is JSON that `z.json()` accepts and returns unchanged, checked by
 * hand (the schema walk costs a producer more than the Redis call). It may say
 * no to valid JSON (exotic objects, deep nesting): the schema then decides.
 */
function isPlainJson(v: unknown, depth: number): boolean {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(v);
    case 'object': {
      if (v === null) return true;
      if (depth >= FAST_JSON_DEPTH) return false;
      if (Array.isArray(v)) {
        // A hole reads as undefined, which fails as in the schema.
        for (let i = 0; i < v.length; i++) if (!isPlainJson(v[i], depth + 1)) return false;
        return true;
      }
      const proto: unknown = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) return false;
      // The schema rejects symbol keys and drops `__proto__`; JSON.stringify would not: leave both to it.
      if (Object.getOwnPropertySymbols(v).length > 0) return false;
      for (const key of Object.keys(v)) {
        if (key === '__proto__' || !isPlainJson((v as Record<string, unknown>)[key], depth + 1)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

function isObjectLike(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

type Location = ParsedItemInput['message']['source'];

/** A location as the schema returns it (unknown keys dropped), or undefined when the schema must decide. */
function fastLocation(v: unknown): Location | undefined {
  if (!isObjectLike(v)) return undefined;
  const { id, kind } = v;
  if (typeof id !== 'string' || id.length === 0) return undefined;
  if (kind === undefined) return { id };
  return typeof kind === 'string' ? { id, kind } : undefined;
}

/**
 * `itemInputSchema.parse` for the common well-formed item, without the schema:
 * what it returns equals what the schema returns (unknown keys dropped), and it
 * returns undefined for anything it is not sure of, invalid or not, so that
 * the schema stays the one judge of what is invalid and the one source of its
 * error message (the unit test `item-fast-path` holds the two together).
 */
export function fastParseItem(item: unknown): ParsedItemInput | undefined {
  if (!isObjectLike(item)) return undefined;
  const { action, message } = item;
  let id: string | undefined;
  if (action !== undefined) {
    if (!isObjectLike(action)) return undefined;
    const given = action['id'];
    if (given !== undefined && (typeof given !== 'string' || given.length === 0)) return undefined;
    id = given;
  }
  if (!isObjectLike(message)) return undefined;
  const source = fastLocation(message['source']);
  const destination = fastLocation(message['destination']);
  const payload = message['payload'];
  if (!source || !destination || !isPlainJson(payload, 0)) return undefined;
  const parsed: ParsedItemInput = { message: { source, destination, payload: payload as ParsedItemInput['message']['payload'] } };
  if (action !== undefined) parsed.action = id === undefined ? {} : { id };
  return parsed;
}

/** Describes the first few problems of an invalid item in one line. */
export function describeItemIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.') : '(item)'}: ${i.message}`)
    .join('; ');
}

/** Builds an agent job item: `{agent, input}` from a producer to a worker. */
export function agentItem(
  agent: string,
  input: unknown,
  from = 'producer',
  to = 'worker',
): QueueItemInput<{ agent: string; input: unknown }> {
  return {
    message: {
      source: { id: from, kind: 'producer' },
      destination: { id: to, kind: 'worker' },
      payload: { agent, input },
    },
  };
}
