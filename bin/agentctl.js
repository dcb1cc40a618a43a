#!/usr/bin/env -S node --
// The launcher. `--version` and `--help` alone are answered from files the build wrote, without
// loading the bundle, so they cost little more than Node's own start-up.
import { readFileSync } from 'node:fs';
import module from 'node:module';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

const args = process.argv.slice(2);

// A closed pipe (`agentctl ls | head -1`) ends the program quietly, as other CLIs do. While a
// command still runs (`agentctl run … | head -1`), it is stopped as by SIGTERM, so an agent it
// started is stopped and cleaned up rather than left running.
let pipeClosed = false;
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code !== 'EPIPE') throw error;
    if (pipeClosed) return;
    pipeClosed = true;
    if (process.listenerCount('SIGTERM') > 0) process.emit('SIGTERM', 'SIGTERM');
    else process.exit(process.exitCode ?? 0);
  });
}

// help.txt is rendered 80 columns wide, as the program renders help off a terminal; on a terminal
// of another width the program renders it, so that it wraps like every command's own --help.
const fastFile =
  args.length === 1
    ? { '--version': 'version.json', '-V': 'version.json', '--help': 'help.txt', '-h': 'help.txt' }[args[0]]
    : undefined;
const fast = fastFile === 'help.txt' && process.stdout.isTTY && process.stdout.columns !== 80 ? undefined : fastFile;
let answered = false;
if (fast) {
  try {
    const text = readFileSync(new URL(`../dist/${fast}`, import.meta.url), 'utf8');
    process.stdout.write(fast === 'version.json' ? `${JSON.parse(text).version}\n` : text);
    answered = true;
  } catch {
    // Fall through to the full program.
  }
}
if (!answered) {
  enableCompileCache();
  const { main } = await import('../dist/cli.js');
  process.exitCode = await main(args);
}

/**
 * Node >= 22.1 keeps the bundle's compiled code between runs (module.enableCompileCache), so each
 * command does not parse it again. Feature-detected: Node 20 has no such call and runs as before.
 * The cache is agentctl's own, in the user's cache directory ($XDG_CACHE_HOME/agentctl/compile-cache,
 * ~/Library/Caches on macOS, %LOCALAPPDATA% on Windows). NODE_COMPILE_CACHE (a directory of the
 * user's choice) and NODE_DISABLE_COMPILE_CACHE are Node's own and win. A cache that cannot be
 * used (unwritable directory) is only skipped: Node reports it in the return value, never throws.
 */
function enableCompileCache() {
  if (typeof module.enableCompileCache !== 'function') return;
  if (process.env.NODE_DISABLE_COMPILE_CACHE || process.env.NODE_COMPILE_CACHE) return;
  try {
    module.enableCompileCache(join(userCacheDir(), 'agentctl', 'compile-cache'));
  } catch {
    // No cache: the program runs as it does without one.
  }
}

function userCacheDir() {
  const env = process.env;
  if (process.platform === 'win32' && env.LOCALAPPDATA) return env.LOCALAPPDATA;
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Caches');
  return env.XDG_CACHE_HOME && isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : join(homedir(), '.cache');
}
