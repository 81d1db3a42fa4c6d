import { existsSync } from 'node:fs';
import { describe, expect } from 'vitest';
import { until } from '../../support/contract-suite';
import { builtTest as test, type SpawnedCli } from './built-cli-fixture';

/** `script` gives the command a terminal (stdin and stderr), as a person's shell would. */
const SCRIPT = '/usr/bin/script';
const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
const inTerminal = (argv: string[]): { command: string; args: string[] } => ({
  command: SCRIPT,
  args: ['-qec', argv.map(shellQuote).join(' '), '/dev/null'],
});

/** Ctrl-C as a terminal sends it: to the foreground process group, through the terminal. */
function typeCtrlC(cli: SpawnedCli): void {
  cli.child.stdin?.write('\x03');
}

describe('conveyor run', { timeout: 60_000 }, () => {
  test('prints the result of the finished job on stdout and exits 0', async ({ built, startWorker, queue }) => {
    await startWorker().ready;
    const res = await built.run(['run', queue, 'echo', '"hello"']);
    expect(res).toMatchObject({ code: 0, stdout: 'hello\n' });
    expect(res.stderr).toMatch(/^job (\S+) enqueued on jobs\nstarted \(attempt 1 on \S+\)\n$/);
  });

  test('exits as soon as it has printed the result (the event tail leaves no timer behind)', async ({ built, startWorker, queue }) => {
    await startWorker().ready;
    const run = built.spawn(['run', queue, 'echo', '"quick"']);
    await run.waitFor(/^quick$/m, 15_000);
    const printed = Date.now();
    expect((await run.exited).code).toBe(0);
    // A second disconnect of the tail's connection armed ioredis's 2 s fallback timer, which kept the process up.
    expect(Date.now() - printed).toBeLessThan(1500);
  });

  test('without a terminal, shows progress and logs as plain lines as the agent reports them', async ({ built, startWorker, queue }) => {
    await startWorker().ready;
    const res = await built.run(['run', queue, 'progress', '{"delayMs": 150}']);
    expect(res).toMatchObject({ code: 0, stdout: 'done\n' });
    const lines = res.stderr.split('\n');
    const order = ['progress 25% a quarter', 'log: step 1', 'progress 50% half', 'log: step 2', 'progress 100% all'].map((l) =>
      lines.indexOf(l),
    );
    expect(order.every((i) => i > 0)).toBe(true);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(res.stderr).not.toContain('\x1b');
  });

  test('--json prints the final job record instead of the result', async ({ built, startWorker, queue }) => {
    await startWorker().ready;
    const res = await built.run(['run', queue, 'progress', '--json']);
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ queue, state: 'completed', agent: 'progress', result: 'done' });
  });

  test('a job that ends dead prints its error on stderr and exits 1', async ({ built, startWorker, adapter, queue }) => {
    await startWorker().ready;
    const res = await built.run(['run', queue, 'fail']);
    expect(res.code).toBe(1);
    expect(res.stdout).toBe('');
    expect(res.stderr).toMatch(/\nfailed \(attempt 1\): fixture failure\nretrying\n/);
    const id = /^job (\S+) enqueued/.exec(res.stderr)?.[1] ?? '';
    expect(res.stderr).toMatch(new RegExp(`\\nconveyor: job ${id} ended dead( \\(\\w+\\))?: fixture failure\\n$`));
    expect((await adapter.getJob(queue, id))?.state).toBe('dead');
  });

  test('--json on a dead job prints its record and still exits 1', async ({ built, startWorker, queue }) => {
    await startWorker().ready;
    const res = await built.run(['run', queue, 'fail', '--json']);
    expect(res.code).toBe(1);
    expect(JSON.parse(res.stdout)).toMatchObject({ state: 'dead', error: 'fixture failure' });
  });

  test('without a terminal, Ctrl-C cancels the job and exits 130', async ({ built, startWorker, adapter, queue }) => {
    await startWorker().ready;
    const run = built.spawn(['run', queue, 'sleep', '{"ms": 60000}']);
    const id = (await run.waitFor(/^job (\S+) enqueued/m, 15_000))[1] ?? '';
    await run.waitFor(/started \(attempt 1/, 15_000);
    run.child.kill('SIGINT');
    const res = await run.exited;
    expect(res.code).toBe(130);
    expect(res.stderr).toMatch(new RegExp(`conveyor: job ${id} ended cancelled\\n$`));
    expect((await adapter.getJob(queue, id))?.state).toBe('cancelled');
  });

  test.runIf(existsSync(SCRIPT))('on a terminal, draws a progress bar in place', async ({ built, startWorker, queue }) => {
    await startWorker().ready;
    const res = await built.run(['run', queue, 'progress', '{"delayMs": 100}'], { wrap: inTerminal });
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('\r\x1b[K[######..................] 25% a quarter');
    expect(res.stdout).toContain('[########################] 100% all');
    expect(res.stdout).toMatch(/done\r?\n$/);
  });

  test.runIf(existsSync(SCRIPT))(
    'on a terminal, Ctrl-C asks whether to cancel; "y" cancels the job',
    async ({ built, startWorker, adapter, queue }) => {
      await startWorker().ready;
      const run = built.spawn(['run', queue, 'sleep', '{"ms": 60000}'], { wrap: inTerminal });
      const id = (await run.waitFor(/job (\S+) enqueued/, 15_000))[1] ?? '';
      await run.waitFor(/started \(attempt 1/, 15_000);
      typeCtrlC(run);
      await run.waitFor(new RegExp(`cancel job ${id}\\? \\[y/N\\] `));
      run.child.stdin?.write('y\n');
      const res = await run.exited;
      expect(res.code).toBe(130);
      expect(res.stdout).toContain(`job ${id} ended cancelled`);
      expect((await adapter.getJob(queue, id))?.state).toBe('cancelled');
    },
  );

  test.runIf(existsSync(SCRIPT))(
    'on a terminal, answering "n" leaves the job running and says how to find it',
    async ({ built, startWorker, adapter, queue }) => {
      await startWorker().ready;
      const run = built.spawn(['run', queue, 'sleep', '{"ms": 60000}'], { wrap: inTerminal });
      const id = (await run.waitFor(/job (\S+) enqueued/, 15_000))[1] ?? '';
      await run.waitFor(/started \(attempt 1/, 15_000);
      typeCtrlC(run);
      await run.waitFor(/\[y\/N\] /);
      run.child.stdin?.write('n\n');
      const res = await run.exited;
      expect(res.code).toBe(130);
      expect(res.stdout).toContain(`job ${id} keeps running; see it with: conveyor job ${queue} ${id}`);
      await until(async () => (await adapter.getJob(queue, id))?.state === 'active', 5000, 'the job to stay active');
      await adapter.cancel(queue, id);
    },
  );
});
