// Bundles the CLI into dist/ so that an installed agentctl has no runtime dependencies and starts
// fast. Heavy modules are loaded with dynamic import() and land in their own chunks.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
// What the config validation cache (src/config/validation-cache.ts) is keyed by: a hash of every
// file of src/config and of the version, so a build with another schema never trusts an old answer.
const configDir = new URL('../src/config/', import.meta.url);
const buildId = createHash('sha256')
  .update(pkg.version)
  .update(
    readdirSync(configDir)
      .filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts'))
      .sort()
      .map((name) => name + '\0' + readFileSync(new URL(name, configDir), 'utf8'))
      .join('\0'),
  )
  .digest('hex')
  .slice(0, 16);
const require = createRequire(import.meta.url);

// docker-modem loads ssh2 (only needed for ssh:// hosts) and dockerode loads its BuildKit session
// (gRPC, only needed for BuildKit builds) at the top of their modules. Those two requires are
// replaced with shims that require the real module inside the function, and the real modules are
// bundled into their own CommonJS files (dist/lazy-*.cjs): kept in the dockerode chunk, their
// ~1.4 MB of source was still parsed on every engine command even though it never ran (no upstream
// issue found).
const lazyModules = {
  './ssh': { source: require.resolve('docker-modem/lib/ssh.js'), file: 'lazy-ssh.cjs' },
  './session': { source: require.resolve('dockerode/lib/session.js'), file: 'lazy-session.cjs' },
  // Required inside followProgress already: no shim needed, only its own file (protobufjs).
  './buildkit': { source: require.resolve('dockerode/lib/buildkit.js'), file: 'lazy-buildkit.cjs', inline: true },
};
// Every patch below records that it applied: when an upstream release renames a file it patches,
// the build fails instead of quietly putting the heavy module back on the start-up path.
const applied = new Set();
const deferHeavyModules = {
  name: 'defer-heavy-modules',
  setup(b) {
    b.onResolve({ filter: /^\.\/(ssh|session|buildkit)$/ }, (args) => {
      if (!/[\\/](docker-modem|dockerode)[\\/]lib$/.test(args.resolveDir)) return undefined;
      const lazy = lazyModules[args.path];
      applied.add(`defer ${args.path}`);
      if (lazy.inline) return { path: `./${lazy.file}`, external: true };
      return { path: args.path, namespace: 'lazy-shim', pluginData: lazy.file };
    });
    b.onResolve({ filter: /^\.\/lazy-[a-z]+\.cjs$/ }, (args) => ({ path: args.path, external: true }));
    b.onLoad({ filter: /.*/, namespace: 'lazy-shim' }, (args) => ({
      // `require` is the banner's createRequire(import.meta.url): relative to the chunk in dist/.
      contents: `module.exports = function () { return require(${JSON.stringify(`./${args.pluginData}`)}).apply(this, arguments); };`,
      loader: 'js',
      resolveDir: '.',
    }));
  },
};

// The Kubernetes client (@kubernetes/client-node, ~14 MB as bundled source) is loaded only by the
// Kubernetes backend: it is built on its own, minified, into dist/lazy-kubernetes.mjs.
const kubernetesClient = { source: 'src/runtime/kubernetes/client-node.ts', file: 'lazy-kubernetes.mjs' };
const deferKubernetesClient = {
  name: 'defer-kubernetes-client',
  setup(b) {
    b.onResolve({ filter: /^\.\/client-node\.js$/ }, (args) => {
      if (!/[\\/]runtime[\\/]kubernetes$/.test(args.resolveDir)) return undefined;
      applied.add('defer client-node');
      return { path: `./${kubernetesClient.file}`, external: true };
    });
  },
};

// zod re-exports every message locale (~340 kB, parsed on each command that loads the config);
// agentctl uses only the default English messages, so the bundle keeps just that one.
const englishOnlyZod = {
  name: 'english-only-zod',
  setup(b) {
    b.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, () => {
      applied.add('zod english only');
      return { contents: 'export { default as en } from "./en.js";', loader: 'js' };
    });
  },
};

// Build into a fresh directory and swap it in at the end, so a running agentctl (or a test run in
// another terminal) never sees a half-written dist/.
const outdir = `dist.tmp-${process.pid}`;
rmSync(outdir, { recursive: true, force: true });
const result = await build({
  entryPoints: ['src/cli.ts'],
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minifySyntax: true,
  legalComments: 'none',
  external: ['*.node', 'cpu-features', 'typescript'],
  metafile: true,
  define: {
    __AGENTCTL_VERSION__: JSON.stringify(pkg.version),
    __AGENTCTL_IMAGE_REPOSITORY__: JSON.stringify(pkg.agentImage.repository),
    __AGENTCTL_IMAGE_VERSION__: JSON.stringify(pkg.agentImage.version),
    __AGENTCTL_IMAGE_DIGESTS__: JSON.stringify(pkg.agentImage.digests ?? {}),
    __AGENTCTL_BUILD_ID__: JSON.stringify(buildId),
  },
  // CommonJS dependencies bundled into ESM still call require() for Node built-ins.
  banner: {
    js: "import { createRequire as __agentctlCreateRequire } from 'node:module'; const require = __agentctlCreateRequire(import.meta.url);",
  },
  plugins: [deferHeavyModules, deferKubernetesClient, englishOnlyZod],
  logLevel: 'warning',
});
const expected = [...Object.keys(lazyModules).map((name) => `defer ${name}`), 'defer client-node', 'zod english only'];
const missing = expected.filter((patch) => !applied.has(patch));
if (missing.length > 0) {
  rmSync(outdir, { recursive: true, force: true });
  throw new Error(
    `build: these bundle patches matched nothing (an upstream file moved?): ${missing.join(', ')}. Update scripts/build.mjs.`,
  );
}
for (const { source, file } of Object.values(lazyModules)) {
  await build({
    entryPoints: [source],
    outfile: `${outdir}/${file}`,
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    minifySyntax: true,
    legalComments: 'none',
    external: ['*.node', 'cpu-features'],
    logLevel: 'warning',
  });
}
await build({
  entryPoints: [kubernetesClient.source],
  outfile: `${outdir}/${kubernetesClient.file}`,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: true,
  legalComments: 'none',
  external: ['*.node'],
  banner: {
    js: "import { createRequire as __agentctlCreateRequire } from 'node:module'; const require = __agentctlCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
// The egress gateway's proxy program (src/egress/proxy/main.ts): one self-contained CommonJS file
// that runs with plain `node` in the gateway container, without node_modules.
await build({
  entryPoints: ['src/egress/proxy/main.ts'],
  outfile: `${outdir}/egress-proxy.cjs`,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  minifySyntax: true,
  legalComments: 'none',
  logLevel: 'warning',
});
if (process.env.AGENTCTL_BUILD_ANALYZE) {
  const { analyzeMetafile } = await import('esbuild');
  console.log(await analyzeMetafile(result.metafile, { verbose: false }));
}

// `agentctl --version` and `agentctl --help` are answered by bin/agentctl.js without loading the
// bundle: the help text is rendered here from the program's own definition, so it cannot drift.
const { writeFileSync } = await import('node:fs');
writeFileSync(
  `${outdir}/cli-entry-probe.mjs`,
  "import { main } from './cli.js'; process.exitCode = await main(['--help'], { handleSignals: false, env: { NO_COLOR: '1' } });\n",
);
const { execFileSync } = await import('node:child_process');
const help = execFileSync(process.execPath, [`${outdir}/cli-entry-probe.mjs`], {
  env: { ...process.env, NO_COLOR: '1', COLUMNS: '80' },
});
writeFileSync(`${outdir}/help.txt`, help);
writeFileSync(`${outdir}/version.json`, JSON.stringify({ version: pkg.version }));
rmSync(`${outdir}/cli-entry-probe.mjs`);
const { renameSync } = await import('node:fs');
const old = `dist.old-${process.pid}`;
try {
  renameSync('dist', old);
} catch {
  // no previous build
}
renameSync(outdir, 'dist');
rmSync(old, { recursive: true, force: true });
