/**
 * Issue 22: the network-fault harness. Worker A runs the built CLI in a
 * network namespace of its own (see netns-host.ts); worker B and the
 * producer run on this host. Between A and Redis sits a fault: netem on the
 * veth pair where the kernel has it, else a user-space relay on the veth's
 * host end (test/support/tcp-relay.ts; this is what most CI kernels, and
 * this machine's, give). Each case injects one fault on A while a producer
 * enqueues jobs with explicit ids for the `ledger` fixture agent, heals it,
 * and checks, through the ledger and the job records:
 *
 * - 0 lost and 0 completed twice (every acknowledged id ends completed once);
 * - no late lease run: a job's runs appear in the ledger in increasing attempt
 *   order (a lease reply that arrived after its lease expired, and was run,
 *   would show as an older attempt after a newer one), each attempt once;
 * - A takes work again within 2 s of the heal;
 * - A printed one line when the outage began and one when it ended.
 *
 * Linux and root only (namespaces); skipped with the reason otherwise.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RedisQueueAdapter } from '../../../src-main/queue/redis-queue-adapter';
import { RedisServerProcess } from '../../../src-main/redis/redis-server-process';
import { classify } from '../../support/ledger';
import { FIXTURE_AGENTS, THREAD_ENTRY, eventually } from '../../support/pool';
import { item, testAdapterOptions } from '../../support/queue';
import { freshPrefix } from '../../support/redis';
import { TcpRelay } from '../../support/tcp-relay';
import { NetnsHost } from './netns-host';

const ROOT = path.resolve(__dirname, '../../..');
const BUILT_CLI = path.join(ROOT, 'out/main/cli.js');
const QUEUE = 'netfaults';
const LEASE_MS = 3000;
/**
 * The command deadline the workers run with (queue.command_timeout_ms):
 * longer than the lease, so that a lease reply held past its lease can still
 * reach A on the same connection (the late-lease case).
 */
const DEADLINE_MS = 6000;
const JOB_MS = 300;
const PER_SECOND = 8;
const RESUME_MS = 2000;
/** What a busy 2-core machine adds to a measured time. */
const MARGIN_MS = 1000;
const run = randomBytes(3).toString('hex');

/** The outage lines a worker prints (src-main/cli/worker/pool-log.ts). */
const OUTAGE_START = /until Redis is back|Redis (is )?unreachable|outage (began|started)/i;
const OUTAGE_END = /Redis is back after|reachable again|outage (ended|over)/i;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Worker {
  child: ChildProcess;
  output: () => string;
  exited: Promise<unknown>;
}

function watch(child: ChildProcess): Worker {
  let output = '';
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => (output += chunk));
  }
  return { child, output: () => output, exited: new Promise((resolve) => child.once('exit', resolve)) };
}

async function stopWorker(w: Worker): Promise<void> {
  if (w.child.exitCode !== null || w.child.signalCode !== null) return;
  w.child.kill('SIGTERM');
  const timer = setTimeout(() => w.child.kill('SIGKILL'), 5000);
  await w.exited;
  clearTimeout(timer);
}

/** One way to make A's link to Redis misbehave. */
interface FaultPath {
  kind: string;
  /** The Redis URL worker A uses. */
  url: string;
  partition(which: 'both' | 'toWorker'): void;
  delay(): void;
  heal(): void;
  close(): Promise<void>;
}

async function relayPath(host: NetnsHost, redis: RedisServerProcess): Promise<FaultPath> {
  const relay = await TcpRelay.start({ host: host.gateway, target: { host: '127.0.0.1', port: redis.port } });
  return {
    kind: 'user-space relay (no netem in this kernel)',
    url: `redis://${host.gateway}:${relay.port}`,
    partition: (which) => relay.set(which === 'both' ? 'both' : 'toClient', { mode: 'drop' }),
    // Loss as a retransmission stall of 250 ms (Linux's minimum RTO is 200 ms), on 10 % of the chunks.
    delay: () => relay.set('both', { mode: 'delay', delayMs: 200, jitterMs: 50, lossRate: 0.1, lossStallMs: 250 }),
    heal: () => relay.heal(),
    close: () => relay.close(),
  };
}

function netemPath(host: NetnsHost, redis: RedisServerProcess): FaultPath {
  return {
    kind: 'netem',
    url: `redis://${host.gateway}:${redis.port}`,
    partition: (which) => {
      host.netem('in', ['loss', '100%']);
      if (which === 'both') host.netem('out', ['loss', '100%']);
    },
    delay: () => {
      host.netem('in', ['delay', '200ms', '50ms', 'loss', '10%']);
      host.netem('out', ['delay', '200ms', '50ms', 'loss', '10%']);
    },
    heal: () => {
      host.netem('in', undefined);
      host.netem('out', undefined);
    },
    close: async () => undefined,
  };
}

interface LedgerRun {
  id: string;
  attempt: number;
  pid: number;
  /** When this test saw the line (polled every 25 ms). */
  at: number;
}

/** Follows a ledger file, stamping each new line with the time it was seen. */
function tailLedger(file: string): { runs: LedgerRun[]; stop: () => void } {
  const runs: LedgerRun[] = [];
  let seen = 0;
  const timer = setInterval(() => {
    if (!existsSync(file)) return;
    const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
    const now = Date.now();
    for (const line of lines.slice(seen)) {
      const [id = '', attempt = '0', pid = '0'] = line.split(' ');
      runs.push({ id, attempt: Number(attempt), pid: Number(pid), at: now });
    }
    seen = lines.length;
  }, 25);
  return { runs, stop: () => clearInterval(timer) };
}

/** Runs of a job that started after a newer attempt of it had started, or ran an attempt twice. */
function lateRuns(runs: LedgerRun[]): LedgerRun[] {
  const newest = new Map<string, number>();
  const late: LedgerRun[] = [];
  for (const r of runs) {
    const before = newest.get(r.id) ?? 0;
    if (r.attempt <= before) late.push(r);
    else newest.set(r.id, r.attempt);
  }
  return late;
}

const skipReason = NetnsHost.unavailable() ?? (existsSync(BUILT_CLI) ? undefined : `${BUILT_CLI} does not exist: run npm run build`);
const suite = skipReason ? describe.skip : describe;

suite(
  skipReason ? `network faults between a worker and Redis (skipped: ${skipReason})` : 'network faults between a worker and Redis',
  () => {
    const prefix = freshPrefix('cvnf');
    let host: NetnsHost | undefined;
    let redis: RedisServerProcess | undefined;
    let fault: FaultPath | undefined;
    let producer: RedisQueueAdapter | undefined;
    let dir = '';
    const workers: Worker[] = [];
    let a: Worker | undefined;
    let b: Worker | undefined;
    let idA = '';

    beforeAll(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'conveyor-netfaults-'));
      const [subnet] = NetnsHost.freeSubnets(1);
      host = NetnsHost.create(`cv-${run}-host-a`, `cv-${run}-nf`, subnet as string);
      const netem = host.netemUnavailable() === undefined;
      redis = await RedisServerProcess.start({
        appendonly: true,
        appendfsync: 'always',
        // With netem A reaches Redis on the veth directly; with the relay, only through it (on 127.0.0.1).
        ...(netem ? { extraArgs: ['--bind', `127.0.0.1 ${host.gateway}`, '--protected-mode', 'no'] } : {}),
      });
      fault = netem ? netemPath(host, redis) : await relayPath(host, redis);
      producer = await RedisQueueAdapter.connect(testAdapterOptions(prefix, redis.url));
      await producer.createQueue(QUEUE, {
        leaseMs: LEASE_MS,
        backoff: { type: 'fixed', delayMs: 0, maxDelayMs: 0 },
        retention: { completed: { count: 100_000, ageS: 3600 }, dead: { count: 100_000, ageS: 3600 } },
      });
      const config = path.join(dir, 'config.yml');
      await writeFile(
        config,
        [
          'queue:',
          `  key_prefix: "${prefix}"`,
          '  connection_timeout: 5',
          `  command_timeout_ms: ${DEADLINE_MS}`,
          'workers:',
          `  agents_dir: ${JSON.stringify(FIXTURE_AGENTS)}`,
          '  shutdown_timeout_ms: 1000',
          '  kill_grace_ms: 300',
          '',
        ].join('\n'),
      );
      const args = (url: string) => [
        BUILT_CLI,
        '--config',
        config,
        '--redis-url',
        url,
        'worker',
        QUEUE,
        '--threads',
        '1',
        '--concurrency',
        '4',
      ];
      // Not process.env: no REDIS_URL or CONVEYOR_CONFIG of the machine, no vitest NODE_OPTIONS.
      // The thread entry behind a TypeScript loader, for the ledger fixture agent.
      const env = { PATH: process.env.PATH, HOME: dir, CONVEYOR_THREAD_ENTRY: THREAD_ENTRY };
      a = watch(host.spawn(process.execPath, args(fault.url), { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] }));
      b = watch(spawn(process.execPath, args(redis.url), { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] }));
      workers.push(a, b);
      for (const w of workers)
        await eventually(() => / worker \S+ started: /.test(w.output()) || w.child.exitCode !== null, 15_000, 'worker start line');
      for (const w of workers) if (w.child.exitCode !== null) throw new Error(`a worker exited:\n${w.output()}`);
      idA = (/ worker (\S+) started: /.exec(a.output()) as RegExpExecArray)[1] as string;
      console.log(`network faults through: ${fault.kind}`);
    }, 60_000);

    afterAll(async () => {
      fault?.heal();
      if (b?.child.pid) process.kill(b.child.pid, 'SIGCONT');
      await Promise.allSettled(workers.map((w) => stopWorker(w)));
      host?.destroy();
      await fault?.close();
      await producer?.close().catch(() => undefined);
      await redis?.stop().catch(() => undefined);
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    /** Produces during the case, injects the fault for `faultMs`, heals, and checks the ledger and A's lines. */
    async function runCase(name: string, inject: (f: FaultPath) => void, faultMs: number, outage: 'one each way' | 'balanced') {
      const p = producer as RedisQueueAdapter;
      const f = fault as FaultPath;
      const worker = a as Worker;
      const ledger = path.join(dir, `${name}.ledger`);
      const tail = tailLedger(ledger);
      const acked: string[] = [];
      let producing = true;
      const production = (async () => {
        const started = Date.now();
        for (let n = 0; producing; n++) {
          const due = started + (n * 1000) / PER_SECOND;
          if (due > Date.now()) await sleep(due - Date.now());
          const id = `${name}-${n}`;
          acked.push(await p.enqueue(QUEUE, item('ledger', { ledger, ms: JOB_MS }), { jobId: id }));
        }
      })();
      try {
        await sleep(3000);
        const pidA = worker.child.pid as number;
        expect(
          tail.runs.some((r) => r.pid === pidA),
          'A works before the fault',
        ).toBe(true);
        const mark = worker.output().length;
        inject(f);
        const faultAt = Date.now();
        await sleep(faultMs);
        f.heal();
        const healedAt = Date.now();
        await eventually(() => tail.runs.some((r) => r.pid === pidA && r.at > healedAt), 15_000, 'A takes work after the heal');
        const resumedMs = Math.min(...tail.runs.filter((r) => r.pid === pidA && r.at > healedAt).map((r) => r.at)) - healedAt;
        await sleep(2000);
        producing = false;
        await production;
        await eventually(
          async () => (await p.counts(QUEUE)).active === 0 && (await p.counts(QUEUE)).waiting === 0,
          30_000,
          'all jobs done',
        );
        await sleep(200);
        tail.stop();
        const report = await classify(p, QUEUE, acked, ledger);
        const late = lateRuns(tail.runs);
        const lines = worker.output().slice(mark).split('\n');
        const starts = lines.filter((l) => OUTAGE_START.test(l));
        const ends = lines.filter((l) => OUTAGE_END.test(l));
        const ranTwice = [...report.runs.values()].filter((n) => n > 1).length;
        // Worker lines start with an ISO time: how long A took to say the outage began.
        const noticedMs = starts[0] ? Date.parse(starts[0].split(' ')[0] as string) - faultAt : NaN;
        console.log(
          `${name} (${f.kind}): ${report.acknowledged} acknowledged, ${report.lost.length} lost, ${report.duplicated.length} completed twice, ` +
            `${ranTwice} ran more than once, ${late.length} late runs; A's first job ${resumedMs} ms after the heal; ` +
            `outage lines ${starts.length} + ${ends.length}, the first ${noticedMs} ms into the fault (which lasted ${healedAt - faultAt} ms)\n  ${[...starts, ...ends].join('\n  ')}`,
        );
        expect(report.lost).toEqual([]);
        expect(report.duplicated).toEqual([]);
        expect(report.completed + report.dead).toBe(report.acknowledged);
        expect(late, 'late leases are dropped unrun').toEqual([]);
        expect(resumedMs, 'A takes work within 2 s of the heal').toBeLessThan(RESUME_MS + MARGIN_MS);
        if (outage === 'one each way') {
          expect(starts, 'one line when the outage began').toHaveLength(1);
          expect(ends, 'one line when it ended').toHaveLength(1);
        } else {
          expect(starts.length).toBe(ends.length);
          expect(starts.length).toBeLessThanOrEqual(1);
        }
      } finally {
        producing = false;
        f.heal();
        tail.stop();
        await production.catch(() => undefined);
      }
    }

    test('a silent partition of 20 s, both ways', async () => {
      await runCase('partition', (f) => f.partition('both'), 20_000, 'one each way');
    }, 70_000);

    test('Redis -> worker dropped for 20 s, worker -> Redis still flowing', async () => {
      await runCase('oneway', (f) => f.partition('toWorker'), 20_000, 'one each way');
    }, 70_000);

    test('200 ± 50 ms delay with 10 % loss, both ways, for 15 s', async () => {
      await runCase('delay', (f) => f.delay(), 15_000, 'balanced');
    }, 70_000);

    // Issue 22 item 3; needs the pool to drop a lease that arrives after its deadline (the `pool` branch).
    test('a lease reply that reaches A after its lease expired is dropped unrun', async () => {
      const p = producer as RedisQueueAdapter;
      const f = fault as FaultPath;
      const other = b as Worker;
      const ledger = path.join(dir, 'late.ledger');
      // Only A waits for work: B is frozen (SIGSTOP), A idles in its blocking waits.
      process.kill(other.child.pid as number, 'SIGSTOP');
      try {
        await eventually(async () => (await p.counts(QUEUE)).active === 0, 10_000, 'A idle');
        await sleep(1500);
        // Redis -> A silent; the job comes: A's wait in flight takes it, and the reply (the lease) is held.
        f.partition('toWorker');
        const droppedAt = Date.now();
        const id = await p.enqueue(QUEUE, item('ledger', { ledger, ms: JOB_MS }), { jobId: 'late-lease' });
        await eventually(
          async () => (await p.getJob(QUEUE, id))?.attempts[0]?.worker === idA,
          2000,
          'A leased the job (its reply held)',
        ).catch(async (e: unknown) => {
          throw new Error(`${String(e)}: ${JSON.stringify(await p.getJob(QUEUE, id))}`);
        });
        // Past the lease (3 s), short of A's command deadline (6 s): B wakes, the expired lease goes to B.
        await sleep(LEASE_MS + 300 - (Date.now() - droppedAt));
        process.kill(other.child.pid as number, 'SIGCONT');
        await sleep(4500 - (Date.now() - droppedAt));
        f.heal();
        const healedAt = Date.now();
        await eventually(async () => (await p.getJob(QUEUE, id))?.state === 'completed', 15_000, 'the job completed');
        await sleep(1500);
        const runs = readFileSync(ledger, 'utf8').split('\n').filter(Boolean);
        const job = await p.getJob(QUEUE, id);
        console.log(
          `late lease: heal ${healedAt - droppedAt} ms after the drop; runs ${JSON.stringify(runs)}; attempts ${JSON.stringify(job?.attempts.map((x) => [x.worker, x.outcome]))}`,
        );
        const byA = runs.filter((line) => line.split(' ')[2] === String((a as Worker).child.pid));
        expect(byA, 'A never runs the lease that reached it late').toEqual([]);
        expect(job?.attempts.filter((x) => x.outcome === 'completed')).toHaveLength(1);
      } finally {
        process.kill(other.child.pid as number, 'SIGCONT');
        f.heal();
      }
    }, 60_000);
  },
);
