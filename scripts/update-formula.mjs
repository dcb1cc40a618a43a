#!/usr/bin/env node
// Points Formula/agentctl.rb at a packed agentctl tarball: url, sha256 and the pinned image tag
// its test checks, all read from the tarball itself. The release workflow runs it on the tarball
// it publishes, then opens the formula bump pull request.
//
//   node scripts/update-formula.mjs <agentctl-X.Y.Z.tgz> [--formula PATH] [--url URL]
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { formula: { type: 'string', default: 'Formula/agentctl.rb' }, url: { type: 'string' } },
});
const [tarball] = positionals;
if (!tarball) {
  console.error('usage: node scripts/update-formula.mjs <agentctl-X.Y.Z.tgz> [--formula PATH] [--url URL]');
  process.exit(2);
}

const sha256 = createHash('sha256').update(readFileSync(tarball)).digest('hex');
const pkg = JSON.parse(execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }));
const url =
  values.url ?? `https://github.com/agentctl/agentctl/releases/download/v${pkg.version}/agentctl-${pkg.version}.tgz`;

function replaceOnce(text, pattern, replacement, what) {
  if (!pattern.test(text)) throw new Error(`${values.formula}: cannot find the ${what}`);
  return text.replace(pattern, replacement);
}

let formula = readFileSync(values.formula, 'utf8');
formula = replaceOnce(formula, /^(\s*url )"[^"]*"$/m, `$1"${url}"`, 'url line');
formula = replaceOnce(formula, /^(\s*sha256 )"[0-9a-f]*"$/m, `$1"${sha256}"`, 'sha256 line');
formula = replaceOnce(
  formula,
  /^(\s*assert_equal )"[^"]*"(, report\["image"\]\["tag"\])$/m,
  `$1"${pkg.agentImage.version}"$2`,
  'pinned image tag assertion',
);
writeFileSync(values.formula, formula);
console.log(
  JSON.stringify({ formula: values.formula, version: pkg.version, url, sha256, imageTag: pkg.agentImage.version }),
);
