import { describe, expect, it } from 'vitest';
import { readTar } from '../shared/tar.js';
import type { AgentSpec } from './agent-spec.js';
import { commonParent, createUpload, filesUpload } from './docker-files.js';

const spec = (overrides: Partial<AgentSpec>): AgentSpec => ({
  name: 'agentctl-x',
  image: 'i',
  env: [],
  workingDir: '/workspace',
  user: { uid: 1234, gid: 1235, extraGroups: [], keepHostIds: false },
  labels: {},
  terminal: true,
  mounts: [{ kind: 'home', volume: 'agentctl-x-home', target: '/home/agent' }],
  files: [],
  limits: { cpus: 1, memoryBytes: 1 << 30, memorySwapBytes: 1 << 30, pids: 100 },
  security: { addCapabilities: [], disableLabel: false },
  network: { mode: 'default' },
  ...overrides,
});

const names = async (archive: Buffer) =>
  (await readTar(archive)).map(
    (entry) => `${entry.type} ${entry.name} ${entry.uid}:${entry.gid} ${entry.mode.toString(8)}`,
  );

describe('commonParent', () => {
  it('is the deepest directory above every one', () => {
    expect(commonParent(['/home/agent', '/run/secrets'])).toBe('/');
    expect(commonParent(['/home/agent'])).toBe('/home');
    expect(commonParent(['/run/agentctl/a', '/run/agentctl/b'])).toBe('/run/agentctl');
    expect(commonParent(['/home/agent', '/home/agent/.config'])).toBe('/home');
    expect(commonParent(['/home/ag', '/home/agent'])).toBe('/home');
  });
});

describe('createUpload', () => {
  it('puts the home ownership and every directory of files into one archive, owned by the agent', async () => {
    const upload = await createUpload(
      spec({
        files: [
          { dir: '/run/secrets/', mode: 0o500, files: [{ name: 'KEY', mode: 0o400, content: Buffer.from('v') }] },
        ],
      }),
    );
    expect(upload?.path).toBe('/');
    expect(await names(upload!.archive)).toEqual([
      'directory home/agent 1234:1235 755',
      'directory run/secrets 1234:1235 500',
      'file run/secrets/KEY 1234:1235 400',
    ]);
  });

  it('keeps the home entry alone at /home when there are no files, and a parent before what it holds', async () => {
    expect((await createUpload(spec({})))?.path).toBe('/home');
    const nested = await createUpload(spec({ files: [{ dir: '/home/agent/.config', mode: 0o700, files: [] }] }));
    expect(nested?.path).toBe('/home');
    expect(await names(nested!.archive)).toEqual([
      'directory agent 1234:1235 755',
      'directory agent/.config 1234:1235 700',
    ]);
  });

  it('is undefined when there is nothing to put in', async () => {
    expect(await createUpload(spec({ mounts: [] }))).toBeUndefined();
  });
});

describe('filesUpload', () => {
  it('extracts a directory at its parent', async () => {
    const upload = await filesUpload({ dir: '/run/agentctl/task', mode: 0o700, files: [] }, { uid: 1, gid: 2 });
    expect(upload.path).toBe('/run/agentctl');
    expect(await names(upload.archive)).toEqual(['directory task 1:2 700']);
  });
});
