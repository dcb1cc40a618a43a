// Writes docs/commands.md from agentctl's own program definition (commands, arguments, options,
// examples, exit codes). `--check` exits 1 instead when the committed file is stale.
import { build } from 'esbuild';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = new URL('..', import.meta.url);
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'));
const cache = new URL('node_modules/.cache/agentctl-docs/', root);
mkdirSync(cache, { recursive: true });
const entry = new URL('generate-entry.mjs', cache);
await build({
  entryPoints: [fileURLToPath(new URL('src/docs/generate-entry.ts', root))],
  outfile: fileURLToPath(entry),
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  define: {
    __AGENTCTL_VERSION__: JSON.stringify(pkg.version),
    __AGENTCTL_IMAGE_REPOSITORY__: JSON.stringify(pkg.agentImage.repository),
    __AGENTCTL_IMAGE_VERSION__: JSON.stringify(pkg.agentImage.version),
    __AGENTCTL_IMAGE_DIGESTS__: JSON.stringify(pkg.agentImage.digests ?? {}),
  },
  logLevel: 'warning',
});
const { generateCommandReference } = await import(`${entry.href}?t=${Date.now()}`);
const target = new URL('docs/commands.md', root);
const text = generateCommandReference();
if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    // missing counts as stale
  }
  if (current !== text) {
    console.error('docs/commands.md is stale: run `npm run docs`');
    process.exit(1);
  }
} else {
  writeFileSync(target, text);
  console.error('wrote docs/commands.md');
}
