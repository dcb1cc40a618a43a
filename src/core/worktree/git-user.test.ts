import { chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { getGitUserFor } from './git-user.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

describe('getGitUserFor', () => {
  it('runs git as agentctl itself unless agentctl is root', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'agentctl-gu-'));
    dirs.push(dir);
    expect(await getGitUserFor(dir, { uid: 1000 })).toBeUndefined();
    expect(await getGitUserFor(dir, undefined)).toBeUndefined();
  });

  it.runIf(process.getuid?.() === 0)(
    'as root, runs git as the owner of a repository a regular user owns, with their home',
    async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'agentctl-gu-'));
      dirs.push(dir);
      const passwd = path.join(dir, 'passwd');
      writeFileSync(passwd, 'root:x:0:0:root:/root:/bin/sh\ndev:x:4321:4322:Dev:/home/dev:/bin/sh\n');
      expect(await getGitUserFor(dir, { uid: 0 }, passwd)).toBeUndefined();
      chownSync(dir, 4321, 4322);
      expect(await getGitUserFor(dir, { uid: 0 }, passwd)).toEqual({ uid: 4321, gid: 4322, home: '/home/dev' });
      chownSync(dir, 5555, 5555);
      expect(await getGitUserFor(dir, { uid: 0 }, passwd)).toEqual({ uid: 5555, gid: 5555, home: '/nonexistent' });
    },
  );
});
