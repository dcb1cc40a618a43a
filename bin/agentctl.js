#!/usr/bin/env -S node --
// The launcher. `--version` and `--help` alone are answered from files the build wrote, without
// loading the bundle, so they cost little more than Node's own start-up.
import { readFileSync } from 'node:fs';

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
  const { main } = await import('../dist/cli.js');
  process.exitCode = await main(args);
}
