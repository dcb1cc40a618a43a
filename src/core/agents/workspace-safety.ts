import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../../shared/errors.js';
import { buildRules, type Relation, type Rule, type WorkspaceSafetyDeps } from './workspace-rules.js';

export type { WorkspaceSafetyDeps } from './workspace-rules.js';

/** The flag that lets a user mount a refused (but not a protected) directory; never a config key. */
export const UNSAFE_WORKSPACE_FLAG = '--allow-unsafe-workspace';

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
