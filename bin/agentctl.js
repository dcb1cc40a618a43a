#!/usr/bin/env node
import { main } from '../dist/cli.js';

// A closed pipe (`agentctl ls | head -1`) ends the program quietly, as other CLIs do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
