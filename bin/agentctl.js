#!/usr/bin/env -S node --
// The launcher. `--version` and `--help` alone are answered from files the build wrote, without
// loading the bundle, so they cost little more than Node's own start-up.
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);

// A closed pipe (`agentctl ls | head -1`) ends the program quietly, as other CLIs do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

const fast = args.length === 1 ? { '--version': 'version.json', '-V': 'version.json', '--help': 'help.txt', '-h': 'help.txt' }[args[0]] : undefined;
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
