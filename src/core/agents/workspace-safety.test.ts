import { describe, expect, it } from 'vitest';
import { checkWorkspaceSafety, engineStatePaths, type WorkspaceSafetyDeps } from './workspace-safety.js';

/**
 * A filesystem of existing paths and symlinks (a link replaces a path prefix). realpath of a path
 * that is not there rejects, as the real one does.
 */
function fakeFs(existing: string[], links: Record<string, string> = {}) {
  const there = new Set(existing);
  return async (file: string) => {
    let resolved = file;
    for (const [link, target] of Object.entries(links)) {
      if (resolved === link || resolved.startsWith(`${link}/`)) resolved = target + resolved.slice(link.length);
    }
    resolved = resolved.replace(/\/+$/, '') || '/';
    if (!there.has(resolved)) throw Object.assign(new Error(`ENOENT: ${file}`), { code: 'ENOENT' });
    return resolved;
  };
}

const HOME = '/home/ada';

function deps(
  overrides: Partial<WorkspaceSafetyDeps> = {},
  existing: string[] = [],
  links: Record<string, string> = {},
): WorkspaceSafetyDeps {
  return {
    env: {},
    platform: 'linux',
    homedir: HOME,
    config: {},
    realpath: fakeFs(['/', '/etc', '/tmp', '/home', HOME, `${HOME}/src`, `${HOME}/src/app`, ...existing], links),
    readPasswd: async () => {
      throw new Error('the passwd database is read only as root under sudo');
    },
    ...overrides,
  };
}

describe('checkWorkspaceSafety', () => {
  it('accepts a project directory and hands back its resolved path', async () => {
    await expect(
      checkWorkspaceSafety(deps({}, ['/data/app'], { [`${HOME}/src/link`]: '/data/app' }), `${HOME}/src/link`, false),
    ).resolves.toEqual({ path: '/data/app' });
    await expect(checkWorkspaceSafety(deps(), `${HOME}/src/app`, false)).resolves.toEqual({ path: `${HOME}/src/app` });
  });

  it('accepts subdirectories of the temporary directory but not the directory itself', async () => {
    await expect(checkWorkspaceSafety(deps({}, ['/tmp/agentctl-x']), '/tmp/agentctl-x', false)).resolves.toEqual({
      path: '/tmp/agentctl-x',
    });
    await expect(checkWorkspaceSafety(deps(), '/tmp', false)).rejects.toMatchObject({
      code: 'WORKSPACE_UNSAFE',
      kind: 'usage',
    });
  });

  const refused: [string, string, RegExp][] = [
    ['the filesystem root', '/', /The workspace \/ is the filesystem root: agentctl does not mount it/],
    ['a system directory', '/etc', /The workspace \/etc is a system directory/],
    ['inside a system directory', '/usr/share/doc', /lies inside \/usr \(a system directory\)/],
    ['the home directory', HOME, /is your home directory/],
    ['a directory holding the home directory', '/home', /is a directory shared by users or programs|holds \/home\/ada/],
    ['/var itself', '/var', /is a directory shared by users or programs/],
  ];
  it.each(refused)(
    'refuses %s (WORKSPACE_UNSAFE) and names the override in the hint',
    async (_title, workspace, message) => {
      const error = await checkWorkspaceSafety(deps({}, ['/usr/share/doc', '/var']), workspace, false).catch(
        (caught: unknown) => caught,
      );
      expect(error).toMatchObject({ code: 'WORKSPACE_UNSAFE', kind: 'usage', message: expect.stringMatching(message) });
      expect((error as { hint: string }).hint).toContain('--allow-unsafe-workspace');
    },
  );

  it('refuses a symlink to / with both paths in the message', async () => {
    const error = await checkWorkspaceSafety(deps({}, [], { '/tmp/root-link': '/' }), '/tmp/root-link', false).catch(
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({
      code: 'WORKSPACE_UNSAFE',
      message: 'The workspace /tmp/root-link (resolved: /) is the filesystem root: agentctl does not mount it',
    });
  });

  it('lets --allow-unsafe-workspace through what is only unsafe, saying why it was refused', async () => {
    await expect(checkWorkspaceSafety(deps(), HOME, true)).resolves.toEqual({
      path: HOME,
      overridden: `${HOME} is your home directory`,
    });
    await expect(checkWorkspaceSafety(deps(), '/etc', true)).resolves.toEqual({
      path: '/etc',
      overridden: '/etc is a system directory',
    });
  });

  it('never mounts a directory holding credentials, even with the override', async () => {
    const error = await checkWorkspaceSafety(deps({}, [`${HOME}/.ssh`]), HOME, true).catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      code: 'WORKSPACE_PROTECTED',
      kind: 'usage',
      message: `The workspace ${HOME} holds ${HOME}/.ssh (SSH keys), which is never mounted`,
    });
    expect((error as { hint: string }).hint).toMatch(/does not lift this/);
  });

  it('never mounts / with the override where the home holds credentials', async () => {
    await expect(checkWorkspaceSafety(deps({}, [`${HOME}/.aws`]), '/', true)).rejects.toMatchObject({
      code: 'WORKSPACE_PROTECTED',
      message: expect.stringContaining('.aws (AWS credentials)'),
    });
  });

  it('names what the workspace is first, and does not offer the override where it could not help', async () => {
    const error = await checkWorkspaceSafety(deps({}, [`${HOME}/.ssh`]), '/', false).catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      code: 'WORKSPACE_UNSAFE',
      message: 'The workspace / is the filesystem root: agentctl does not mount it',
    });
    expect((error as { hint: string }).hint).toBe(
      `Pass a project directory with --workspace DIR (this one also holds ${HOME}/.ssh (SSH keys), which is never mounted)`,
    );
  });

  it('refuses a workspace inside a credentials directory', async () => {
    await expect(
      checkWorkspaceSafety(deps({}, [`${HOME}/.kube`, `${HOME}/.kube/cache`]), `${HOME}/.kube/cache`, true),
    ).rejects.toMatchObject({
      code: 'WORKSPACE_PROTECTED',
      message: expect.stringContaining('lies inside /home/ada/.kube'),
    });
  });

  it('refuses a project directory that a credentials link resolves into', async () => {
    // ~/.ssh is a link into the project: the project holds the keys.
    const d = deps({}, ['/data/app', '/data/app/keys'], { [`${HOME}/.ssh`]: '/data/app/keys' });
    await expect(checkWorkspaceSafety(d, '/data/app', false)).rejects.toMatchObject({
      code: 'WORKSPACE_PROTECTED',
      message: expect.stringContaining(`holds ${HOME}/.ssh`),
    });
  });

  it('protects credentials the environment moved (DOCKER_CONFIG, KUBECONFIG, SSH_AUTH_SOCK)', async () => {
    const env = {
      DOCKER_CONFIG: '/data/app/.docker',
      KUBECONFIG: '/etc/kube.conf:/data/other/kube',
      SSH_AUTH_SOCK: '/data/sock/agent.1',
    };
    const existing = [
      '/data/app',
      '/data/app/.docker',
      '/data/other',
      '/data/other/kube',
      '/data/sock',
      '/data/sock/agent.1',
    ];
    for (const [workspace, what] of [
      ['/data/app', 'DOCKER_CONFIG'],
      ['/data/other', 'KUBECONFIG'],
      ['/data/sock', 'SSH_AUTH_SOCK'],
    ]) {
      await expect(checkWorkspaceSafety(deps({ env }, existing), workspace!, true)).rejects.toMatchObject({
        code: 'WORKSPACE_PROTECTED',
        message: expect.stringContaining(what!),
      });
    }
  });

  it("refuses agentctl's data directory and what holds it, but not the worktrees agentctl makes in it", async () => {
    const data = `${HOME}/.local/share/agentctl`;
    const existing = [
      `${HOME}/.local`,
      `${HOME}/.local/share`,
      data,
      `${data}/logs`,
      `${data}/worktrees`,
      `${data}/worktrees/app-1a2b/fixer`,
    ];
    await expect(checkWorkspaceSafety(deps({}, existing), data, true)).rejects.toMatchObject({
      code: 'WORKSPACE_PROTECTED',
      message: expect.stringContaining("agentctl's data directory"),
    });
    await expect(checkWorkspaceSafety(deps({}, existing), `${data}/logs`, true)).rejects.toMatchObject({
      code: 'WORKSPACE_PROTECTED',
    });
    await expect(checkWorkspaceSafety(deps({}, existing), `${HOME}/.local`, true)).rejects.toMatchObject({
      code: 'WORKSPACE_PROTECTED',
    });
    await expect(checkWorkspaceSafety(deps({}, existing), `${data}/worktrees/app-1a2b/fixer`, false)).resolves.toEqual({
      path: `${data}/worktrees/app-1a2b/fixer`,
    });
  });

  it('follows XDG_DATA_HOME and config dataDir for the data directory', async () => {
    const existing = ['/srv/state', '/srv/state/agentctl', '/srv/agentctl-data'];
    await expect(
      checkWorkspaceSafety(deps({ env: { XDG_DATA_HOME: '/srv/state' } }, existing), '/srv/state/agentctl', true),
    ).rejects.toMatchObject({ code: 'WORKSPACE_PROTECTED' });
    await expect(
      checkWorkspaceSafety(deps({ config: { dataDir: '/srv/agentctl-data' } }, existing), '/srv/agentctl-data', true),
    ).rejects.toMatchObject({ code: 'WORKSPACE_PROTECTED' });
  });

  it("refuses the engines' storage and sockets, and what the engine itself reports", async () => {
    await expect(
      checkWorkspaceSafety(deps({}, ['/var/lib/docker', '/var/lib/docker/volumes']), '/var/lib/docker/volumes', true),
    ).rejects.toMatchObject({ code: 'WORKSPACE_PROTECTED', message: expect.stringContaining('/var/lib/docker') });
    const extra = engineStatePaths('/data/engine', '/data/sockets/engine.sock');
    const existing = ['/data/engine', '/data/sockets', '/data/sockets/engine.sock'];
    await expect(checkWorkspaceSafety(deps({}, existing), '/data/engine', true, extra)).rejects.toMatchObject({
      code: 'WORKSPACE_PROTECTED',
      message: expect.stringContaining("the engine's storage"),
    });
    await expect(checkWorkspaceSafety(deps({}, existing), '/data/sockets', true, extra)).rejects.toMatchObject({
      code: 'WORKSPACE_PROTECTED',
      message: expect.stringContaining("the engine's socket"),
    });
  });

  it('as root under sudo, protects the invoking user too', async () => {
    const d = deps(
      {
        homedir: '/root',
        env: { SUDO_USER: 'ada' },
        hostUser: { uid: 0 },
        readPasswd: async () => 'root:x:0:0:root:/root:/bin/bash\nada:x:1000:1000:Ada:/home/ada:/bin/bash\n',
      },
      ['/root'],
    );
    await expect(checkWorkspaceSafety(d, HOME, false)).rejects.toMatchObject({
      code: 'WORKSPACE_UNSAFE',
      message: expect.stringContaining('the home directory of ada'),
    });
    await expect(checkWorkspaceSafety(d, `${HOME}/src/app`, false)).resolves.toEqual({ path: `${HOME}/src/app` });
  });

  it('on macOS, compares without case and knows its system directories', async () => {
    const d = deps(
      { platform: 'darwin', homedir: '/Users/ada' },
      ['/Users', '/Users/ada', '/System', '/private/var/folders/xy/T/agentctl-1'],
      { '/var': '/private/var' },
    );
    await expect(checkWorkspaceSafety(d, '/users/ADA', false)).rejects.toMatchObject({ code: 'WORKSPACE_UNSAFE' });
    await expect(checkWorkspaceSafety(d, '/System', false)).rejects.toMatchObject({ code: 'WORKSPACE_UNSAFE' });
    await expect(checkWorkspaceSafety(d, '/var/folders/xy/T/agentctl-1', false)).resolves.toEqual({
      path: '/private/var/folders/xy/T/agentctl-1',
    });
  });
});
