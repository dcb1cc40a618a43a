import { readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import { getDataDir, getWorktreeDir } from '../../config/paths.js';
import type { Config } from '../../config/schema.js';
import { UsageError } from '../../shared/errors.js';

/** The flag that lets a user mount a refused (but not a protected) directory; never a config key. */
export const UNSAFE_WORKSPACE_FLAG = '--allow-unsafe-workspace';

/**
 * How a refused directory relates to the workspace:
 * - `self`: the workspace is that directory;
 * - `self-or-inside`: the workspace is it or lies inside it (system directories);
 * - `self-or-contains`: the workspace is it or one of its ancestors (a home directory);
 * - `any`: any of these (credentials, engine state, agentctl's own state).
 */
type Relation = 'self' | 'self-or-inside' | 'self-or-contains' | 'any';

interface Rule {
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

export interface WorkspaceVerdict {
  /** The workspace with every symlink resolved: what is mounted. */
  path: string;
  /** Set when the workspace was refused but --allow-unsafe-workspace let it through: why it was refused. */
  overridden?: string;
}

/**
 * Checks a workspace after resolving its symlinks: the filesystem root, system directories, the
 * user's home and any directory that contains it, shared roots such as /tmp, agentctl's own data
 * (except its worktrees) and config, the engines' storage and sockets, and anything that holds or
 * lies inside credentials. The first group may be overridden with --allow-unsafe-workspace; what
 * holds credentials, engine access or agentctl's own state never is.
 */
export async function checkWorkspaceSafety(
  deps: WorkspaceSafetyDeps,
  workspace: string,
  allowUnsafe: boolean,
  extra: { path: string; what: string }[] = [],
): Promise<WorkspaceVerdict> {
  const p = deps.platform === 'win32' ? path.win32 : path.posix;
  const resolveReal = deps.realpath ?? ((file: string) => realpath(file));
  const real = await resolveReal(workspace).catch(() => p.resolve(workspace));
  const rules = await buildRules(deps, p);
  for (const item of extra) rules.push({ path: item.path, what: item.what, relation: 'any', protected: true });
  const fold =
    deps.platform === 'darwin' || deps.platform === 'win32'
      ? (text: string) => text.toLowerCase()
      : (text: string) => text;
  const shown = real === workspace ? workspace : `${workspace} (resolved: ${real})`;

  const matches: { rule: Rule; relation: 'same' | 'inside' | 'contains' }[] = [];
  // Resolved all at once: some 60 paths, most of which do not exist.
  const resolvedPaths = await Promise.all(rules.map((rule) => resolveReal(rule.path).catch(() => undefined)));
  for (const [index, rule] of rules.entries()) {
    const resolved = resolvedPaths[index];
    // A rule names a path as written and as resolved: either form matches. A path that does not
    // exist can be the workspace or hold it, but a workspace does not "hold" what is not there.
    const forms = new Set([p.resolve(rule.path), ...(resolved ? [resolved] : [])]);
    for (const form of forms) {
      const relation = relate(fold(real), fold(form), p);
      if (relation === undefined || !allows(rule.relation, relation)) continue;
      if (relation === 'contains' && rule.protected && resolved === undefined) continue;
      if (relation === 'inside' && rule.except?.some((dir) => relate(fold(real), fold(p.resolve(dir)), p) === 'inside'))
        continue;
      matches.push({ rule, relation });
      break;
    }
  }
  // The workspace's own kind first ("is the filesystem root"), then what it lies in, then what it holds.
  const order = { same: 0, inside: 1, contains: 2 } as const;
  matches.sort((a, b) => order[a.relation] - order[b.relation]);
  const protectedMatch = matches.find((match) => match.rule.protected);
  const unsafe = matches.find((match) => !match.rule.protected);
  if (unsafe && !allowUnsafe) {
    throw new UsageError('WORKSPACE_UNSAFE', `The workspace ${shown} ${describe(unsafe)}: agentctl does not mount it`, {
      hint: protectedMatch
        ? `Pass a project directory with --workspace DIR (this one also ${describe(protectedMatch)}, which is never mounted)`
        : `Pass a project directory with --workspace DIR (or add ${UNSAFE_WORKSPACE_FLAG} if you truly mean to give the agent all of it)`,
      details: { workspace, resolved: real, refused: unsafe.rule.path, reason: unsafe.rule.what },
    });
  }
  if (protectedMatch) {
    const { rule } = protectedMatch;
    throw new UsageError(
      'WORKSPACE_PROTECTED',
      `The workspace ${shown} ${describe(protectedMatch)}, which is never mounted`,
      {
        hint: `Pass a project directory that holds no credentials or engine state with --workspace DIR (${UNSAFE_WORKSPACE_FLAG} does not lift this)`,
        details: { workspace, resolved: real, refused: rule.path, reason: rule.what },
      },
    );
  }
  if (!unsafe) return { path: real };
  return { path: real, overridden: `${real} ${describe(unsafe)}` };
}

function describe({ rule, relation }: { rule: Rule; relation: 'same' | 'inside' | 'contains' }): string {
  if (relation === 'same') return rule.protected ? `is ${rule.path} (${rule.what})` : `is ${rule.what}`;
  return `${relation === 'inside' ? 'lies inside' : 'holds'} ${rule.path} (${rule.what})`;
}

function allows(rule: Relation, found: 'same' | 'inside' | 'contains'): boolean {
  if (found === 'same' || rule === 'any') return true;
  return (rule === 'self-or-inside' && found === 'inside') || (rule === 'self-or-contains' && found === 'contains');
}

/** How `dir` relates to `other`: the same, inside it, containing it, or unrelated. */
function relate(dir: string, other: string, p: path.PlatformPath): 'same' | 'inside' | 'contains' | undefined {
  if (dir === other) return 'same';
  const outside = (relative: string) =>
    relative === '' || relative === '..' || relative.startsWith(`..${p.sep}`) || p.isAbsolute(relative);
  if (!outside(p.relative(other, dir))) return 'inside';
  if (!outside(p.relative(dir, other))) return 'contains';
  return undefined;
}

async function buildRules(deps: WorkspaceSafetyDeps, p: path.PlatformPath): Promise<Rule[]> {
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

/**
 * After connecting: the engine's storage root (GET /info) and the socket agentctl talks to are
 * never mounted, wherever the engine keeps them.
 */
export function engineStatePaths(
  storageRoot: string | undefined,
  socketPath: string | undefined,
): { path: string; what: string }[] {
  return [
    ...(storageRoot ? [{ path: storageRoot, what: "the engine's storage" }] : []),
    ...(socketPath ? [{ path: socketPath, what: "the engine's socket" }] : []),
  ];
}
