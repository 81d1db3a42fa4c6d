#!/usr/bin/env node
/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`): the functions with the
 * most self time and the project functions with the most total time, with
 * bundled locations mapped back to the sources through the bundle's
 * source map (out/bench/queue-bench.js.map).
 *
 *   node --cpu-prof --cpu-prof-dir=bench/results out/bench/queue-bench.js --only conveyor --measure one
 *   node bench/cpu-profile-top.mjs bench/results/CPU.*.cpuprofile [--top 15]
 *
 * Plain Node on purpose: it reads what the bench wrote and needs no build.
 */
import { readFileSync, existsSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { relative } from 'node:path';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '12' } },
});
if (positionals.length !== 1) {
  console.error('usage: node bench/cpu-profile-top.mjs PROFILE.cpuprofile [--top N]');
  process.exit(2);
}
const top = Number(values.top);
const profile = JSON.parse(readFileSync(positionals[0], 'utf8'));
const repo = fileURLToPath(new URL('..', import.meta.url));

const maps = new Map();
function sourceMapFor(url) {
  if (!maps.has(url)) {
    const file = url.startsWith('file://') ? fileURLToPath(url) : url;
    maps.set(url, existsSync(`${file}.map`) ? new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8'))) : null);
  }
  return maps.get(url);
}

/** "fn (src-main/queue/x.ts:12)" for a call frame; bundled frames through the map. */
function where(frame) {
  const name = frame.functionName || '(anonymous)';
  if (!frame.url) return name;
  let file = frame.url.startsWith('file://') ? fileURLToPath(frame.url) : frame.url;
  let line = frame.lineNumber + 1;
  const map = frame.url.includes('out/bench/') ? sourceMapFor(frame.url) : null;
  const hit = map?.findEntry(frame.lineNumber, frame.columnNumber);
  if (hit && hit.originalSource) {
    file = hit.originalSource.startsWith('file://') ? fileURLToPath(hit.originalSource) : hit.originalSource;
    line = hit.originalLine + 1;
  }
  file = file.startsWith('/') ? relative(repo, file) : file;
  return `${name} (${file.replace(/^(\.\.\/)+/, '').replace(/^.*node_modules\//, '')}:${line})`;
}

const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map();
let total = 0;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  self.set(id, (self.get(id) ?? 0) + dt);
  total += dt;
});

const selfByFn = new Map();
const totalByFn = new Map();
// Walk the tree once; a function counts once per stack however deep it recurses.
function walk(id, onStack) {
  const node = nodes.get(id);
  const key = where(node.callFrame);
  const own = self.get(id) ?? 0;
  selfByFn.set(key, (selfByFn.get(key) ?? 0) + own);
  let sum = own;
  const fresh = !onStack.has(key);
  if (fresh) onStack.add(key);
  for (const child of node.children ?? []) sum += walk(child, onStack);
  if (fresh) {
    onStack.delete(key);
    totalByFn.set(key, (totalByFn.get(key) ?? 0) + sum);
  }
  return sum;
}
walk(profile.nodes[0].id, new Set());

const pct = (us) => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
const ms = (us) => `${(us / 1000).toFixed(0).padStart(6)} ms`;
const print = (title, entries) => {
  console.log(`\n${title}`);
  for (const [key, us] of entries.slice(0, top)) console.log(`  ${pct(us)} ${ms(us)}  ${key}`);
};

console.log(`${positionals[0]}: ${(total / 1e6).toFixed(2)} s sampled`);
print('self time (where the CPU is spent)', [...selfByFn].sort((a, b) => b[1] - a[1]));
const ours = /\((src-main|src-shared|bench)\//;
print('total time of project functions (what it is spent for)', [...totalByFn].filter(([k]) => ours.test(k)).sort((a, b) => b[1] - a[1]));
