import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { getDataDir, getWorktreeDir } from '../../config/paths.js';
import type { Config } from '../../config/schema.js';

// The rules a workspace is held to (checked in workspace-safety.ts): what is refused, and how.

/**
 * How a refused directory relates to the workspace:
 * - `self`: the workspace is that directory;
 * - `self-or-inside`: the workspace is it or lies inside it (system directories);
 * - `self-or-contains`: the workspace is it or one of its ancestors (a home directory);
 * - `any`: any of these (credentials, engine state, agentctl's own state).
 */
export type Relation = 'self' | 'self-or-inside' | 'self-or-contains' | 'any';

export interface Rule {
  path: string;
  /** What it is, for the message ("a system directory", "SSH keys"). */
  what: string;
  relation: Relation;
  /** Protected: refused even with --allow-unsafe-workspace. */
  protected: boolean;
  /** Directories inside `path` that are allowed after all (agentctl's worktrees in its data dir). */
  except?: string[];
}

/** Files and directories under a home directory that hold credentials or engine access. */
export const HOME_SECRETS: readonly (readonly [string, string])[] = [
  ['.ssh', 'SSH keys'],
  ['.gnupg', 'GnuPG keys'],
  ['.aws', 'AWS credentials'],
  ['.azure', 'Azure credentials'],
  ['.config/gcloud', 'Google Cloud credentials'],
  ['.kube', 'Kubernetes credentials'],
  ['.docker', 'the Docker configuration and credentials'],
  ['.config/containers', 'the Podman configuration and registry credentials'],
  ['.local/share/containers', 'the Podman storage'],
  ['.colima', "Colima's engine socket"],
  ['.lima', "Lima's engine socket"],
  ['.config/gh', 'the GitHub CLI token'],
  ['.git-credentials', 'git credentials'],
  ['.netrc', 'netrc credentials'],
  ['.npmrc', 'npm credentials'],
  ['.pypirc', 'PyPI credentials'],
  ['.password-store', 'a password store'],
  ['.config/agentctl', "agentctl's user configuration"],
];

/** Refused unless overridden, with everything inside them. */
const SYSTEM_DIRS_POSIX = [
  '/etc',
  '/usr',
  '/bin',
  '/sbin',
  '/lib',
  '/lib32',
  '/lib64',
  '/libx32',
  '/boot',
  '/dev',
  '/proc',
  '/sys',
  '/run',
  '/var/run',
  '/var/lib',
  '/var/log',
  '/var/cache',
  '/var/spool',
  '/var/mail',
  '/var/db',
  '/nix',
  '/snap',
];
const SYSTEM_DIRS_DARWIN = [
  '/System',
  '/Library',
  '/private/etc',
  '/private/var/db',
  '/private/var/root',
  '/private/var/run',
  '/private/var/log',
  '/cores',
];
/** Refused themselves (they hold other people's or other programs' directories); inside is fine. */
const SHARED_ROOTS_POSIX = ['/tmp', '/var/tmp', '/var', '/home', '/root', '/opt', '/srv', '/mnt', '/media'];
const SHARED_ROOTS_DARWIN = [
  '/Users',
  '/Volumes',
  '/Applications',
  '/private',
  '/private/var',
  '/private/tmp',
  '/private/var/folders',
];
/** The engines' own state: their storage and their sockets (mounting them is root on the host). */
const ENGINE_PATHS_POSIX = [
  '/var/lib/docker',
  '/var/lib/containers',
  '/var/run/docker.sock',
  '/run/docker.sock',
  '/run/podman',
  '/run/containerd',
];

export interface WorkspaceSafetyDeps {
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  /** The user's home directory (HOME / os.homedir()). */
  homedir: string;
  config: Pick<Config, 'dataDir' | 'worktreeDir'>;
  /** agentctl's own uid: as root under sudo, the invoking user's home is protected too. */
  hostUser?: { uid: number };
  /** Default fs.promises.realpath. */
  realpath?(file: string): Promise<string>;
  /** The passwd database, to find SUDO_USER's home (default: read /etc/passwd). */
  readPasswd?(): Promise<string>;
}

export async function buildRules(deps: WorkspaceSafetyDeps, p: path.PlatformPath): Promise<Rule[]> {
  const { env } = deps;
  const rules: Rule[] = [];
  const add = (file: string | undefined, what: string, relation: Relation, isProtected: boolean, except?: string[]) => {
    if (file)
      rules.push({ path: p.resolve(file), what, relation, protected: isProtected, ...(except ? { except } : {}) });
  };
  // agentctl's own state: its data (trust records, logs; worktrees are allowed) and user config.
  const dataDir = getDataDir(deps.config, env, deps.homedir);
  add(dataDir, "agentctl's data directory", 'any', true, [getWorktreeDir(deps.config, env, deps.homedir)]);
  add(
    p.join(env.XDG_CONFIG_HOME || p.join(deps.homedir, '.config'), 'agentctl'),
    "agentctl's user configuration",
    'any',
    true,
  );

  const homes = [deps.homedir];
  const sudoHome = await findSudoHome(deps);
  if (sudoHome && sudoHome !== deps.homedir) homes.push(sudoHome);
  for (const home of homes) {
    for (const [relative, what] of HOME_SECRETS) add(p.join(home, relative), what, 'any', true);
    add(
      home,
      home === deps.homedir ? 'your home directory' : `the home directory of ${env.SUDO_USER}`,
      'self-or-contains',
      false,
    );
  }
  // Credentials and engine access where the environment moved them.
  add(env.DOCKER_CONFIG, 'the Docker configuration (DOCKER_CONFIG)', 'any', true);
  for (const file of (env.KUBECONFIG ?? '').split(p.delimiter).filter(Boolean))
    add(file, 'a kubeconfig (KUBECONFIG)', 'any', true);
  add(env.CLOUDSDK_CONFIG, 'Google Cloud credentials (CLOUDSDK_CONFIG)', 'any', true);
  add(env.AWS_SHARED_CREDENTIALS_FILE, 'AWS credentials (AWS_SHARED_CREDENTIALS_FILE)', 'any', true);
  add(env.AWS_CONFIG_FILE, 'the AWS configuration (AWS_CONFIG_FILE)', 'any', true);
  add(env.GNUPGHOME, 'GnuPG keys (GNUPGHOME)', 'any', true);
  add(env.REGISTRY_AUTH_FILE, 'registry credentials (REGISTRY_AUTH_FILE)', 'any', true);
  if (env.XDG_CONFIG_HOME) {
    add(p.join(env.XDG_CONFIG_HOME, 'gcloud'), 'Google Cloud credentials', 'any', true);
    add(p.join(env.XDG_CONFIG_HOME, 'containers'), 'the Podman configuration and registry credentials', 'any', true);
    add(p.join(env.XDG_CONFIG_HOME, 'gh'), 'the GitHub CLI token', 'any', true);
  }
  if (env.XDG_DATA_HOME) add(p.join(env.XDG_DATA_HOME, 'containers'), 'the Podman storage', 'any', true);
  if (env.XDG_RUNTIME_DIR) {
    add(p.join(env.XDG_RUNTIME_DIR, 'containers'), 'registry credentials', 'any', true);
    add(p.join(env.XDG_RUNTIME_DIR, 'podman'), 'the Podman socket', 'any', true);
    add(p.join(env.XDG_RUNTIME_DIR, 'docker.sock'), 'the Docker socket', 'any', true);
  }
  add(env.SSH_AUTH_SOCK, 'the ssh-agent socket (SSH_AUTH_SOCK)', 'any', true);
  for (const variable of ['DOCKER_HOST', 'CONTAINER_HOST'] as const) {
    const value = env[variable];
    if (value?.startsWith('unix://'))
      add(value.slice('unix://'.length), `the engine socket (${variable})`, 'any', true);
  }

  if (deps.platform === 'win32') {
    for (const dir of [env.SystemRoot, env.ProgramFiles, env['ProgramFiles(x86)'], env.ProgramData])
      add(dir, 'a system directory', 'self-or-inside', false);
    add(p.parse(p.resolve(deps.homedir)).root, 'the root of a drive', 'self', false);
    return rules;
  }
  for (const file of ENGINE_PATHS_POSIX) add(file, 'the container engine’s own state', 'any', true);
  add('/', 'the filesystem root', 'self', false);
  for (const dir of SYSTEM_DIRS_POSIX) add(dir, 'a system directory', 'self-or-inside', false);
  for (const dir of SHARED_ROOTS_POSIX) add(dir, 'a directory shared by users or programs', 'self', false);
  if (deps.platform === 'darwin') {
    for (const dir of SYSTEM_DIRS_DARWIN) add(dir, 'a system directory', 'self-or-inside', false);
    for (const dir of SHARED_ROOTS_DARWIN) add(dir, 'a directory shared by users or programs', 'self', false);
  }
  add(env.TMPDIR, 'the temporary directory', 'self', false);
  return rules;
}

/** As root under sudo, the home of the user who ran sudo (from the passwd database). */
async function findSudoHome(deps: WorkspaceSafetyDeps): Promise<string | undefined> {
  const user = deps.env.SUDO_USER;
  if (!user || user === 'root' || deps.hostUser?.uid !== 0) return undefined;
  const passwd = await (deps.readPasswd ?? (() => readFile('/etc/passwd', 'utf8')))().catch(() => '');
  for (const line of passwd.split('\n')) {
    const fields = line.split(':');
    if (fields[0] === user && fields[5]) return fields[5];
  }
  return undefined;
}
