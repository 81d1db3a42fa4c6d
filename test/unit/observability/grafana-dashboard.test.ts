import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const dashboard = JSON.parse(readFileSync(path.join(__dirname, '../../../deploy/grafana/conveyor.json'), 'utf8')) as {
  panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
};

/** Every metric name Conveyor exports (observability/prometheus.ts), with the suffixes of histograms. */
const EXPORTED = [
  'conveyor_queue_jobs',
  'conveyor_jobs_total',
  'conveyor_workers',
  'conveyor_redis_rtt_seconds',
  'conveyor_worker_threads',
  'conveyor_worker_threads_target',
  'conveyor_worker_concurrency',
  'conveyor_worker_running_jobs',
  'conveyor_worker_jobs_total',
  ...['conveyor_job_wait_seconds', 'conveyor_job_run_seconds', 'conveyor_worker_job_run_seconds'].flatMap((h) =>
    ['_bucket', '_sum', '_count'].map((s) => h + s),
  ),
];

describe('the Grafana dashboard', () => {
  it('queries only metrics Conveyor exports', () => {
    const used = dashboard.panels.flatMap((p) => p.targets.flatMap((t) => t.expr.match(/conveyor_[a-z_]+/g) ?? []));
    expect(used.length).toBeGreaterThan(0);
    for (const name of used) expect(EXPORTED).toContain(name);
  });
});
