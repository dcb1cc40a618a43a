import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readEnvFile } from './agent-env.js';
import { MAX_INPUT_FILE_BYTES, readInputFile } from './input-file.js';
import { resolveSecrets } from './secrets.js';

const dir = mkdtempSync(join(tmpdir(), 'agentctl-input-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const fifo = join(dir, 'fifo');
execFileSync('mkfifo', [fifo]);
const big = join(dir, 'big');
writeFileSync(big, Buffer.alloc(MAX_INPUT_FILE_BYTES + 1, 'a'));
const empty = join(dir, 'empty');
writeFileSync(empty, '');
const blank = join(dir, 'blank');
writeFileSync(blank, ' \n');

describe('readInputFile', () => {
  it('reads a regular file', async () => {
    const file = join(dir, 'ok');
    writeFileSync(file, 'A=1\n');
    expect((await readInputFile(file)).toString()).toBe('A=1\n');
  });

  it.each([
    ['a FIFO with no writer (it hung)', fifo, 'not a regular file (a FIFO)'],
    ['/dev/zero (it hung, reading forever)', '/dev/zero', 'not a regular file (a character device)'],
    ['a directory', dir, 'not a regular file (a directory)'],
    ['a file over 1 MiB', big, 'larger than 1 MiB'],
    ['a missing file', join(dir, 'missing'), 'ENOENT'],
  ])('refuses %s', async (_title, file, message) => {
    await expect(readInputFile(file)).rejects.toThrow(message);
  });
});

describe('env files and secret files go through it', () => {
  it('--env-file /dev/zero or a FIFO is a usage error, not a hang', async () => {
    for (const file of ['/dev/zero', fifo]) {
      await expect(readEnvFile(file, {})).rejects.toMatchObject({
        code: 'ENV_FILE_UNREADABLE',
        kind: 'usage',
        message: expect.stringContaining('not a regular file'),
      });
    }
  });

  it('an env file with a NUL byte is a usage error naming the line (the runtime refused it at start)', async () => {
    const file = join(dir, 'nul.env');
    writeFileSync(file, 'A=1\nB=x\0y\n');
    await expect(readEnvFile(file, {})).rejects.toMatchObject({
      code: 'INVALID_ENV',
      kind: 'usage',
      message: `The env file ${file} has a NUL byte at line 2`,
    });
  });

  it('--secret K=@/dev/zero, a FIFO or a file over 1 MiB is a usage error, not a hang', async () => {
    for (const file of ['/dev/zero', fifo, big]) {
      await expect(resolveSecrets([`K=@${file}`], [], {}, () => undefined)).rejects.toMatchObject({
        code: 'SECRET_FILE_UNREADABLE',
        kind: 'usage',
      });
    }
  });

  it('an empty (or blank) secret file is refused as an empty variable is', async () => {
    const registered: string[] = [];
    for (const file of [empty, blank]) {
      await expect(resolveSecrets([`K=@${file}`], [], {}, (value) => registered.push(value))).rejects.toMatchObject({
        code: 'SECRET_MISSING',
        kind: 'usage',
        message: `Secret K: the file ${file} is empty`,
      });
    }
    await expect(resolveSecrets(['K'], [], { K: '' }, () => undefined)).rejects.toMatchObject({
      code: 'SECRET_MISSING',
      message: 'Secret K is empty in the environment',
    });
    await expect(resolveSecrets(['K'], [], { K: ' ' }, () => undefined)).rejects.toMatchObject({
      code: 'SECRET_MISSING',
    });
    // Nothing blank was handed to the masker (it would mask every space or newline).
    expect(registered).toEqual([]);
  });
});
