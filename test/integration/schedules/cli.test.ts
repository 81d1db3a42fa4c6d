import { describe, expect } from 'vitest';
import type { ScheduleInfo } from '../../../src-shared/schedule';
import { ScheduleStore } from '../../../src-main/schedules';
import { cliTest as test, configYaml } from '../cli/cli-fixture';

describe('conveyor schedule', () => {
  test('add, ls --json with the next 3 fire times, pause, resume, run-now, rm', async ({ cli, adapter, queue }) => {
    const add = await cli.run([
      'schedule',
      'add',
      queue,
      'digest',
      '--cron',
      '0 9 * * 1-5',
      '--tz',
      'Europe/Berlin',
      'summarizer',
      '{"days":1}',
    ]);
    expect(add).toMatchObject({ code: 0, stderr: '' });
    expect(add.stdout).toMatch(/^schedule jobs\/digest: next \S+, \S+, \S+\n$/);

    const ls = JSON.parse((await cli.run(['schedule', 'ls', '--json'])).stdout) as ScheduleInfo[];
    expect(ls).toEqual([
      expect.objectContaining({ queue, id: 'digest', cron: '0 9 * * 1-5', tz: 'Europe/Berlin', agent: 'summarizer', input: { days: 1 } }),
    ]);
    expect(ls[0]?.nextRuns).toHaveLength(3);
    for (const t of ls[0]?.nextRuns ?? []) expect([7, 8]).toContain(new Date(t).getUTCHours());

    expect((await cli.run(['schedule', 'pause', queue, 'digest'])).stdout).toBe(`schedule ${queue}/digest: paused\n`);
    expect((await cli.run(['schedule', 'resume', queue, 'digest'])).stdout).toMatch(/: next /);
    const runNow = await cli.run(['schedule', 'run-now', queue, 'digest']);
    expect(runNow.stdout).toMatch(/^digest@run-\d+-\d+\n$/);
    expect((await adapter.getJob(queue, runNow.stdout.trim()))?.item?.message.payload).toEqual({ agent: 'summarizer', input: { days: 1 } });

    expect((await cli.run(['schedule', 'ls'])).stdout).toMatch(/^QUEUE\s+ID\s+WHEN\s+AGENT\s+STATE\s+NEXT RUNS\s+LAST JOB\s+RUNS\n/);
    expect((await cli.run(['schedule', 'rm', queue, 'digest'])).code).toBe(0);
    expect((await cli.run(['schedule', 'ls'])).stdout).toBe('no schedules\n');
  });

  test('bad input is one line naming the field, exit 1, nothing stored', async ({ cli, adapter, queue }) => {
    for (const [args, text] of [
      [['--cron', '0 25 * * *'], 'invalid schedule: cron:'],
      [['--cron', '0 9 * * *', '--tz', 'Europe/Berln'], 'invalid schedule: tz: unknown time zone "Europe/Berln"'],
      [['--every', '100ms'], 'invalid schedule: every: 100 ms is under the minimum of 1000 ms'],
      [['--every', '1s', '--catch-up', 'all'], 'invalid --catch-up "all"'],
    ] as Array<[string[], string]>) {
      const res = await cli.run(['schedule', 'add', queue, 'bad', ...args, 'echo']);
      expect(res.code).toBe(1);
      expect(res.stderr).toContain(text);
      expect(res.stderr.trim().split('\n')).toHaveLength(1);
    }
    const unknown = await cli.run(['schedule', 'add', 'nowhere', 'bad', '--every', '1s', 'echo']);
    expect(unknown).toMatchObject({ code: 1 });
    expect(unknown.stderr).toContain('nowhere');
    expect(await new ScheduleStore(adapter).list()).toEqual([]);
  });

  test(
    "config.yml's schedules are upserted by a worker at start, once however often applied",
    { timeout: 30_000 },
    async ({ cli, adapter, queue, prefix }) => {
      await cli.writeConfig(
        configYaml(prefix, `schedules:\n  - id: nightly\n    queue: ${queue}\n    agent: echo\n    cron: "0 2 * * *"\n`),
      );
      for (let i = 0; i < 2; i++) {
        const worker = cli.start(['worker', queue, '--threads', '1']);
        await worker.waitFor(/ worker \S+ started: /, 20_000);
        await worker.stop();
      }
      const list = await new ScheduleStore(adapter).list([queue]);
      expect(list).toEqual([expect.objectContaining({ id: 'nightly', cron: '0 2 * * *', runs: 0 })]);
    },
  );
});

test(
  'a bad config.yml schedule is logged naming schedules[i].<field>; the worker runs, nothing is stored',
  { timeout: 30_000 },
  async ({ cli, adapter, queue, prefix }) => {
    await cli.writeConfig(
      configYaml(
        prefix,
        `schedules:\n  - id: ok\n    queue: ${queue}\n    agent: echo\n    every: 1h\n  - id: nightly\n    queue: ${queue}\n    agent: echo\n    cron: "0 2 * * *"\n    tz: Europe/Berln\n`,
      ),
    );
    const worker = cli.start(['worker', queue, '--threads', '1']);
    await worker.waitFor(/ worker \S+ started: /, 20_000);
    const { stderr } = await worker.stop();
    expect(stderr).toContain('config.yml schedules not applied');
    expect(stderr).toContain('schedules[1].tz: unknown time zone "Europe/Berln"');
    expect(await new ScheduleStore(adapter).list([queue])).toEqual([]);
  },
);
