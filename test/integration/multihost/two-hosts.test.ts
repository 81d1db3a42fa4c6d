/**
 * Issue 8: workers on two machines share one queue. Each "machine" is a
 * network namespace with a host name of its own (see netns-host.ts), joined
 * to this host by a veth pair; Redis runs here, bound to 127.0.0.1 and the
 * host ends of both veths, and one built `conveyor worker` runs in each
 * namespace. 5,000 echo jobs: each completes exactly once, both hosts do
 * work, and `conveyor workers --json` lists both host names.
 *
 * Linux and root only; skipped (with the reason in its title) elsewhere.
 */
import { execFile, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { JobRecord } from '../../../src-shared/job';
import type { WorkerInfo } from '../../../src-shared/worker';
import { RedisServerProcess } from '../../../src-main/redis/redis-server-process';
import { RedisQueueAdapter } from '../../../src-main/queue/redis-queue-adapter';
import { eventually } from '../../support/pool';
import { item, testAdapterOptions } from '../../support/queue';
import { freshPrefix } from '../../support/redis';
import { NetnsHost } from './netns-host';

const ROOT = path.resolve(__dirname, '../../..');
const BUILT_CLI = path.join(ROOT, 'out/main/cli.js');
const QUEUE = 'multihost';
const JOBS = 5000;
const run = randomBytes(3).toString('hex');
const HOSTS = [
  { hostname: `cv-${run}-host-a`, netns: `cv-${run}-a` },
  { hostname: `cv-${run}-host-b`, netns: `cv-${run}-b` },
];

interface Worker {
  host: NetnsHost;
  child: ChildProcess;
  output: () => string;
  /** The worker id from its start line. */
  ready: Promise<string>;
  exited: Promise<unknown>;
}

function startWorker(host: NetnsHost, config: string, redisUrl: string, cwd: string): Worker {
  const child = host.spawn(
    process.execPath,
    [BUILT_CLI, '--config', config, '--redis-url', redisUrl, 'worker', QUEUE, '--threads', '2', '--concurrency', '16', '--quiet'],
    // Not process.env: no REDIS_URL or CONVEYOR_CONFIG of the machine, no vitest NODE_OPTIONS.
    { cwd, env: { PATH: process.env.PATH, HOME: cwd }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => (output += chunk));
  }
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const ready = (async () => {
    let m: RegExpExecArray | null = null;
    await eventually(
      () => (m = / worker (\S+) started: /.exec(output)) !== null || child.exitCode !== null,
      10_000,
      `${host.hostname}'s start line`,
    );
    if (!m) throw new Error(`the worker on ${host.hostname} exited (${child.exitCode}):\n${output}`);
    return (m as RegExpExecArray)[1] as string;
  })();
  ready.catch(() => undefined);
  return { host, child, output: () => output, ready, exited };
}

/** SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
async function stopWorker(w: Worker, graceMs = 3000): Promise<void> {
  if (w.child.exitCode !== null || w.child.signalCode !== null) return;
  w.child.kill('SIGTERM');
  const timer = setTimeout(() => w.child.kill('SIGKILL'), graceMs);
  await w.exited;
  clearTimeout(timer);
}

async function allCompleted(adapter: RedisQueueAdapter): Promise<JobRecord[]> {
  const jobs: JobRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await adapter.listJobs(QUEUE, 'completed', { limit: 1000, ...(cursor === undefined ? {} : { cursor }) });
    jobs.push(...page.jobs);
    cursor = page.cursor;
  } while (cursor !== undefined);
  return jobs;
}

const skipReason = NetnsHost.unavailable();
const suite = skipReason ? describe.skip : describe;

suite(skipReason ? `two worker hosts (skipped: ${skipReason})` : 'two worker hosts on one queue (network namespaces)', () => {
  const prefix = freshPrefix('cvmh');
  const hosts: NetnsHost[] = [];
  const workers: Worker[] = [];
  let dir: string | undefined;
  let redis: RedisServerProcess | undefined;
  let adapter: RedisQueueAdapter | undefined;
  let config = '';

  beforeAll(async () => {
    if (!existsSync(BUILT_CLI)) throw new Error(`${BUILT_CLI} does not exist: run npm run build (make test does)`);
    dir = await mkdtemp(path.join(tmpdir(), 'conveyor-multihost-'));
    const subnets = NetnsHost.freeSubnets(HOSTS.length);
    HOSTS.forEach((h, i) => hosts.push(NetnsHost.create(h.hostname, h.netns, subnets[i] as string)));
    // `bind` is where the harness pings; the second --bind (Redis keeps the last) adds the veth ends.
    // Protected mode would refuse the namespaces (no password): they are the only other peers these addresses have.
    redis = await RedisServerProcess.start({
      bind: '127.0.0.1',
      extraArgs: ['--bind', ['127.0.0.1', ...hosts.map((h) => h.gateway)].join(' '), '--protected-mode', 'no'],
    });
    adapter = await RedisQueueAdapter.connect(testAdapterOptions(prefix, redis.url));
    await adapter.createQueue(QUEUE, {
      backoff: { type: 'fixed', delayMs: 0, maxDelayMs: 0 },
      // The default keeps 1,000 completed jobs; the checks read all of them.
      retention: { completed: { count: 2 * JOBS, ageS: 3600 }, dead: { count: 2 * JOBS, ageS: 3600 } },
    });
    config = path.join(dir, 'config.yml');
    const yaml = [
      'queue:',
      `  key_prefix: "${prefix}"`,
      '  connection_timeout: 5',
      'workers:',
      '  shutdown_timeout_ms: 300',
      '  kill_grace_ms: 300',
      '',
    ];
    await writeFile(config, yaml.join('\n'));
  });

  afterAll(async () => {
    // Every step runs whatever failed before it; workers first, so the namespaces can go.
    await Promise.allSettled(workers.map((w) => stopWorker(w)));
    for (const h of hosts) h.destroy();
    await adapter?.close().catch(() => undefined);
    await redis?.stop().catch(() => undefined);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test(`${JOBS} jobs: each completes once, both hosts do work, conveyor workers lists both hosts`, async () => {
    if (!redis || !adapter) throw new Error('set-up failed');
    const a = adapter;
    for (const h of hosts) workers.push(startWorker(h, config, `redis://${h.gateway}:${redis.port}`, dir as string));
    const ids = await Promise.all(workers.map((w) => w.ready));
    // Both registered before any job exists, so neither gets a head start.
    await eventually(
      async () => {
        const listed = new Set((await a.listWorkers()).map((w) => w.id));
        return ids.every((id) => listed.has(id));
      },
      5000,
      'both workers registered',
    );

    const enqueued = await a.enqueueMany(
      QUEUE,
      Array.from({ length: JOBS }, (_, i) => item('echo', { n: i })),
    );
    expect(new Set(enqueued).size).toBe(JOBS);
    await eventually(async () => (await a.counts(QUEUE)).completed >= JOBS, 20_000, `${JOBS} jobs completed`).catch(async (err: Error) => {
      throw new Error(
        `${err.message}: ${JSON.stringify(await a.counts(QUEUE))}\n${workers.map((w) => `${w.host.hostname}:\n${w.output()}`).join('\n')}`,
      );
    });
    expect(await a.counts(QUEUE)).toMatchObject({ waiting: 0, delayed: 0, active: 0, completed: JOBS, dead: 0, cancelled: 0 });

    // The workers' connections came over the veths, from the namespaces' own addresses.
    const probe = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    try {
      const clients = (await probe.client('LIST')) as string;
      for (const h of hosts) expect(clients).toContain(` addr=${h.inside}:`);
    } finally {
      probe.disconnect();
    }

    // `conveyor workers --json` on this host lists both workers, under their own host names.
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [BUILT_CLI, '--config', config, '--redis-url', redis.url, 'workers', '--json'],
      {
        cwd: dir,
        env: { PATH: process.env.PATH, HOME: dir },
      },
    );
    const listed = JSON.parse(stdout) as WorkerInfo[];
    const hostOf = new Map(listed.map((w) => [w.id, w.host]));
    expect(listed.map((w) => w.host).sort()).toEqual(HOSTS.map((h) => h.hostname).sort());
    ids.forEach((id, i) => expect(hostOf.get(id)).toBe(HOSTS[i]?.hostname));

    // Every job: one attempt, completed, by one of the two workers.
    const jobs = await allCompleted(a);
    expect(jobs.map((j) => j.id).sort()).toEqual([...enqueued].sort());
    const perHost = new Map<string, number>(HOSTS.map((h) => [h.hostname, 0]));
    const odd: JobRecord[] = [];
    for (const job of jobs) {
      const [attempt, ...more] = job.attempts;
      const host = hostOf.get(attempt?.worker ?? '');
      if (more.length > 0 || attempt?.outcome !== 'completed' || host === undefined) odd.push(job);
      else perHost.set(host, (perHost.get(host) ?? 0) + 1);
    }
    expect(odd.slice(0, 3)).toEqual([]);
    console.log(`jobs per host: ${[...perHost].map(([h, n]) => `${h} ${n}`).join(', ')}`);
    for (const [, n] of perHost) expect(n).toBeGreaterThan(0);
    expect([...perHost.values()].reduce((x, y) => x + y, 0)).toBe(JOBS);
  }, 30_000);

  // Issue 18: one limit, kept in Redis and enforced in the lease script, binds the workers of both hosts.
  test('a rate of 20/s on the queue holds across both hosts: at most 21 leases in any 1-s window', async () => {
    if (!redis || !adapter) throw new Error('set-up failed');
    const a = adapter;
    if (workers.length === 0)
      for (const h of hosts) workers.push(startWorker(h, config, `redis://${h.gateway}:${redis.port}`, dir as string));
    const ids = await Promise.all(workers.map((w) => w.ready));
    await a.limits.set(QUEUE, { rate: '20/s' });
    const before = (await a.counts(QUEUE)).completed;
    const enqueued = await a.enqueueMany(
      QUEUE,
      Array.from({ length: 100 }, (_, i) => item('echo', { limited: i })),
    );
    await eventually(async () => (await a.counts(QUEUE)).completed >= before + 100, 20_000, '100 limited jobs completed');
    const jobs = await Promise.all(enqueued.map((id) => a.getJob(QUEUE, id)));
    const leased = jobs.map((j) => j?.attempts[0]?.startedAt ?? j?.attempts[0]?.leasedAt ?? 0).sort((x, y) => x - y);
    let most = 0;
    for (let i = 0, j = 0; i < leased.length; i++) {
      while ((leased[j] as number) <= (leased[i] as number) - 1000) j++;
      most = Math.max(most, i - j + 1);
    }
    const byWorker = new Set(jobs.map((j) => j?.attempts[0]?.worker));
    console.log(
      `rate 20/s over two hosts: at most ${most} leases in a 1-s window; 100 jobs in ${(leased.at(-1) as number) - (leased[0] as number)} ms; workers used: ${byWorker.size}`,
    );
    expect(most).toBeLessThanOrEqual(21);
    expect(ids.every((id) => byWorker.has(id))).toBe(true);
  }, 30_000);
});
