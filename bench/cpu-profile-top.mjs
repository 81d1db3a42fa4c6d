#!/usr/bin/env node
/**
 * Summarises V8 .cpuprofile files (the bench's --profile DIR, or `node
 * --cpu-prof`): the functions with the most self time, and the project
 * functions with the most total time, as shares of the busy (non-idle) time.
 * Bundled locations are mapped back to the sources through the bundle's
 * source map (out/bench/queue-bench.js.map). Several files are added up;
 * the profiler's own start/stop (node:inspector) is left out.
 *
 *   npm run bench -- --only conveyor --profile bench/results/prof
 *   node bench/cpu-profile-top.mjs bench/results/prof/one-conveyor-*.cpuprofile [--top 15]
 *
 * Plain Node on purpose: it reads what the bench wrote and needs no build.
 */
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '12' } },
});
if (positionals.length === 0) {
  console.error('usage: node bench/cpu-profile-top.mjs PROFILE.cpuprofile... [--top N]');
  process.exit(2);
}
const top = Number(values.top);
const repo = fileURLToPath(new URL('..', import.meta.url));
const IDLE = new Set(['(idle)', '(program)']);

const maps = new Map();
function sourceMapFor(file) {
  if (!maps.has(file)) {
    maps.set(file, existsSync(`${file}.map`) ? new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8'))) : null);
  }
  return maps.get(file);
}

const toPath = (url) => (url.startsWith('file://') ? fileURLToPath(url) : url);

/** "fn (src-main/queue/x.ts:12)" for a call frame; bundled frames go through the map. */
function where(frame) {
  const name = frame.functionName || '(anonymous)';
  if (!frame.url) return name;
  let file = toPath(frame.url);
  let line = frame.lineNumber + 1;
  const hit = file.includes('/out/bench/') ? sourceMapFor(file)?.findEntry(frame.lineNumber, frame.columnNumber) : undefined;
  if (hit?.originalSource) {
    file = toPath(hit.originalSource);
    line = hit.originalLine + 1;
  }
  if (file.startsWith('/')) file = relative(repo, file);
  return `${name} (${file.replace(/^(\.\.\/)+/, '').replace(/^.*node_modules\//, '')}:${line})`;
}

const selfByFn = new Map();
const totalByFn = new Map();
let busy = 0;
let idle = 0;
const add = (m, k, v) => m.set(k, (m.get(k) ?? 0) + v);

for (const path of positionals) {
  const profile = JSON.parse(readFileSync(path, 'utf8'));
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  profile.samples.forEach((id, i) => add(self, id, profile.timeDeltas[i] ?? 0));
  // One walk of the tree; a function counts once per stack however deep it recurses.
  const walk = (id, onStack) => {
    const node = nodes.get(id);
    // The bench's own Profiler.start/stop calls: not the code under test.
    if (node.callFrame.url === 'node:inspector') return 0;
    const key = where(node.callFrame);
    const own = self.get(id) ?? 0;
    if (IDLE.has(key)) idle += own;
    else {
      busy += own;
      add(selfByFn, key, own);
    }
    let sum = IDLE.has(key) ? 0 : own;
    const fresh = !onStack.has(key);
    if (fresh) onStack.add(key);
    for (const child of node.children ?? []) sum += walk(child, onStack);
    if (fresh) {
      onStack.delete(key);
      add(totalByFn, key, sum);
    }
    return sum;
  };
  walk(profile.nodes[0].id, new Set());
}

const pct = (us) => `${((100 * us) / busy).toFixed(1).padStart(5)}%`;
const ms = (us) => `${(us / 1000).toFixed(0).padStart(6)} ms`;
const print = (title, entries) => {
  console.log(`\n${title}`);
  for (const [key, us] of entries.slice(0, top)) console.log(`  ${pct(us)} ${ms(us)}  ${key}`);
};

console.log(
  `${positionals.length} profile(s): ${((busy + idle) / 1e6).toFixed(2)} s sampled, ` +
    `${(busy / 1e6).toFixed(2)} s busy (${((100 * busy) / (busy + idle)).toFixed(0)}%); shares below are of busy time`,
);
print(
  'self time (where the CPU goes)',
  [...selfByFn].sort((a, b) => b[1] - a[1]),
);
const ours = /\((src-main|src-shared)\//;
print(
  'total time of Conveyor functions (what it goes to)',
  [...totalByFn].filter(([k]) => ours.test(k)).sort((a, b) => b[1] - a[1]),
);
