/**
 * The fault relay of the network-fault harness (test/support/tcp-relay.ts),
 * between an ioredis client and the test Redis: it forwards, holds a
 * direction silently, delivers what it held at the heal, and delays.
 */
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { TcpRelay } from '../../support/tcp-relay';
import { testRedisUrl } from '../../support/redis';

const closers: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

async function through(): Promise<{ relay: TcpRelay; redis: Redis }> {
  const u = new URL(testRedisUrl());
  const relay = await TcpRelay.start({ host: '127.0.0.1', target: { host: u.hostname, port: Number(u.port) } });
  closers.push(() => relay.close());
  const redis = new Redis({ host: '127.0.0.1', port: relay.port, maxRetriesPerRequest: 0 });
  redis.on('error', () => undefined);
  closers.push(() => redis.disconnect());
  await redis.ping();
  return { relay, redis };
}

const settledWithin = (p: Promise<unknown>, ms: number): Promise<boolean> =>
  Promise.race([
    p.then(
      () => true,
      () => true,
    ),
    new Promise<boolean>((r) => setTimeout(() => r(false), ms)),
  ]);

describe('TcpRelay', () => {
  it('forwards both ways while it passes', async () => {
    const { redis } = await through();
    expect(await redis.echo('hello')).toBe('hello');
  });

  it('a dropped direction answers nothing and closes nothing; the heal delivers what was held', async () => {
    const { relay, redis } = await through();
    relay.set('toClient', { mode: 'drop' });
    const reply = redis.echo('held');
    expect(await settledWithin(reply, 500)).toBe(false);
    expect(redis.status).toBe('ready');
    relay.heal();
    expect(await reply).toBe('held');
  });

  it('delay 200 ± 50 ms each way puts a round trip at 300-500 ms', async () => {
    const { relay, redis } = await through();
    relay.set('both', { mode: 'delay', delayMs: 200, jitterMs: 50 });
    const started = Date.now();
    await redis.ping();
    const ms = Date.now() - started;
    expect(ms).toBeGreaterThanOrEqual(290);
    expect(ms).toBeLessThan(900);
  });

  it('loss stalls a chunk (and what follows it) by the retransmission time, never reorders or loses bytes', async () => {
    const { relay, redis } = await through();
    let i = 0;
    // Every other chunk "lost": it waits 300 ms more.
    relay.set('toTarget', { mode: 'delay', delayMs: 0, lossRate: 0.5, lossStallMs: 300 });
    const replies = await Promise.all(Array.from({ length: 20 }, () => redis.echo(String(i++))));
    expect(replies).toEqual(Array.from({ length: 20 }, (_, n) => String(n)));
  });
});
