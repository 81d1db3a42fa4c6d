#!/usr/bin/env node
// Sum the JSON reports of every test runner into one line: "N passed, N failed".
//
//   node scripts/test-summary.mjs [--line] [REPORT_DIR]
//
// REPORT_DIR (default test-results) holds runners.txt (the runners that were
// meant to run, written by scripts/test.sh) and <runner>.json for each.
// Understands vitest's json reporter (jest-style) and Playwright's json reporter.
// A runner with no report, a test file that failed to load, or a run error
// counts as a failure. --line prints only the final line (for .ci/run).
// Exit status: 0 only if every runner reported, nothing failed and something passed.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const lineOnly = args.includes('--line');
const dir = args.find((a) => !a.startsWith('--')) ?? 'test-results';
const say = lineOnly ? () => {} : (msg) => console.log(msg);

/** @returns {{ passed: number, failed: number, skipped: number, notes: string[] }} */
function countVitest(r) {
  const notes = [];
  let failed = r.numFailedTests ?? 0;
  // A file that fails to import or a hook that throws has no failed test: count the file.
  for (const file of r.testResults ?? []) {
    const failedTests = (file.assertionResults ?? []).filter((a) => a.status === 'failed').length;
    if (file.status === 'failed' && failedTests === 0) {
      failed += 1;
      notes.push(`file failed: ${file.name}: ${String(file.message ?? '').split('\n')[0]}`);
    }
  }
  if (r.success === false && failed === 0) {
    failed += 1;
    notes.push('run failed (unhandled error or setup failure)');
  }
  return { passed: r.numPassedTests ?? 0, failed, skipped: (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0), notes };
}

function countPlaywright(r) {
  const s = r.stats;
  const notes = [];
  let failed = s.unexpected ?? 0;
  const errors = r.errors ?? [];
  if (errors.length > 0) {
    failed += errors.length;
    for (const e of errors) notes.push(`run error: ${String(e.message ?? '').split('\n')[0]}`);
  }
  if ((s.flaky ?? 0) > 0) notes.push(`${s.flaky} flaky (passed on retry)`);
  return { passed: (s.expected ?? 0) + (s.flaky ?? 0), failed, skipped: s.skipped ?? 0, notes };
}

function count(report) {
  if (typeof report.numTotalTests === 'number') return countVitest(report);
  if (report.stats && typeof report.stats.expected === 'number') return countPlaywright(report);
  throw new Error('unknown report format');
}

const runnersFile = join(dir, 'runners.txt');
const runners = existsSync(runnersFile)
  ? readFileSync(runnersFile, 'utf8')
      .split('\n')
      .map((s) => s.trim())
      .filter(Boolean)
  : [];

let passed = 0;
let failed = 0;
const problems = [];
if (runners.length === 0) problems.push(`no tests ran (${runnersFile} missing)`);

for (const runner of runners) {
  const file = join(dir, `${runner}.json`);
  if (!existsSync(file)) {
    problems.push(`${runner}: no report at ${file} (did not run or crashed)`);
    continue;
  }
  try {
    const c = count(JSON.parse(readFileSync(file, 'utf8')));
    passed += c.passed;
    failed += c.failed;
    say(`${runner}: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped`);
    for (const n of c.notes) say(`  ${n}`);
  } catch (err) {
    problems.push(`${runner}: unreadable report ${file}: ${err.message}`);
  }
}
if (runners.length > 0 && problems.length === 0 && passed + failed === 0) problems.push('no tests were found');

for (const p of problems) console.log(p);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && problems.length === 0 ? 0 : 1);
