import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach, describe, expect } from 'vitest';
import { QueueKeys } from '../../../src-main/queue/keys';
import { formatTraceparent, parseTraceparent } from '../../../src-main/observability/tracing';
import { eventually, poolTest as test, waitForState } from '../../support/pool';
import { item } from '../../support/queue';

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

beforeAll(() => {
  trace.setGlobalTracerProvider(provider);
});
afterAll(async () => {
  trace.disable();
  await provider.shutdown();
});
beforeEach(() => exporter.reset());

const spansNamed = (name: string): ReadableSpan[] => exporter.getFinishedSpans().filter((s) => s.name === name);

describe('OpenTelemetry spans', () => {
  test('an enqueue makes a producer span whose context is stored with the job', async ({ adapter, queue, redis, prefix }) => {
    const id = await adapter.enqueue(queue, item('echo', 1));
    const [producer] = spansNamed(`send ${queue}`);
    expect(producer?.kind).toBe(SpanKind.PRODUCER);
    expect(producer?.attributes).toMatchObject({
      'messaging.system': 'conveyor',
      'messaging.destination.name': queue,
      'messaging.operation.type': 'send',
      'messaging.message.id': id,
      'conveyor.agent': 'echo',
    });
    expect(await redis.hget(new QueueKeys(prefix, queue).job(id), 'tp')).toBe(formatTraceparent(producer!.spanContext()));
    const leased = await adapter.dequeue(queue);
    expect(leased?.traceparent).toBe(formatTraceparent(producer!.spanContext()));
  });

  test(
    'each attempt makes a consumer span linked to the producer, with queue, agent, attempt and outcome',
    { timeout: 60_000 },
    async ({ adapter, startPool }) => {
      await adapter.createQueue('traced', { maxRetries: 1, backoff: { type: 'fixed', delayMs: 0, maxDelayMs: 0 } });
      await startPool({ queues: ['traced'] });
      const [ok, bad] = await adapter.enqueueMany('traced', [item('echo', 1), item('fail', null)]);
      await waitForState(adapter, 'traced', ok!, ['completed'], 30_000);
      await waitForState(adapter, 'traced', bad!, ['dead'], 30_000);
      await eventually(() => spansNamed('process traced').length === 3, 20_000, 'three consumer spans');
      const producers = new Map(spansNamed('send traced').map((s) => [s.attributes['messaging.message.id'], s.spanContext().spanId]));
      const consumers = spansNamed('process traced');
      for (const c of consumers) {
        expect(c.kind).toBe(SpanKind.CONSUMER);
        expect(c.links.map((l) => l.context.spanId)).toEqual([producers.get(c.attributes['messaging.message.id'])]);
      }
      const outcome = (id: string, attempt: number) =>
        consumers.find((c) => c.attributes['messaging.message.id'] === id && c.attributes['conveyor.job.attempt'] === attempt);
      expect(outcome(ok!, 1)?.attributes).toMatchObject({
        'messaging.destination.name': 'traced',
        'conveyor.agent': 'echo',
        'conveyor.job.outcome': 'completed',
      });
      expect(outcome(bad!, 1)?.attributes).toMatchObject({ 'conveyor.agent': 'fail', 'conveyor.job.outcome': 'retrying' });
      expect(outcome(bad!, 2)?.attributes['conveyor.job.outcome']).toBe('dead');
      expect(outcome(bad!, 2)?.status.code).toBe(SpanStatusCode.ERROR);
    },
  );

  test('without a recording span nothing is stored with the job', async ({ adapter, queue, redis, prefix }) => {
    trace.disable();
    try {
      const id = await adapter.enqueue(queue, item('echo', 1));
      expect(await redis.hexists(new QueueKeys(prefix, queue).job(id), 'tp')).toBe(0);
      expect((await adapter.dequeue(queue))?.traceparent).toBeUndefined();
    } finally {
      trace.setGlobalTracerProvider(provider);
    }
  });

  test('traceparents round-trip, and malformed ones are refused', () => {
    const c = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 };
    expect(formatTraceparent(c)).toBe('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    expect(parseTraceparent(formatTraceparent(c))).toEqual({ ...c, isRemote: true });
    expect(parseTraceparent('00-00000000000000000000000000000000-b7ad6b7169203331-01')).toBeUndefined();
    expect(parseTraceparent('garbage')).toBeUndefined();
  });
});
