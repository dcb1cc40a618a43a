import { describe, expect, it } from 'vitest';
import { parsePathStat } from './dockerode-archive.js';

const header = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64');

// X-Docker-Container-Path-Stat as Docker 20.10 and Podman 4.3 sent it for a directory (0755), a
// setuid file (4755), a link to /etc and a named pipe (0644).
describe('parsePathStat', () => {
  it.each([
    ['docker', { name: 'd', size: 4096, mode: 2147484141, linkTarget: '' }, { kind: 'directory', mode: 0o755 }],
    ['docker', { name: 'f', size: 2, mode: 8389101, linkTarget: '' }, { kind: 'file', mode: 0o4755, size: 2 }],
    [
      'docker',
      { name: 'l', size: 4, mode: 134218239, linkTarget: '/etc' },
      { kind: 'symlink', mode: 0o777, linkTarget: '/etc' },
    ],
    ['docker', { name: 'p', size: 0, mode: 33554852, linkTarget: '' }, { kind: 'other', mode: 0o644 }],
    [
      'podman',
      { name: 'd', size: 4096, mode: 2147484141, isDir: true, linkTarget: '/tmp/d' },
      { kind: 'directory', linkTarget: '' },
    ],
    [
      'podman',
      { name: 'f', size: 2, mode: 8389101, isDir: false, linkTarget: '/tmp/d/f' },
      { kind: 'file', linkTarget: '' },
    ],
    [
      'podman',
      { name: 'etc', size: 4, mode: 134218239, isDir: true, linkTarget: '/etc' },
      { kind: 'symlink', linkTarget: '/etc' },
    ],
  ])('%s: %j', (_engine, raw, expected) => {
    expect(parsePathStat(header(raw))).toMatchObject(expected);
  });

  it('no header: nothing known', () => {
    expect(parsePathStat(undefined)).toBeUndefined();
    expect(parsePathStat('')).toBeUndefined();
  });
});
