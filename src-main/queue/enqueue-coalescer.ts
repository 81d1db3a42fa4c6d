import type { z } from 'zod';
import { ConveyorError, ErrorCode, QueueFullError } from '../../src-shared/errors';
import { describeItemIssues, fastParseItem, itemInputSchema } from '../../src-shared/item-schema';
import type { EnqueueOptions, QueueItemInput } from '../../src-shared/job';
import { GROUP_PATTERN, enqueueOptionsSchema, fastParseEnqueueOptions } from '../../src-shared/queue-options-schema';
import { type DurabilityPlan, confirmEnqueue, enqueueError } from './durability';
import { agentOf } from './job-codec';
import { endEnqueueSpans, traceEnqueues } from '../observability/tracing';
import type { QueueContext } from './queue-context';
import { ScriptCode, scriptError } from './script-codes';
import type { ScriptReply } from './scripts';

/** Values per job in an enqueue call (see enqueue-5.lua). */
const ENQUEUE_FIELDS = 3;
/**
 * Enqueues coalesced into one script call at most. Past this, calls of the same
 * turn start another call: several then pipeline, so Redis runs one while this
 * process encodes the next and handles the replies of the last (figures in bench/README.md).
 */
export const MAX_COALESCED = 32;

/** Generated ids are integers; custom ids that look like one could collide with them. */
const GENERATED_ID = /^\d+$/;

interface PendingEnqueue {
  encoded: string[];
  waitMs: number;
  resolve: (id: string) => void;
  reject: (err: unknown) => void;
}

export function validate<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new ConveyorError(ErrorCode.ItemInvalid, `invalid ${what}: ${describeItemIssues(parsed.error)}`, {
      issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    });
  }
  return parsed.data;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

const asArray = (reply: ScriptReply): ScriptReply[] => (Array.isArray(reply) ? reply : []);

/** Whether encoded options ('priority|delay|max retries|timeout|group|id') name a group. */
const hasGroup = (options: string): boolean => options !== '' && options.split('|', 5)[4] !== '';

/**
 * Enqueue: validation and encoding, and the coalescing of the enqueues of one
 * event-loop turn into shared script calls. An id resolves only once the
 * script ran whole (it writes nothing before every key it touches is checked).
 */
export class EnqueueCoalescer {
  /** Enqueues waiting for the end of the current turn, per queue (see `enqueue`). */
  private readonly batches = new Map<string, PendingEnqueue[]>();
  /** Set at connect when `waitForFsync` or `waitForReplicas` asks for a confirmation of each enqueue. */
  durability: DurabilityPlan | undefined;

  constructor(private readonly ctx: QueueContext) {}

  /** Validates and encodes an item as enqueue-5 takes it: message, agent, options (flows encode theirs here too). */
  encode(item: QueueItemInput, opts: EnqueueOptions): string[] {
    // The hand checks take the common well-formed case; the schemas judge (and explain) the rest.
    const parsed = fastParseItem(item) ?? validate(itemInputSchema, item, 'queue item');
    const o = fastParseEnqueueOptions(opts) ?? validate(enqueueOptionsSchema, opts, 'enqueue options');
    const id = o.jobId ?? parsed.action?.id ?? '';
    if (id !== '' && GENERATED_ID.test(id)) {
      throw new ConveyorError(ErrorCode.ItemInvalid, `invalid job id "${id}": ids made only of digits are reserved for generated ids`, {
        id,
      });
    }
    const m = parsed.message;
    // Its three parts joined by newlines (JSON.stringify never writes a raw one): enqueue-5 stores each in its own
    // hash field, so a small job's values stay under Redis' listpack limit (64 bytes by default).
    const msg = `${JSON.stringify(m.source)}\n${JSON.stringify(m.destination)}\n${JSON.stringify(m.payload)}`;
    const limit = this.ctx.options.maxPayloadBytes;
    // A UTF-16 code unit is at most 3 bytes of UTF-8: a short message needs no count.
    const bytes = msg.length * 3 <= limit ? 0 : Buffer.byteLength(msg);
    if (bytes > limit) {
      throw new ConveyorError(ErrorCode.PayloadTooLarge, `message is ${bytes} bytes; the limit is ${limit} (queue.max_payload_bytes)`, {
        bytes,
        limit,
      });
    }
    // Three values per job (see enqueue-5.lua): each argument costs this process and Redis, and most jobs have no options.
    // The group sits between '|' separators: the schema's pattern (not the fast check) keeps '|' out of it.
    if (o.group !== undefined && !GROUP_PATTERN.test(o.group)) validate(enqueueOptionsSchema, opts, 'enqueue options');
    const plain =
      id === '' && !o.priority && !o.delayMs && o.maxRetries === undefined && o.timeoutMs === undefined && o.group === undefined;
    const options = plain ? '' : `${o.priority ?? 0}|${o.delayMs ?? 0}|${o.maxRetries ?? ''}|${o.timeoutMs ?? ''}|${o.group ?? ''}|${id}`;
    return [msg, agentOf(m.payload), options];
  }

  private async addJobs(queue: string, encoded: string[], waitMs: number): Promise<string[]> {
    const q = this.ctx.keys(queue);
    const count = encoded.length / ENQUEUE_FIELDS;
    // One job without a group takes the lean script (enqueueOne-5.lua); it answers the bare id.
    const lean = count === 1 && !hasGroup(encoded[2] as string);
    const deadline = Date.now() + waitMs;
    for (let pause = 5; ; pause = Math.min(pause * 2, 200)) {
      const call = lean ? this.ctx.script(q, 'enqueueOne', encoded) : this.ctx.script(q, 'enqueue', [count, ...encoded]);
      const raw = await call.catch((err: unknown) => Promise.reject(enqueueError(err)));
      const reply = typeof raw === 'string' ? [raw] : asArray(raw);
      if (reply[0] === ScriptCode.QueueNotFound) throw scriptError(ScriptCode.QueueNotFound, { queue });
      if (reply[0] !== ScriptCode.QueueFull) {
        if (this.durability) {
          await confirmEnqueue(this.ctx.conn.client, this.durability).catch((err: unknown) =>
            Promise.reject(enqueueError(this.ctx.conn.mapError(err))),
          );
        }
        return reply.map((v) => String(v));
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw scriptError(ScriptCode.QueueFull, { queue, depth: Number(reply[1]), limit: Number(reply[2]) });
      await sleep(Math.min(pause, remaining));
    }
  }

  /**
   * Enqueues one job. Calls made in the same turn of the event loop (many
   * producers in one process, `Promise.all` of enqueues) share script calls
   * of up to MAX_COALESCED jobs; each still gets its own id or its own error.
   */
  enqueue<P>(queue: string, item: QueueItemInput<P>, opts: EnqueueOptions = {}): Promise<string> {
    let encoded: string[];
    try {
      encoded = this.encode(item, opts);
    } catch (err) {
      return Promise.reject(err);
    }
    // OpenTelemetry: a producer span while an SDK records (observability/tracing.ts); else nothing.
    const spans = traceEnqueues(queue, encoded);
    if (spans.length > 0) return endEnqueueSpans(spans, this.coalesce(queue, encoded, opts));
    return this.coalesce(queue, encoded, opts);
  }

  private coalesce(queue: string, encoded: string[], opts: EnqueueOptions): Promise<string> {
    return new Promise((resolve, reject) => {
      let batch = this.batches.get(queue);
      if (!batch) {
        const fresh: PendingEnqueue[] = [];
        this.batches.set(queue, (batch = fresh));
        // A promise reaction, not queueMicrotask: the same turn's end, without an AsyncResource per call.
        void Promise.resolve().then(() => this.flush(queue, fresh));
      }
      batch.push({ encoded, waitMs: opts.waitMs ?? 0, resolve, reject });
      if (batch.length >= MAX_COALESCED) this.batches.delete(queue);
    });
  }

  private async flush(queue: string, batch: PendingEnqueue[]): Promise<void> {
    if (this.batches.get(queue) === batch) this.batches.delete(queue);
    const one = async (p: PendingEnqueue): Promise<void> => {
      try {
        p.resolve((await this.addJobs(queue, p.encoded, p.waitMs))[0] as string);
      } catch (err) {
        p.reject(err);
      }
    };
    if (batch.length === 1) return one(batch[0] as PendingEnqueue);
    try {
      const ids = await this.addJobs(
        queue,
        batch.flatMap((p) => p.encoded),
        0,
      );
      batch.forEach((p, i) => p.resolve(ids[i] as string));
    } catch (err) {
      // All or nothing suits enqueueMany, not separate callers: near the cap, let each try on its own.
      if (err instanceof QueueFullError) await Promise.all(batch.map(one));
      else for (const p of batch) p.reject(err);
    }
  }

  /** Enqueues many jobs in one all-or-nothing call. */
  async enqueueMany<P>(
    queue: string,
    items: Array<QueueItemInput<P> | { item: QueueItemInput<P>; opts?: EnqueueOptions }>,
  ): Promise<string[]> {
    if (items.length === 0) return [];
    const encoded: string[] = [];
    for (const entry of items) {
      const isWrapped = typeof entry === 'object' && entry !== null && 'item' in entry && !('message' in entry);
      const item = isWrapped ? (entry as { item: QueueItemInput<P> }).item : (entry as QueueItemInput<P>);
      const opts = isWrapped ? ((entry as { opts?: EnqueueOptions }).opts ?? {}) : {};
      encoded.push(...this.encode(item, opts));
    }
    const spans = traceEnqueues(queue, encoded);
    if (spans.length > 0) return endEnqueueSpans(spans, this.addJobs(queue, encoded, 0));
    return this.addJobs(queue, encoded, 0);
  }
}
