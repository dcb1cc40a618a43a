// Prints one line per tier and the closing total from vitest's JSON reports.
import { readFileSync } from 'node:fs';
import path from 'node:path';

let passed = 0;
let failed = 0;
let skipped = 0;
let missing = 0;
const failures = [];
for (const file of process.argv.slice(2)) {
  let report;
  try {
    report = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    console.log(`${path.basename(file, '.json')}: no report (the tier did not run)`);
    missing += 1;
    continue;
  }
  const tierSkipped = report.numPendingTests + report.numTodoTests;
  // A tier whose run failed outside any test (its global setup: an engine or test user missing)
  // or that ran no test at all has not passed, whatever its counts say.
  const broken =
    report.success === false && report.numFailedTests === 0
      ? ' (the run failed outside the tests: see its output)'
      : report.numPassedTests === 0
        ? ' (no test ran)'
        : '';
  if (broken) missing += 1;
  for (const suite of report.testResults ?? []) {
    for (const test of suite.assertionResults ?? []) {
      if (test.status === 'failed') {
        failures.push(
          `${path.basename(file, '.json')}: ${path.relative(process.cwd(), suite.name)} > ${test.fullName}`,
        );
      }
    }
    // A file that failed to load (an error outside its tests) has no failed test of its own.
    if (suite.status === 'failed' && !(suite.assertionResults ?? []).some((t) => t.status === 'failed')) {
      failures.push(
        `${path.basename(file, '.json')}: ${path.relative(process.cwd(), suite.name)}: ${String(suite.message ?? 'failed outside its tests').split('\n')[0]}`,
      );
    }
  }
  console.log(
    `${path.basename(file, '.json')}: ${report.numPassedTests} passed, ${report.numFailedTests} failed, ${tierSkipped} skipped${broken}`,
  );
  passed += report.numPassedTests;
  failed += report.numFailedTests + (report.numFailedTestSuites ?? 0) * 0;
  skipped += tierSkipped;
}
// The failed tests come last, where a CI log cut to its tail still shows them.
if (failures.length > 0) {
  console.log('failed:');
  for (const line of failures) console.log(`  ${line}`);
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || missing > 0 || passed === 0 ? 1 : 0);
