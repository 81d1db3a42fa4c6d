/**
 * A copy of the build (out/main and out/renderer) for one test run, so a
 * `npm run build` started meanwhile (by another terminal; it empties out/)
 * cannot pull files from under the processes a test is driving. It sits
 * under node_modules/.cache inside the repo, so the copied CLI still resolves
 * its dependencies from the repo's node_modules.
 *
 * Its thread entry is test/support/ts-thread-entry.mjs pointed at the copy:
 * it registers tsx inside each worker thread (so the TypeScript fixture
 * agents load), then runs the copied out/main/thread-entry.js.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

const root = resolve(__dirname, '../../..');

export interface BuildSnapshot {
  dir: string;
  cliPath: string;
  /** For CONVEYOR_THREAD_ENTRY. */
  threadEntry: string;
  remove(): Promise<void>;
}

/** Every relative file a copied build names (required chunks, the page's assets) is there. */
async function complete(out: string): Promise<boolean> {
  const main = join(out, 'main');
  const needed = ['main/cli.js', 'main/thread-entry.js', 'renderer/index.html'].map((f) => join(out, f));
  if (!needed.every((f) => existsSync(f))) return false;
  const scripts = [
    ...(await readdir(main)).filter((f) => f.endsWith('.js')).map((f) => join(main, f)),
    ...(existsSync(join(main, 'chunks')) ? (await readdir(join(main, 'chunks'))).map((f) => join(main, 'chunks', f)) : []),
  ];
  for (const script of scripts) {
    for (const m of (await readFile(script, 'utf8')).matchAll(/require\("(\.\.?\/[^"]+)"\)/g)) {
      if (!existsSync(join(dirname(script), m[1] ?? ''))) return false;
    }
  }
  const html = await readFile(join(out, 'renderer/index.html'), 'utf8');
  for (const m of html.matchAll(/(?:src|href)="\.\/([^"]+)"/g)) {
    if (!existsSync(join(out, 'renderer', m[1] ?? ''))) return false;
  }
  return true;
}

/** The build to test: out/, or $CONVEYOR_E2E_OUT (another checkout's, e.g. to see a new test fail on main's build). */
const out = process.env['CONVEYOR_E2E_OUT'] ?? join(root, 'out');

export async function snapshotBuild(): Promise<BuildSnapshot> {
  if (!existsSync(join(out, 'main/cli.js')) || !existsSync(join(out, 'renderer/index.html'))) {
    throw new Error('the build is missing (out/main/cli.js, out/renderer): run `npm run build` before the e2e tests');
  }
  const dir = join(root, 'node_modules/.cache/conveyor-e2e', `build-${process.pid}-${randomBytes(3).toString('hex')}`);
  const remove = (): Promise<void> => rm(dir, { recursive: true, force: true });
  // A build running right now leaves out/ half written: copy again until the copy is whole.
  for (let attempt = 0; ; attempt++) {
    await remove();
    await mkdir(join(dir, 'out'), { recursive: true });
    try {
      await cp(join(out, 'main'), join(dir, 'out/main'), { recursive: true });
      await cp(join(out, 'renderer'), join(dir, 'out/renderer'), { recursive: true });
      if (await complete(join(dir, 'out'))) break;
    } catch {
      // out/ changed while being copied
    }
    if (attempt >= 60) {
      await remove();
      throw new Error('could not take a whole copy of out/ (is a build running?): run `npm run build`');
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  const entry = (await readFile(join(root, 'test/support/ts-thread-entry.mjs'), 'utf8')).replace(
    "'../../out/main/thread-entry.js'",
    "'./out/main/thread-entry.js'",
  );
  if (!entry.includes("'./out/main/thread-entry.js'"))
    throw new Error('test/support/ts-thread-entry.mjs changed: update build-snapshot.ts');
  const threadEntry = join(dir, 'ts-thread-entry.mjs');
  await writeFile(threadEntry, entry);
  return { dir, cliPath: join(dir, 'out/main/cli.js'), threadEntry, remove };
}
