/**
 * README.md as a test suite: every code block is checked by its language.
 *
 * - ```ts / ```js: run as a program of its own, as a user would paste it into
 *   a new CommonJS project that has installed Conveyor (`conveyor/queue`,
 *   `conveyor/pool`, `conveyor/agents` resolve to this build's dist/), against
 *   the test Redis under a fresh key prefix (config.yml via CONVEYOR_CONFIG,
 *   REDIS_URL). TypeScript runs under tsx; JavaScript under node, as an ES
 *   module when it has `import` lines, else CommonJS. It must exit 0 by itself
 *   within 30 s, so close what you open and wrap top-level await in a main().
 * - ```yaml: validated as config.yml (YAML, then the config schema).
 * - ```json: parsed.
 * - ```sh: every `conveyor …` command (also `npx conveyor`, `node out/main/cli.js`)
 *   names a real command, subcommand and options of the CLI's parser
 *   (synopsis notation allowed: `a|b`, `[optional]`, `...`); `make X` names a
 *   Makefile target and `npm run X` a package.json script. Nothing is run.
 * - anything else is text.
 *
 * A block that cannot run here is marked just before its fence, with why:
 *   <!-- doctest: skip (needs an OpenAI key) -->
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { Command, Option } from 'commander';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildProgram } from '../../src-main/cli/program';
import { checkConfigText } from '../../src-main/config/config-file';
import { cleanupPrefix, freshPrefix, testRedisUrl } from '../support/redis';
import { codeBlocks, shellCommands, type CodeBlock } from './code-blocks';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');
const README = path.join(ROOT, 'README.md');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');
const RUN_MS = 30_000;

const blocks = codeBlocks(readFileSync(README, 'utf8'));
const prefixes: string[] = [];
let project = '';

beforeAll(() => {
  if (!existsSync(path.join(ROOT, 'dist/queue.js')))
    throw new Error('dist/ is missing: run `npm run build` first (README programs import the built package)');
  // A user's project with Conveyor installed: node_modules/conveyor is this package (its `exports` point at dist/).
  project = mkdtempSync(path.join(tmpdir(), 'conveyor-readme-'));
  writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'readme-user', private: true, type: 'commonjs' }));
  mkdirSync(path.join(project, 'node_modules'));
  symlinkSync(ROOT, path.join(project, 'node_modules/conveyor'), 'dir');
});

afterAll(async () => {
  if (project) rmSync(project, { recursive: true, force: true });
  await Promise.all(prefixes.map((p) => cleanupPrefix(p)));
});

/** Runs a ts/js block as its own program; resolves to its output, rejects with it. */
async function runProgram(block: CodeBlock): Promise<void> {
  const esm = block.lang.startsWith('j') && /^\s*import\s/m.test(block.code);
  const file = path.join(project, `readme-${block.line}.${block.lang.startsWith('t') ? 'ts' : esm ? 'mjs' : 'cjs'}`);
  writeFileSync(file, block.code);
  const prefix = freshPrefix('cvt-readme');
  prefixes.push(prefix);
  const config = path.join(project, `config-${block.line}.yml`);
  writeFileSync(config, `queue:\n  key_prefix: "${prefix}"\n  connection_timeout: 5\n`);
  const [command, args] = block.lang.startsWith('t') ? [TSX, [file]] : [process.execPath, [file]];
  const env = { PATH: process.env.PATH, HOME: project, REDIS_URL: testRedisUrl(), CONVEYOR_CONFIG: config };
  try {
    await run(command, args, { cwd: project, env, timeout: RUN_MS });
  } catch (err) {
    const e = err as { code?: number | string; signal?: string; stdout?: string; stderr?: string };
    throw new Error(
      `README.md:${block.line} (${block.lang}) failed (${e.signal ?? `exit ${String(e.code)}`}):\n${e.stderr ?? ''}${e.stdout ?? ''}`,
      { cause: err },
    );
  }
}

const takesValue = (o: Option): boolean => o.required || o.optional;
const findOption = (options: readonly Option[], flag: string): Option | undefined =>
  options.find((o) => o.long === flag || o.short === flag);

/** Why `argv` (after `conveyor`) is not a command line the CLI accepts, or undefined. Parses only; runs nothing. */
function conveyorProblem(argv: string[]): string | undefined {
  const program = buildProgram({ stdout: { write: () => true }, stderr: { write: () => true }, env: {}, cwd: ROOT });
  let cmd: Command = program;
  const options = (): Option[] => [...cmd.options, ...program.options];
  const named = (): string => {
    const names: string[] = [];
    for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name());
    return names.join(' ');
  };
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i] ?? '';
    if (word === '--help' || word === '-h' || word === '-' || word === '--') continue;
    if (word.startsWith('-')) {
      const option = findOption(options(), word.split('=')[0] ?? word);
      if (!option) return `${named()} has no option ${word}`;
      if (takesValue(option) && !word.includes('=')) i++;
      continue;
    }
    if (cmd.commands.length > 0) {
      const sub = cmd.commands.find((c) => c.name() === word || c.aliases().includes(word));
      if (!sub) return `${named()} has no command "${word}"`;
      cmd = sub;
    }
  }
  if (cmd === program && argv.some((w) => !w.startsWith('-'))) return 'no command';
  return undefined;
}

/** Problems of one `sh` command: a CLI line that does not parse, a make target or npm script that does not exist. */
function shellProblem(words: string[]): string | undefined {
  const [first, second, third] = words;
  if (first === 'conveyor') return conveyorProblem(words.slice(1));
  if (first === 'npx' && second === 'conveyor') return conveyorProblem(words.slice(2));
  if (first === 'node' && (second === 'out/main/cli.js' || second === 'bin/conveyor.js')) return conveyorProblem(words.slice(2));
  if (first === 'make' && second && !second.includes('=')) {
    return new RegExp(`^${second}:`, 'm').test(readFileSync(path.join(ROOT, 'Makefile'), 'utf8'))
      ? undefined
      : `no make target "${second}"`;
  }
  if (first === 'npm') {
    const scripts = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    const script = second === 'run' ? third : second === 'start' || second === 'test' ? second : undefined;
    if (script !== undefined && !(script in scripts)) return `no npm script "${script}"`;
  }
  return undefined;
}

describe('README.md code blocks', () => {
  test('there are blocks to check', () => {
    expect(blocks.filter((b) => ['ts', 'js', 'yaml', 'sh'].includes(b.lang)).length).toBeGreaterThan(3);
  });

  for (const block of blocks) {
    const name = `${block.lang || 'text'} block at README.md:${block.line}`;
    if (block.skip) {
      test.skip(`${name}, not run: ${block.skip}`, () => undefined);
      continue;
    }
    switch (block.lang) {
      case 'ts':
      case 'typescript':
      case 'js':
      case 'javascript':
        test(`${name} runs`, () => runProgram(block), RUN_MS + 10_000);
        break;
      case 'yaml':
      case 'yml':
        test(`${name} is a valid config.yml`, () => {
          expect(() => checkConfigText(path.join(ROOT, `README.md:${block.line}.yml`), block.code)).not.toThrow();
        });
        break;
      case 'json':
        test(`${name} parses`, () => {
          expect(() => JSON.parse(block.code) as unknown).not.toThrow();
        });
        break;
      case 'sh':
      case 'bash':
      case 'shell':
      case 'console':
        test(`${name}: each command names real commands and options`, () => {
          const problems: string[] = [];
          block.code.split('\n').forEach((line, i) => {
            const text = line.replace(/^\$\s+/, '');
            for (const words of shellCommands(text)) {
              const problem = shellProblem(words);
              if (problem) problems.push(`README.md:${block.line + 1 + i}: ${problem}: ${line.trim()}`);
            }
          });
          expect(problems).toEqual([]);
        });
        break;
      default:
        break;
    }
  }
});
