#!/usr/bin/env node
// Sum the JSON reports of every test runner into one line: "N passed, N failed".
//
//   node scripts/test-summary.mjs [--line] [REPORT_DIR]
//
// REPORT_DIR (default test-results) holds runners.txt (the runners that were
// meant to run, written by scripts/test.sh) and <runner>.json for each.
// Understands vitest's json reporter (jest-style) and Playwright's json reporter.
// A runner with no report, a test file that failed to load, or a run error
// counts as a failure. --line prints only the failed tests' names and the
// final line (for .ci/run, whose output is read from its tail).
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
    const failedTests = (file.assertionResults ?? []).filter((a) => a.status === 'failed');
    for (const a of file.assertionResults ?? []) {
      // Passed, with the errors of an earlier try: it passed only when run again (CI's retry).
      if (a.status === 'passed' && (a.failureMessages ?? []).length > 0) {
        notes.push(`flaky (passed on retry): ${relative(file.name)} › ${a.fullName ?? a.title}: ${firstLine(a.failureMessages[0])}`);
      }
    }
    for (const a of failedTests) {
      notes.push(`failed: ${relative(file.name)} › ${a.fullName ?? a.title}: ${firstLine(a.failureMessages?.[0])}`);
    }
    if (file.status === 'failed' && failedTests.length === 0) {
      failed += 1;
      notes.push(`file failed: ${relative(file.name)}: ${firstLine(file.message)}`);
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
  for (const t of playwrightTests(r.suites ?? [], [])) {
    if (t.status === 'unexpected') notes.push(`failed: ${t.title}: ${firstLine(t.error)}`);
    if (t.status === 'flaky') notes.push(`flaky (passed on retry): ${t.title}: ${firstLine(t.firstError)}`);
  }
  let failed = s.unexpected ?? 0;
  const errors = r.errors ?? [];
  if (errors.length > 0) {
    failed += errors.length;
    for (const e of errors) notes.push(`run error: ${firstLine(e.message)}`);
  }
  return { passed: (s.expected ?? 0) + (s.flaky ?? 0), failed, skipped: s.skipped ?? 0, notes };
}

/** Flattens Playwright's suites into { title, status, error, firstError } per test. */
function playwrightTests(suites, path) {
  const out = [];
  for (const suite of suites) {
    const here = suite.title ? [...path, suite.title] : path;
    for (const spec of suite.specs ?? []) {
      for (const t of spec.tests ?? []) {
        const results = t.results ?? [];
        out.push({
          title: [...here, spec.title].join(' › '),
          status: t.status,
          error: results[results.length - 1]?.error?.message,
          firstError: results[0]?.error?.message,
        });
      }
    }
    out.push(...playwrightTests(suite.suites ?? [], here));
  }
  return out;
}

const firstLine = (text) =>
  String(text ?? '')
    .split('\n')[0]
    .slice(0, 300);
const relative = (file) => String(file).replace(/^.*?\/(test\/)/, '$1');

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
    // Which tests failed is printed even with --line: CI shows only the tail of the output.
    for (const n of c.notes) (lineOnly && !/^(failed|file failed|flaky)/.test(n) ? say : console.log)(`  ${n}`);
  } catch (err) {
    problems.push(`${runner}: unreadable report ${file}: ${err.message}`);
  }
}
if (runners.length > 0 && problems.length === 0 && passed + failed === 0) problems.push('no tests were found');

for (const p of problems) console.log(p);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && problems.length === 0 ? 0 : 1);
