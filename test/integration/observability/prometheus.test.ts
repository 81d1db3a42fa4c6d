import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect } from 'vitest';
import { item } from '../../support/queue';
import { eventually, waitForState } from '../../support/pool';
import { workerTest as test } from '../cli/worker-fixture';

const PROMETHEUS = '/usr/bin/prometheus';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function scrape(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  expect(res.status).toBe(200);
  return res.text();
}

/** A sample's value in exposition text, or undefined. */
function sample(text: string, name: string, labels: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && labels.split(',').every((p) => l.includes(p)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('Prometheus metrics of conveyor worker --metrics-port', () => {
  test('/metrics has depth by state, outcomes, wait and run histograms, thread gauges and the Redis round trip', async ({
    startWorker,
    adapter,
    queue,
  }) => {
    const worker = startWorker(['--metrics-port', '0']);
    const port = Number((await worker.waitFor(/metrics at http:\/\/127\.0\.0\.1:(\d+)\/metrics/))[1]);
    await worker.ready;
    const ids = await adapter.enqueueMany(queue, [item('echo', 1), item('echo', 2), item('fail', null)]);
    for (const id of ids) await waitForState(adapter, queue, id, ['completed', 'dead']);
    await eventually(
      async () => sample(await scrape(port), 'conveyor_worker_jobs_total', 'outcome="completed"') === 2,
      10_000,
      'worker counter',
    );
    const text = await scrape(port);
    expect(sample(text, 'conveyor_jobs_total', `queue="${queue}",agent="echo",outcome="completed"`)).toBe(2);
    expect(sample(text, 'conveyor_jobs_total', `queue="${queue}",agent="fail",outcome="dead"`)).toBe(1);
    expect(sample(text, 'conveyor_queue_jobs', `queue="${queue}",state="completed"`)).toBe(2);
    expect(sample(text, 'conveyor_job_wait_seconds_count', `agent="echo"`)).toBe(2);
    expect(sample(text, 'conveyor_job_run_seconds_bucket', `agent="echo",le="+Inf"`)).toBe(2);
    expect(sample(text, 'conveyor_worker_job_run_seconds_count', `agent="echo"`)).toBe(2);
    expect(text).toMatch(/^conveyor_worker_threads 1$/m);
    expect(text).toMatch(/^conveyor_workers 1$/m);
    expect(text).toMatch(/^conveyor_redis_rtt_seconds \d/m);
  });

  test(
    'a real Prometheus scraping the worker reads the job counters back',
    { timeout: 90_000 },
    async ({ startWorker, adapter, queue }) => {
      const worker = startWorker(['--metrics-port', '0']);
      const target = Number((await worker.waitFor(/metrics at http:\/\/127\.0\.0\.1:(\d+)\/metrics/))[1]);
      await worker.ready;
      const dir = await mkdtemp(path.join(tmpdir(), 'conveyor-prom-'));
      const promPort = await freePort();
      let prom: ChildProcess | undefined;
      try {
        await writeFile(
          path.join(dir, 'prometheus.yml'),
          [
            'global:',
            '  scrape_interval: 1s',
            'scrape_configs:',
            '  - job_name: conveyor',
            '    static_configs:',
            `      - targets: ['127.0.0.1:${target}']`,
            '',
          ].join('\n'),
        );
        prom = spawn(
          PROMETHEUS,
          [
            `--config.file=${path.join(dir, 'prometheus.yml')}`,
            `--storage.tsdb.path=${path.join(dir, 'data')}`,
            `--web.listen-address=127.0.0.1:${promPort}`,
          ],
          { stdio: 'ignore' },
        );
        const ids = await adapter.enqueueMany(
          queue,
          Array.from({ length: 5 }, (_, i) => item('echo', i)),
        );
        for (const id of ids) await waitForState(adapter, queue, id, ['completed']);
        const query = async (q: string): Promise<number | undefined> => {
          const res = await fetch(`http://127.0.0.1:${promPort}/api/v1/query?query=${encodeURIComponent(q)}`).catch(() => undefined);
          if (!res?.ok) return undefined;
          const body = (await res.json()) as { data: { result: Array<{ value: [number, string] }> } };
          const v = body.data.result[0]?.value[1];
          return v === undefined ? undefined : Number(v);
        };
        await eventually(
          async () => (await query(`conveyor_jobs_total{queue="${queue}",outcome="completed"}`)) === 5,
          60_000,
          'Prometheus has the counter',
        );
        expect(await query(`sum(conveyor_worker_jobs_total{queue="${queue}",outcome="completed"})`)).toBe(5);
        expect(await query(`conveyor_job_run_seconds_count{queue="${queue}",agent="echo"}`)).toBe(5);
      } finally {
        prom?.kill('SIGTERM');
        if (prom && prom.exitCode === null) await new Promise((resolve) => prom?.once('exit', resolve));
        await rm(dir, { recursive: true, force: true });
      }
    },
  );
});
