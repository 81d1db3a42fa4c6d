/**
 * The package as users get it: `npm pack` in a fresh copy of the project
 * (its prepack builds first), `npm install` of the tarball into a new
 * project, and there a producer and a worker as CommonJS, as ESM and as
 * TypeScript, against the test Redis; the types under every
 * moduleResolution; and the `conveyor` binary. Needs the npm registry for
 * the package's dependencies.
 */
import { execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cleanupPrefix, freshPrefix, testRedisUrl } from '../support/redis';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'node_modules/.bin');
const SETUP_MS = 150_000;

/** What may be in the tarball, and nothing else: the library, the CLI with what it serves, docs. */
const SHIPPED = /^(dist\/|out\/main\/|out\/preload\/|out\/renderer\/|bin\/|README\.md$|LICENSE$|package\.json$|config\.example\.yml$)/;

interface Packed {
  filename: string;
  size: number;
  unpackedSize: number;
  entryCount: number;
  files: Array<{ path: string }>;
}

/** The environment of the npm and node children: no npm_* settings of the npm running vitest. */
function childEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k)) env[k] = v;
  return { ...env, ...extra };
}

let work = '';
let project = '';
let packed: Packed;
const prefix = freshPrefix('cvt-pack');
const figures: Record<string, string> = {};

/** A copy of the project as a fresh clone has it: sources, no build output; node_modules linked. */
function freshCopy(to: string): void {
  const skip = new Set(['node_modules', 'out', 'dist', '.git', 'test-results', 'playwright-report', 'coverage', '.data']);
  cpSync(ROOT, to, { recursive: true, filter: (src) => !skip.has(path.relative(ROOT, src).split(path.sep)[0] ?? '') });
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(to, 'node_modules'), 'dir');
}

async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const started = Date.now();
  try {
    return await fn();
  } finally {
    figures[label] = `${((Date.now() - started) / 1000).toFixed(1)} s`;
  }
}

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'conveyor-pack-'));
  const source = path.join(work, 'source');
  freshCopy(source);
  // The registry's answer is all this test needs from outside: the tarball's own dependencies.
  const { stdout } = await timed('npm pack (prepack builds)', () =>
    run('npm', ['pack', '--json', '--pack-destination', work], { cwd: source, env: childEnv(), maxBuffer: 64 * 1024 * 1024 }),
  );
  // Lifecycle scripts may print before the JSON.
  packed = (JSON.parse(stdout.slice(stdout.indexOf('\n[') + 1 || stdout.indexOf('['))) as Packed[])[0] as Packed;
  project = path.join(work, 'project');
  mkdirSync(project);
  writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'conveyor-user', version: '1.0.0', private: true }));
  await timed('npm install of the tarball', () =>
    run('npm', ['install', path.join(work, packed.filename), '--no-audit', '--no-fund', '--prefer-offline'], {
      cwd: project,
      env: childEnv(),
    }),
  );
  const du = await run('du', ['-sk', path.join(project, 'node_modules')]);
  figures['installed size'] = `${(Number(du.stdout.split('\t')[0]) / 1024).toFixed(1)} MB`;
  figures['tarball'] =
    `${(packed.size / 1024).toFixed(0)} KB, ${packed.entryCount} files, ${(packed.unpackedSize / 1024).toFixed(0)} KB unpacked`;
}, SETUP_MS);

afterAll(async () => {
  console.log(
    `package figures: ${Object.entries(figures)
      .map(([k, v]) => `${k} ${v}`)
      .join('; ')}`,
  );
  if (work) rmSync(work, { recursive: true, force: true });
  await cleanupPrefix(prefix);
});

/** Runs a program in the new project, against the test Redis under this file's prefix. */
async function inProject(command: string, args: string[], timeout = 30_000): Promise<string> {
  const env = childEnv({ REDIS_URL: testRedisUrl(), PREFIX: prefix, HOME: project, CONVEYOR_CONFIG: '' });
  const { stdout } = await run(command, args, { cwd: project, env, timeout });
  return stdout.trim();
}

function write(file: string, text: string): string {
  const at = path.join(project, file);
  writeFileSync(at, text);
  return at;
}

const WORKER_OPTIONS =
  '{ adapter: queue, queues: [QUEUE], threads: 1, concurrency: 1, jobTimeoutMs: 10000, killGraceMs: 500, maxMemoryMb: 256, shutdownTimeoutMs: 1000 }';

/** A producer and a worker in one module flavour; the worker runs the job the producer enqueued, on threads. */
function programs(kind: 'cjs' | 'mjs' | 'ts'): { producer: string; worker: string } {
  const imports =
    kind === 'cjs'
      ? "const { connectQueue, agentItem } = require('conveyor/queue');\nconst { WorkerPool } = require('conveyor/pool');\n"
      : "import { connectQueue, agentItem } from 'conveyor/queue';\nimport { WorkerPool } from 'conveyor/pool';\n";
  const queueName = `const QUEUE = 'pack-${kind}';\n`;
  const connect = 'await connectQueue({ queue: { key_prefix: process.env.PREFIX } })';
  const wrap = (body: string): string =>
    `${imports}${queueName}async function main()${kind === 'ts' ? ': Promise<void>' : ''} {\n${body}\n}\nmain().catch((err) => { console.error(err); process.exit(1); });\n`;
  return {
    producer: wrap(
      `  const queue = ${connect};\n  await queue.createQueue(QUEUE);\n  console.log(await queue.enqueue(QUEUE, agentItem('echo', { from: '${kind}' })));\n  await queue.close();`,
    ),
    worker: wrap(
      `  const queue = ${connect};\n  const pool = new WorkerPool(${WORKER_OPTIONS});\n  await pool.start();\n  const id = process.argv[2]${kind === 'ts' ? ' as string' : ''};\n  let job = await queue.getJob(QUEUE, id);\n  for (let i = 0; i < 400 && job && job.state !== 'completed' && job.state !== 'dead'; i++) {\n    await new Promise((resolve) => setTimeout(resolve, 50));\n    job = await queue.getJob(QUEUE, id);\n  }\n  await pool.stop();\n  await queue.close();\n  console.log(JSON.stringify({ state: job?.state, result: job?.result }));`,
    ),
  };
}

/**
 * Type errors of the new project's `files` under one module resolution: in
 * its own files, and in the package's declarations they load (not in
 * @types/node or other libraries). One TypeScript in this process, with
 * parsed files shared between the resolutions, instead of four `tsc` runs.
 */
const parsed = new Map<string, ts.SourceFile>();
function typeProblems(resolution: string, module: string, files: string[]): string[] {
  const { options, errors } = ts.convertCompilerOptionsFromJson(
    {
      module,
      moduleResolution: resolution,
      target: 'es2022',
      strict: true,
      noEmit: true,
      types: ['node'],
      typeRoots: [path.join(ROOT, 'node_modules/@types')],
    },
    project,
  );
  if (errors.length > 0) return errors.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  const host = ts.createCompilerHost(options);
  const read = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, ...rest) => {
    // A declaration parses the same for every resolution of the same module format.
    const key = `${fileName}\0${JSON.stringify(languageVersion)}`;
    let file = parsed.get(key);
    if (!file) {
      file = read(fileName, languageVersion, ...rest);
      if (file) parsed.set(key, file);
    }
    return file;
  };
  const program = ts.createProgram(
    files.map((f) => path.join(project, f)),
    options,
    host,
  );
  const ours = program
    .getSourceFiles()
    .filter((f) => !f.fileName.includes('/node_modules/') || f.fileName.includes('/node_modules/conveyor/'));
  const diagnostics = [
    ...program.getOptionsDiagnostics(),
    ...program.getGlobalDiagnostics(),
    ...ours.flatMap((f) => [...program.getSyntacticDiagnostics(f), ...program.getSemanticDiagnostics(f)]),
  ];
  return diagnostics.map((d) => {
    const where =
      d.file && d.start !== undefined
        ? `${path.relative(project, d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start).line + 1}: `
        : '';
    return `${where}${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
  });
}

/** The package a bare import names: `@scope/name` for scoped packages, else the first segment. */
function packageOf(spec: string): string {
  const parts = spec.split('/');
  return (spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]) ?? '';
}

describe('npm pack', () => {
  test('ships the library, the CLI with its worker thread and control center, README and LICENSE; no tests, benchmarks, sources or maps', () => {
    const paths = packed.files.map((f) => f.path);
    expect(paths.filter((p) => !SHIPPED.test(p) || p.endsWith('.map'))).toEqual([]);
    for (const needed of [
      'dist/queue.js',
      'dist/pool.js',
      'dist/agents.js',
      'dist/thread-entry.js',
      'dist/types/src-main/queue/index.d.ts',
      'bin/conveyor.js',
      'out/main/cli.js',
      'out/main/thread-entry.js',
      'out/renderer/index.html',
      'out/renderer/favicon.svg',
      'README.md',
      'LICENSE',
    ]) {
      expect(paths, needed).toContain(needed);
    }
  });

  test('installing it pulls in its runtime dependencies only: no Electron, React or build tools', () => {
    for (const heavy of ['electron', 'react', 'react-dom', 'vite', 'electron-vite', 'typescript', 'recharts']) {
      expect(existsSync(path.join(project, 'node_modules', heavy)), heavy).toBe(false);
    }
    const manifest = JSON.parse(readFileSync(path.join(project, 'node_modules/conveyor/package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    expect(Object.keys(manifest.dependencies)).not.toContain('electron');
  });

  test('every `exports` entry resolves from the new project, for require and import, and so do its types', async () => {
    const manifest = JSON.parse(readFileSync(path.join(project, 'node_modules/conveyor/package.json'), 'utf8')) as {
      exports: Record<string, string | { types: string; default: string }>;
    };
    const entries = Object.keys(manifest.exports).map((k) => `conveyor${k.slice(1)}`);
    const out = await inProject(process.execPath, [
      '--input-type=module',
      '-e',
      `import { createRequire } from 'node:module'; const require = createRequire(process.cwd() + '/'); for (const e of ${JSON.stringify(entries)}) { require.resolve(e); import.meta.resolve(e); } console.log('ok');`,
    ]);
    expect(out).toBe('ok');
    for (const value of Object.values(manifest.exports)) {
      if (typeof value === 'object') expect(existsSync(path.join(project, 'node_modules/conveyor', value.types)), value.types).toBe(true);
    }
  });

  test('a CommonJS producer and worker run a job', { timeout: 60_000 }, async () => {
    const { producer, worker } = programs('cjs');
    const id = await inProject(process.execPath, [write('producer.cjs', producer)]);
    expect(JSON.parse(await inProject(process.execPath, [write('worker.cjs', worker), id]))).toEqual({
      state: 'completed',
      result: { from: 'cjs' },
    });
  });

  test('an ES module producer and worker run a job', { timeout: 60_000 }, async () => {
    const { producer, worker } = programs('mjs');
    const id = await inProject(process.execPath, [write('producer.mjs', producer)]);
    expect(JSON.parse(await inProject(process.execPath, [write('worker.mjs', worker), id]))).toEqual({
      state: 'completed',
      result: { from: 'mjs' },
    });
  });

  test('a TypeScript producer and worker run a job (tsx)', { timeout: 60_000 }, async () => {
    const { producer, worker } = programs('ts');
    const id = await inProject(path.join(BIN, 'tsx'), [write('producer.ts', producer)]);
    expect(JSON.parse(await inProject(path.join(BIN, 'tsx'), [write('worker.ts', worker), id]))).toEqual({
      state: 'completed',
      result: { from: 'ts' },
    });
  });

  test('the types resolve under moduleResolution node16, nodenext, bundler and node10 (typesVersions), and are not `any`', async () => {
    const { producer, worker } = programs('ts');
    write('producer.ts', producer);
    write('worker.ts', worker);
    // An ES module too, where the resolution has an import condition to take; the expect-error fails if the types were `any`.
    write(
      'agents.mts',
      "import { BUILTIN_AGENTS, type Agent } from 'conveyor/agents';\nimport type { JobRecord, RedisQueueAdapter } from 'conveyor/queue';\nimport type { PoolOptions } from 'conveyor/pool';\nexport const names: string[] = BUILTIN_AGENTS.map((a: Agent) => a.name);\nexport type Seen = [JobRecord, PoolOptions];\nexport async function typed(queue: RedisQueueAdapter): Promise<void> {\n  // @ts-expect-error a queue name is a string\n  await queue.createQueue(42);\n}\n",
    );
    const resolutions = [
      ['node16', 'node16'],
      ['nodenext', 'nodenext'],
      ['bundler', 'esnext'],
      ['node10', 'commonjs'],
    ] as const;
    const problems: string[] = [];
    for (const [resolution, module] of resolutions) {
      const files = ['producer.ts', 'worker.ts', ...(resolution === 'node10' ? [] : ['agents.mts'])];
      problems.push(...typeProblems(resolution, module, files).map((p) => `moduleResolution ${resolution}: ${p}`));
    }
    expect(problems).toEqual([]);
  }, 120_000);

  test('the declarations import only each other, node built-ins and the package dependencies', () => {
    const root = path.join(project, 'node_modules/conveyor');
    const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const bad: string[] = [];
    for (const file of packed.files.map((f) => f.path).filter((p) => p.endsWith('.d.ts'))) {
      const raw = readFileSync(path.join(root, file), 'utf8');
      if (/^\/\/\/\s*<reference/m.test(raw)) bad.push(`${file}: a /// reference`);
      // Doc comments quote imports as users write them; only code counts.
      const text = raw.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
      for (const m of text.matchAll(/(?:from|import\()\s*'([^']+)'/g)) {
        const spec = m[1] ?? '';
        const ok = spec.startsWith('.')
          ? existsSync(path.join(root, path.dirname(file), `${spec}.d.ts`)) ||
            existsSync(path.join(root, path.dirname(file), spec, 'index.d.ts'))
          : spec.startsWith('node:') || packageOf(spec) in manifest.dependencies;
        if (!ok) bad.push(`${file}: ${spec}`);
      }
    }
    expect(bad).toEqual([]);
  });

  test('the `conveyor` binary runs from the install: a worker runs a job `conveyor run` enqueued, and `serve` serves the control center', async () => {
    const conveyor = path.join(project, 'node_modules/.bin/conveyor');
    expect(await inProject(conveyor, ['--version'])).toBe('0.1.0');
    writeFileSync(
      path.join(project, 'config.yml'),
      `queue:\n  key_prefix: "${prefix}"\nworkers:\n  queues: [cli]\n  threads: 1\n  concurrency: 1\n`,
    );
    await inProject(conveyor, ['queue', 'create', 'cli']);
    const worker = spawn(conveyor, ['worker'], {
      cwd: project,
      env: childEnv({ REDIS_URL: testRedisUrl(), HOME: project, CONVEYOR_CONFIG: '' }),
      stdio: 'ignore',
    });
    try {
      expect(await inProject(conveyor, ['run', 'cli', 'echo', '"from the binary"'])).toBe('from the binary');
    } finally {
      worker.kill('SIGTERM');
    }
    const serve = spawn(conveyor, ['serve', '--no-worker', '--port', '0'], {
      cwd: project,
      env: childEnv({ REDIS_URL: testRedisUrl(), HOME: project, CONVEYOR_CONFIG: '' }),
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        serve.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /control center: (\S+)/.exec(out);
          if (m?.[1]) resolve(m[1]);
        });
        serve.once('exit', () => reject(new Error(`serve exited: ${out}`)));
      });
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<title>Conveyor</title>');
    } finally {
      serve.kill('SIGTERM');
    }
  }, 90_000);
});
