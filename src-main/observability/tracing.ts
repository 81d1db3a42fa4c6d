import {
  type Link,
  ProxyTracerProvider,
  type Span,
  SpanKind,
  SpanStatusCode,
  type SpanContext,
  trace,
  TraceFlags,
} from '@opentelemetry/api';

/**
 * OpenTelemetry spans with @opentelemetry/api alone: without an SDK
 * registered, every span is a non-recording no-op and nothing is stored.
 *
 * An enqueue makes a PRODUCER span `send <queue>`; while it records, its
 * context travels with the job as a W3C traceparent (job hash field `tp`,
 * written by enqueue-5 and handed back in the lease). Each attempt makes a
 * CONSUMER span `process <queue>` linked to it, ended with the attempt's
 * outcome. Attributes follow the OpenTelemetry messaging conventions where
 * they fit (messaging.system, messaging.destination.name,
 * messaging.operation.type, messaging.message.id), conveyor.* otherwise.
 */

const tracer = () => trace.getTracer('conveyor');

// The API's no-op provider: what the global proxy hands spans to while no SDK is registered.
const NOOP_PROVIDER = new ProxyTracerProvider().getDelegate();

/**
 * Whether an SDK is registered. Without one every span is a no-op, so none is
 * made at all: the pool and the enqueue path ask this per job. Checked each
 * time (an SDK registered later is seen at once); anything unexpected counts as on.
 */
function tracingOn(): boolean {
  const provider = trace.getTracerProvider();
  return !(provider instanceof ProxyTracerProvider) || provider.getDelegate() !== NOOP_PROVIDER;
}

const SYSTEM = 'conveyor';

/** W3C traceparent of a span context: version 00, trace id, span id, flags. */
export function formatTraceparent(c: SpanContext): string {
  return `00-${c.traceId}-${c.spanId}-${(c.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The span context a traceparent names, or undefined when it is not one. */
export function parseTraceparent(value: string): SpanContext | undefined {
  const m = TRACEPARENT.exec(value);
  if (!m || /^0+$/.test(m[1]!) || /^0+$/.test(m[2]!)) return undefined;
  return { traceId: m[1]!, spanId: m[2]!, traceFlags: parseInt(m[3]!, 16) & TraceFlags.SAMPLED, isRemote: true };
}

/** A producer span for one enqueue, and the traceparent to store with the job (undefined when not recording). */
export function startProducerSpan(queue: string, agent: string): { span: Span; traceparent: string | undefined } {
  const span = tracer().startSpan(`send ${queue}`, {
    kind: SpanKind.PRODUCER,
    attributes: {
      'messaging.system': SYSTEM,
      'messaging.destination.name': queue,
      'messaging.operation.type': 'send',
      ...(agent === '' ? {} : { 'conveyor.agent': agent }),
    },
  });
  return { span, traceparent: span.isRecording() ? formatTraceparent(span.spanContext()) : undefined };
}

/** Ends a producer span with the job's id, or the enqueue's error. */
export function endProducerSpan(span: Span, result: { id: string } | { error: unknown }): void {
  if (!span.isRecording()) return;
  if ('id' in result) span.setAttribute('messaging.message.id', result.id);
  else {
    const err = result.error;
    span.recordException(err instanceof Error ? err : String(err));
    span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
  }
  span.end();
}

export interface AttemptRef {
  queue: string;
  id: string;
  attempt: number;
  agent: string;
  traceparent?: string;
}

/** Outcomes an attempt ends with (the pool's job event states). */
export type SpanOutcome = 'completed' | 'retrying' | 'dead' | 'cancelled' | 'released' | 'suspended' | 'lost';

/** The consumer spans of the attempts a pool is running, by queue and job id. */
export class ConsumerSpans {
  private readonly open = new Map<string, Span>();

  start(ref: AttemptRef): void {
    if (!tracingOn()) return;
    const producer = ref.traceparent === undefined ? undefined : parseTraceparent(ref.traceparent);
    const links: Link[] = producer ? [{ context: producer }] : [];
    const span = tracer().startSpan(`process ${ref.queue}`, {
      kind: SpanKind.CONSUMER,
      links,
      attributes: {
        'messaging.system': SYSTEM,
        'messaging.destination.name': ref.queue,
        'messaging.operation.type': 'process',
        'messaging.message.id': ref.id,
        'conveyor.agent': ref.agent,
        'conveyor.job.attempt': ref.attempt,
      },
    });
    // Nothing to keep for a no-op span: the common case without an SDK costs one allocation.
    // Keyed by attempt too: the next attempt may start before this one's acknowledgement ends its span.
    if (span.isRecording()) this.open.set(`${ref.queue}\u0000${ref.id}\u0000${ref.attempt}`, span);
  }

  end(queue: string, id: string, attempt: number, outcome: SpanOutcome, error?: string): void {
    if (this.open.size === 0) return;
    const key = `${queue}\u0000${id}\u0000${attempt}`;
    const span = this.open.get(key);
    if (!span) return;
    this.open.delete(key);
    span.setAttribute('conveyor.job.outcome', outcome);
    if (outcome !== 'completed' && outcome !== 'released' && outcome !== 'suspended') {
      span.setStatus({ code: SpanStatusCode.ERROR, ...(error === undefined ? {} : { message: error }) });
    }
    span.end();
  }
}

/**
 * Producer spans for encoded enqueue arguments (message, agent, options per
 * job; enqueue-coalescer.ts): a recording span's traceparent is appended to
 * its job's message as a fourth newline-separated part, which enqueue-5
 * stores as the job's `tp`. Returns the recording spans only (none without an SDK).
 */
export function traceEnqueues(queue: string, encoded: string[]): Span[] {
  const spans: Span[] = [];
  if (!tracingOn()) return spans;
  for (let i = 0; i + 2 < encoded.length; i += 3) {
    const { span, traceparent } = startProducerSpan(queue, encoded[i + 1] ?? '');
    if (traceparent === undefined) continue;
    encoded[i] += `\n${traceparent}`;
    spans.push(span);
  }
  return spans;
}

/** Ends the spans of traceEnqueues with the ids the enqueue returned (in order), or its error. */
export async function endEnqueueSpans<T extends string | string[]>(spans: Span[], enqueued: Promise<T>): Promise<T> {
  try {
    const ids = await enqueued;
    const list = Array.isArray(ids) ? ids : [ids];
    spans.forEach((s, i) => endProducerSpan(s, { id: list[i] ?? '' }));
    return ids;
  } catch (error) {
    for (const s of spans) endProducerSpan(s, { error });
    throw error;
  }
}
