import { ConveyorError, ErrorCode } from '../../src-shared/errors';
import type { LeasedItem } from '../../src-shared/job';
import { agentOf, parseMessage } from './job-codec';
import type { QueueKeys } from './keys';
import type { QueueContext } from './queue-context';
import { ScriptCode, scriptError } from './script-codes';
import type { ScriptReply } from './scripts';

/** Values per leased job in dequeue-7's reply, and values before the first. */
const DEQUEUE_FIELDS = 10;
const HEAD = 5;

export interface LeaseBatch<P = unknown> {
  items: LeasedItem<P>[];
  /** ms until the queue's next timer (delayed job due, lease expiry); -1 if none. */
  nextTimerMs: number;
  paused: boolean;
  /** Jobs were still waiting after this lease. */
  more: boolean;
  /** Leased jobs found malformed and moved to dead. */
  quarantined: number;
}

const str = (v: ScriptReply | undefined): string => (v === null || v === undefined ? '' : String(v));

/**
 * A leased job's wait (ms) for the metrics history: from the later of the two times dequeue-7 reports
 * (its enqueue time or previous attempt's end, and its due time) to the lease; null when neither is known.
 * As metrics.lua's mxWait, which counts jobs whose wait the adapter does not send.
 */
function waitOf(leasedAt: number, since: ScriptReply | undefined, due: ScriptReply | undefined): number | null {
  const base = Math.max(Number(since) || 0, Number(due) || 0);
  return base > 0 ? Math.max(leasedAt - base, 0) : null;
}

/** The dequeue script's own arguments: how many, for whom, and whether they start at once. */
export function dequeueArgs(n: number, workerId: string, start = false): Array<string | number> {
  if (!Number.isInteger(n) || n < 1) throw new ConveyorError(ErrorCode.ItemInvalid, `n must be a positive integer, got ${n}`);
  return [n, workerId, start ? '1' : ''];
}

/**
 * Turns dequeue-7's reply into leased items, and records each lease token so
 * the port's token-less verbs act for this adapter's leases (with the job's
 * agent and wait, which its completion's history needs). A job whose
 * message cannot be used is quarantined (never handed to a worker); ids the
 * script skipped (no hash, no message, a key of the wrong type) get one log line each.
 */
export async function decodeLeaseBatch<P>(ctx: QueueContext, q: QueueKeys, raw: ScriptReply): Promise<LeaseBatch<P>> {
  const reply = Array.isArray(raw) ? raw : [];
  if (reply[0] === ScriptCode.QueueNotFound) throw scriptError(ScriptCode.QueueNotFound, { queue: q.queue });
  const skipped = Number(reply[3] ?? 0);
  const end = reply.length - skipped * 2;
  for (let i = end; i + 1 < reply.length; i += 2) {
    ctx.log(`[conveyor] queue "${q.queue}": skipped waiting job ${str(reply[i])} (${str(reply[i + 1])})`);
  }
  const items: LeasedItem<P>[] = [];
  const leasedAt = Number(reply[4]);
  const limit = ctx.options.maxPayloadBytes;
  let quarantined = skipped;
  for (let i = HEAD; i + DEQUEUE_FIELDS <= end; i += DEQUEUE_FIELDS) {
    const id = str(reply[i]);
    const message = str(reply[i + 1]);
    const token = str(reply[i + 5]);
    // Something wrote past the enqueue check (another client, or the limit was lowered): never hand it to a worker.
    const parsed =
      message.length > limit && Buffer.byteLength(message) > limit
        ? { ok: false as const, reason: `message of ${Buffer.byteLength(message)} bytes exceeds max_payload_bytes (${limit})` }
        : parseMessage(message);
    if (!parsed.ok) {
      await ctx.script(q, 'quarantine', [id, parsed.reason, 'message']);
      ctx.log(`[conveyor] queue "${q.queue}": job ${id} is malformed (${parsed.reason}); moved to dead, raw value kept`);
      quarantined++;
      continue;
    }
    ctx.tokens.remember(q.queue, id, token, agentOf(parsed.message.payload), waitOf(leasedAt, reply[i + 8], reply[i + 9]));
    const item: LeasedItem<P> = {
      action: { id },
      message: parsed.message as LeasedItem<P>['message'],
      lease: { token, deadline: Number(reply[i + 6]) },
      attempt: Number(reply[i + 2]),
      maxRetries: Number(reply[i + 3]),
    };
    const timeout = str(reply[i + 4]);
    if (timeout !== '') item.timeoutMs = Number(timeout);
    const traceparent = str(reply[i + 7]);
    if (traceparent !== '') item.traceparent = traceparent;
    items.push(item);
  }
  return { items, nextTimerMs: Number(reply[1]), paused: reply[0] === 1, more: reply[2] === 1, quarantined };
}
