// Validates .github/workflows/*.yml (or the files given) against GitHub's published workflow
// schema with action-validator, after proving on a known-broken workflow that it rejects one.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const validator = path.join(root, 'node_modules', '@action-validator', 'cli', 'cli.mjs');

function validate(file) {
  const result = spawnSync(process.execPath, [validator, file], { encoding: 'utf8' });
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}`.trim() };
}

// A validator that accepts anything would pass every workflow: check it rejects a typo first.
const scratch = mkdtempSync(path.join(tmpdir(), 'agentctl-workflows-'));
try {
  const broken = path.join(scratch, 'broken.yml');
  writeFileSync(broken, 'on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    step:\n      - run: echo hi\n');
  if (validate(broken).ok) {
    console.error('validate-workflows: the validator accepted a broken workflow; it cannot be trusted');
    process.exit(1);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

const dir = path.join(root, '.github', 'workflows');
const files =
  process.argv.length > 2
    ? process.argv.slice(2)
    : readdirSync(dir)
        .filter((f) => /\.ya?ml$/.test(f))
        .map((f) => path.join(dir, f));
let failed = 0;
for (const file of files) {
  const { ok, output } = validate(file);
  console.error(`${ok ? 'ok  ' : 'FAIL'} ${path.relative(root, file)}`);
  if (!ok) {
    failed += 1;
    console.error(output);
  }
}
process.exit(failed ? 1 : 0);
