import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect } from 'vitest';
import { builtTest as test } from './built-cli-fixture';

const run = promisify(execFile);

async function listenOnFreePort(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { server, port: address.port };
}

describe('conveyor job', () => {
  test('on a queue that does not exist says so, not that the job is missing', async ({ built }) => {
    const res = await built.run(['job', 'nosuchqueue', '1']);
    expect(res).toMatchObject({ code: 1, stdout: '', stderr: 'conveyor: queue "nosuchqueue" does not exist\n' });
  });

  test('on a queue that exists, a missing job is still "not found"', async ({ built, queue }) => {
    const res = await built.run(['job', queue, '999']);
    expect(res).toMatchObject({ code: 1, stderr: `conveyor: job "999" not found in queue "${queue}"\n` });
  });
});

describe('config.yml errors', () => {
  test('a key indented under a key that has a value is named at its own line, once', async ({ built, cli }) => {
    await writeFile(cli.configPath, 'queue:\n  redis_host: localhost\n    key_prefix: x\n');
    const res = await built.run(['status']);
    expect(res.code).toBe(1);
    expect(res.stderr).toBe(
      `conveyor: ${cli.configPath}: YAML syntax error at line 3, column 5: this key is indented deeper than the key above it, which already has a value (indent it like its siblings, or give the key above no value)\n`,
    );
  });

  test('a key indented less than its siblings is named at its line and column, once', async ({ built, cli }) => {
    await writeFile(cli.configPath, 'queue:\n  redis_host: localhost\n redis_port: 6379\n');
    const res = await built.run(['status']);
    expect(res.stderr).toBe(
      `conveyor: ${cli.configPath}: YAML syntax error at line 3, column 2: All mapping items must start at the same column\n`,
    );
  });
});

describe('conveyor serve', { timeout: 60_000 }, () => {
  test('on a busy port, the error names --port', async ({ built }) => {
    const { server, port } = await listenOnFreePort();
    try {
      const res = await built.run(['serve', '--no-worker', '--port', String(port)]);
      expect(res.code).toBe(1);
      expect(res.stderr).toContain(
        `conveyor: port ${port} on 127.0.0.1 is already in use: pass another with --port N (--port 0 picks a free one)\n`,
      );
    } finally {
      server.close();
    }
  });

  test.runIf(existsSync(path.resolve(__dirname, '../../../out/renderer/index.html')))(
    'serves a favicon: the page links it, and /favicon.ico answers too (no 404 on page load)',
    async ({ built }) => {
      const serve = built.spawn(['serve', '--no-worker', '--port', '0']);
      const url = new URL((await serve.waitFor(/control center: (\S+)/, 20_000))[1] ?? '');
      const token = url.searchParams.get('token') ?? '';
      const page = await fetch(url);
      expect(await page.text()).toContain('<link rel="icon" type="image/svg+xml" href="./favicon.svg" />');
      for (const file of ['/favicon.svg', '/favicon.ico']) {
        const res = await fetch(new URL(`${file}?token=${token}`, url));
        expect(res.status, file).toBe(200);
        expect(res.headers.get('content-type'), file).toBe('image/svg+xml');
        expect(await res.text(), file).toMatch(/^<svg /);
      }
      serve.child.kill('SIGTERM');
      expect((await serve.exited).code).toBe(0);
    },
  );
});

describe('conveyor on PATH', { timeout: 60_000 }, () => {
  test('in the clone, after the build, `npx conveyor` runs the package bin (as the README says)', async () => {
    const { stdout } = await run('npx', ['--no-install', 'conveyor', '--version'], { cwd: path.resolve(__dirname, '../../..') });
    expect(stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });
});

describe('conveyor completion', { timeout: 60_000 }, () => {
  test('bash: the script parses, and completes verbs, subcommands and options', async ({ built }) => {
    const res = await built.run(['completion', 'bash'], { raw: true });
    expect(res.code).toBe(0);
    const script = res.stdout;
    await run('bash', ['-n', '-c', script]);
    const complete = async (...words: string[]): Promise<string> => {
      const program = `${script}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _conveyor; echo "\${COMPREPLY[*]}"`;
      return (await run('bash', ['-c', program])).stdout.trim();
    };
    expect(await complete('conveyor', 'enq')).toBe('enqueue');
    expect((await complete('conveyor', '')).split(' ')).toEqual(
      expect.arrayContaining(['run', 'worker', 'jobs', 'completion', '--config']),
    );
    expect(await complete('conveyor', 'queue', 'cr')).toBe('create');
    expect(await complete('conveyor', 'queue', 'create', 'agents', '--max-r')).toBe('--max-retries');
    expect(await complete('conveyor', '--config', 'c.yml', 'run', 'q', 'echo', '--js')).toBe('--json');
    expect(await complete('conveyor', 'completion', '')).toBe('bash zsh fish --help');
  });

  test('zsh and fish get scripts of their own; another shell is a usage error', async ({ built }) => {
    const zsh = await built.run(['completion', 'zsh'], { raw: true });
    const fish = await built.run(['completion', 'fish'], { raw: true });
    expect(zsh.stdout).toMatch(/^# conveyor completion for zsh.*\nautoload -U \+X compinit/);
    expect(zsh.stdout).toContain('complete -o default -F _conveyor conveyor');
    expect(fish.stdout).toContain("complete -c conveyor -n '__fish_use_subcommand' -a 'run' -d ");
    expect(fish.stdout).toContain("complete -c conveyor -n '__fish_seen_subcommand_from run' -l json");
    for (const [shell, text] of [
      ['zsh', zsh.stdout],
      ['fish', fish.stdout],
    ] as const) {
      if (existsSync(`/usr/bin/${shell}`)) await run(shell, ['-n', '-c', text]);
    }
    const bad = await built.run(['completion', 'tcsh'], { raw: true });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/'tcsh' is invalid for argument 'shell'\. Allowed choices are bash, zsh, fish/);
  });
});
