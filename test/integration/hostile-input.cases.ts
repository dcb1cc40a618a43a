/** The hostile-input table (hostile-input.test.ts runs it). Every case must fail cleanly. */

export interface HostileContext {
  suffix: string;
  /** A git repository (one commit on main) named with the suffix: the default workspace. */
  repo: string;
  /** A plain directory (no git). */
  plain: string;
  /** A regular file. */
  file: string;
  /** A directory (not a file). */
  dir: string;
  /** Directories whose only content is a config file (see hostile-input.test.ts). */
  config: Record<'json' | 'yaml' | 'type' | 'unknown' | 'huge' | 'js' | 'defaultAgent', string>;
  /** An XDG_CONFIG_HOME whose agentctl/config.yaml has a bad enum value. */
  badUserConfig: string;
  /** An env file with a bad line. */
  badEnvFile: string;
  image: string;
}

export interface HostileCase {
  title: string;
  args(ctx: HostileContext): string[];
  env?(ctx: HostileContext): Record<string, string>;
  cwd?(ctx: HostileContext): string;
  exit: number;
  code: string;
  message: RegExp;
  /** A concrete next step (besides being non-empty). */
  hint: RegExp;
  /**
   * Run as `node -- agentctl.js …`: Node (20 and later) reads a `--env-file` argument anywhere in
   * its argv and exits 9 before agentctl runs when the file is missing (nodejs/node#54232);
   * `--` stops that. See docs/reliability.md.
   */
  nodeSeparator?: boolean;
}

const N = (ctx: HostileContext, label: string) => `hi-${label}-${ctx.suffix}`;
/** `start NAME -d --image IMAGE` plus extra flags, then `-- sleep 600`. */
const start = (label: string, ...extra: string[]) => (ctx: HostileContext) => ['start', N(ctx, label), '-d', '--image', ctx.image, ...extra, '--', 'sleep', '600'];
const startNoImage = (label: string, ...extra: string[]) => (ctx: HostileContext) => ['start', N(ctx, label), '-d', ...extra, '--', 'sleep', '600'];

const NAME_HINT = /Use 1-63 characters/;
export const HOSTILE_CASES: HostileCase[] = [
  // Names
  { title: 'start: empty name', args: (c) => ['start', '', '-d', '--image', c.image], exit: 2, code: 'AGENT_NAME_INVALID', message: /Invalid agent name ""/, hint: NAME_HINT },
  { title: 'start: 70-character name', args: (c) => ['start', `x${'a'.repeat(60)}${c.suffix}`, '-d', '--image', c.image], exit: 2, code: 'AGENT_NAME_INVALID', message: /Invalid agent name/, hint: NAME_HINT },
  { title: 'start: name with a slash', args: (c) => ['start', `a/${c.suffix}`, '-d', '--image', c.image], exit: 2, code: 'AGENT_NAME_INVALID', message: /Invalid agent name "a\//, hint: NAME_HINT },
  { title: 'start: unicode name', args: (c) => ['start', `agént-${c.suffix}`, '-d', '--image', c.image], exit: 2, code: 'AGENT_NAME_INVALID', message: /Invalid agent name "agént/, hint: NAME_HINT },
  { title: 'start: name with a space', args: (c) => ['start', `a ${c.suffix}`, '-d', '--image', c.image], exit: 2, code: 'AGENT_NAME_INVALID', message: /Invalid agent name/, hint: NAME_HINT },
  { title: 'start: name starting with a dot', args: (c) => ['start', `.${c.suffix}`, '-d', '--image', c.image], exit: 2, code: 'AGENT_NAME_INVALID', message: /Invalid agent name "\./, hint: NAME_HINT },
  { title: 'start: name starting with a dash', args: (c) => ['start', `-x${c.suffix}`, '-d', '--image', c.image], exit: 2, code: 'USAGE_UNKNOWN_OPTION', message: /Unknown option '-x/, hint: /agentctl .*--help/ },
  { title: 'stop: name starting with a dash after --', args: (c) => ['stop', '--', `-x${c.suffix}`], exit: 7, code: 'AGENT_NOT_FOUND', message: /No agent named "-x/, hint: /agentctl ls --all/ },
  { title: 'start: two names', args: (c) => ['start', N(c, 'one'), N(c, 'two'), '-d', '--image', c.image], exit: 2, code: 'USAGE_TOO_MANY_ARGUMENTS', message: /Too many arguments/, hint: /after --/ },
  // Sizes, CPUs, PIDs
  { title: 'start --memory 4x', args: start('m1', '--memory', '4x'), exit: 2, code: 'INVALID_MEMORY', message: /^Invalid memory limit: not a size$/, hint: /512m, 4g/ },
  { title: 'start --memory -1g', args: start('m2', '--memory', '-1g'), exit: 2, code: 'INVALID_MEMORY', message: /^Invalid memory limit: not a size$/, hint: /512m, 4g/ },
  { title: 'start --memory 0', args: start('m3', '--memory', '0'), exit: 2, code: 'INVALID_MEMORY', message: /below 6m/, hint: /from 6m to 8192t/ },
  { title: 'start --memory 1k (below the engines\' minimum)', args: start('m4', '--memory', '1k'), exit: 2, code: 'INVALID_MEMORY', message: /below 6m/, hint: /from 6m to 8192t/ },
  { title: 'start --cpus abc', args: start('c1', '--cpus', 'abc'), exit: 2, code: 'INVALID_CPUS', message: /^Invalid CPU limit: not a number$/, hint: /such as 2 or 0\.5/ },
  { title: 'start --cpus 0', args: start('c2', '--cpus', '0'), exit: 2, code: 'INVALID_CPUS', message: /below 0\.01/, hint: /from 0\.01/ },
  { title: 'start --cpus -1', args: start('c3', '--cpus', '-1'), exit: 2, code: 'INVALID_CPUS', message: /not a number/, hint: /from 0\.01/ },
  { title: 'start --cpus 1e3', args: start('c4', '--cpus', '1e3'), exit: 2, code: 'INVALID_CPUS', message: /not a number/, hint: /from 0\.01/ },
  { title: 'start --pids-limit -5', args: start('p1', '--pids-limit', '-5'), exit: 2, code: 'INVALID_PIDS_LIMIT', message: /^Invalid PIDs limit: not a whole number$/, hint: /such as 512/ },
  { title: 'start --pids-limit 1.5', args: start('p2', '--pids-limit', '1.5'), exit: 2, code: 'INVALID_PIDS_LIMIT', message: /not a whole number/, hint: /whole number/ },
  // Durations
  { title: 'start --wait-timeout xyz', args: start('w1', '--wait-timeout', 'xyz'), exit: 2, code: 'INVALID_WAIT_TIMEOUT', message: /--wait-timeout/, hint: /30s, 2m/ },
  { title: 'start --wait-timeout 0', args: start('w2', '--wait-timeout', '0'), exit: 2, code: 'INVALID_WAIT_TIMEOUT', message: /--wait-timeout/, hint: /30s, 2m/ },
  { title: 'restart --wait-timeout soon', args: (c) => ['restart', N(c, 'w3'), '--wait-timeout', 'soon'], exit: 2, code: 'INVALID_WAIT_TIMEOUT', message: /--wait-timeout/, hint: /30s, 2m/ },
  { title: 'logs --since garbage', args: (c) => ['logs', N(c, 'l1'), '--since', 'garbage'], exit: 2, code: 'INVALID_LOG_TIME', message: /--since value "garbage"/, hint: /--since 10m/ },
  { title: 'logs --until yesterday', args: (c) => ['logs', N(c, 'l2'), '--until', 'yesterday'], exit: 2, code: 'INVALID_LOG_TIME', message: /--until value "yesterday"/, hint: /RFC 3339/ },
  { title: 'logs --tail -3', args: (c) => ['logs', N(c, 'l3'), '--tail', '-3'], exit: 2, code: 'INVALID_TAIL', message: /--tail value "-3"/, hint: /--tail 100/ },
  { title: 'stop --timeout abc', args: (c) => ['stop', N(c, 't1'), '--timeout', 'abc'], exit: 2, code: 'INVALID_TIMEOUT', message: /--timeout "abc"/, hint: /whole seconds/ },
  { title: 'restart --timeout -1', args: (c) => ['restart', N(c, 't2'), '--timeout', '-1'], exit: 2, code: 'INVALID_TIMEOUT', message: /--timeout "-1"/, hint: /whole seconds/ },
  // Environment
  { title: "start --env '=x'", args: start('e1', '--env', '=x'), exit: 2, code: 'INVALID_ENV', message: /Invalid environment entry "" in --env/, hint: /--env KEY=VALUE/ },
  { title: "start --env '1BAD=x'", args: start('e2', '--env', '1BAD=x'), exit: 2, code: 'INVALID_ENV', message: /"1BAD"/, hint: /--env KEY=VALUE/ },
  { title: 'start --env-file missing', args: (c) => start('e3', '--env-file', `${c.plain}/absent.env`)(c), nodeSeparator: true, exit: 2, code: 'ENV_FILE_UNREADABLE', message: /Cannot read the env file .*absent\.env: ENOENT/, hint: /--env-file/ },
  { title: 'start --env-file of a directory', args: (c) => start('e4', '--env-file', c.dir)(c), nodeSeparator: true, exit: 2, code: 'ENV_FILE_UNREADABLE', message: /not a regular file \(a directory\)/, hint: /--env-file/ },
  { title: 'start --env-file malformed', args: (c) => start('e5', '--env-file', c.badEnvFile)(c), exit: 2, code: 'INVALID_ENV', message: /bad\.env:2/, hint: /KEY=VALUE/ },
  // Secrets
  { title: 'start --secret X=@/nonexistent', args: start('s1', '--secret', 'HI_SECRET=@/nonexistent/secret'), exit: 2, code: 'SECRET_FILE_UNREADABLE', message: /secret HI_SECRET: ENOENT/, hint: /--secret HI_SECRET=@FILE/ },
  { title: 'start --secret X=@directory', args: (c) => start('s2', '--secret', `HI_SECRET=@${c.dir}`)(c), exit: 2, code: 'SECRET_FILE_UNREADABLE', message: /not a regular file \(a directory\)/, hint: /--secret HI_SECRET=@FILE/ },
  { title: 'start --secret from an unset variable', args: start('s3', '--secret', 'HI_UNSET_SECRET'), exit: 2, code: 'SECRET_MISSING', message: /HI_UNSET_SECRET is not set/, hint: /Export HI_UNSET_SECRET/ },
  { title: 'start --secret from an empty variable', args: start('s4', '--secret', 'HI_EMPTY_SECRET'), env: () => ({ HI_EMPTY_SECRET: '' }), exit: 2, code: 'SECRET_MISSING', message: /HI_EMPTY_SECRET is empty in the environment/, hint: /Export HI_EMPTY_SECRET/ },
  { title: 'start --secret NAME=value (value on the command line)', args: start('s5', '--secret', 'HI_SECRET=hunter2'), exit: 2, code: 'INVALID_SECRET', message: /not a value on the command line/, hint: /=@FILE/ },
  { title: 'start --secret bad-name', args: start('s6', '--secret', 'bad-name'), exit: 2, code: 'INVALID_SECRET', message: /Invalid secret name "bad-name"/, hint: /--secret NAME/ },
  { title: 'start --secret S --env S=1', args: start('s7', '--secret', 'HI_DUP', '--env', 'HI_DUP=1'), env: () => ({ HI_DUP: 'x' }), exit: 2, code: 'SECRET_AS_ENV', message: /HI_DUP is a secret/, hint: /Drop --env HI_DUP/ },
  { title: 'start --ssh without an ssh-agent', args: start('s8', '--ssh'), exit: 2, code: 'SSH_AGENT_MISSING', message: /SSH_AUTH_SOCK is not set/, hint: /ssh-agent/ },
  // Agents and images
  { title: 'start --agent unknown', args: startNoImage('a1', '--agent', 'no-such-agent'), exit: 2, code: 'AGENT_PROFILE_UNKNOWN', message: /Unknown agent profile "no-such-agent"/, hint: /agents/ },
  { title: 'start --agent with --image', args: start('a2', '--agent', 'x'), exit: 2, code: 'AGENT_AND_IMAGE', message: /either --agent or --image/, hint: /--agent PROFILE/ },
  { title: 'start --image absent, --pull never', args: startNoImage('i1', '--image', 'agentctl-test/absent-hostile:9.9.9', '--pull', 'never'), exit: 6, code: 'IMAGE_NOT_FOUND', message: /not present locally/, hint: /agentctl image pull/ },
  { title: 'start --image malformed', args: startNoImage('i2', '--image', 'UPPER/Case::bad'), exit: 2, code: 'IMAGE_ARGUMENT_INVALID', message: /not a valid image reference/, hint: /repository:tag/ },
  { title: 'image pull with spaces', args: () => ['image', 'pull', 'bad ref!!'], exit: 2, code: 'IMAGE_ARGUMENT_INVALID', message: /"bad ref!!" is not a valid/, hint: /repository:tag/ },
  { title: 'image pull of a registry with no path', args: () => ['image', 'pull', '127.0.0.1:5000/'], exit: 2, code: 'IMAGE_ARGUMENT_INVALID', message: /not a valid image reference/, hint: /repository:tag/ },
  { title: 'image rm of an absent image', args: (c) => ['image', 'rm', `agentctl-test/absent-${c.suffix}:1`], exit: 7, code: 'IMAGE_NOT_LOCAL', message: /not present locally/, hint: /agentctl image ls/ },
  { title: 'image build --tag invalid', args: () => ['image', 'build', '--tag', 'bad tag!'], exit: 2, code: 'IMAGE_TAG_INVALID', message: /not a valid image reference/, hint: /--tag/ },
  { title: 'start --pull sometimes', args: start('i3', '--pull', 'sometimes'), exit: 2, code: 'USAGE_INVALID_ARGUMENT', message: /Allowed choices are missing, always, never/, hint: /--help/ },
  // Config files and variables
  { title: 'config: JSON syntax error', args: start('f1'), cwd: (c) => c.config.json, exit: 3, code: 'CONFIG_PARSE', message: /Cannot parse JSON config file .*\.agentctlrc\.json/, hint: /Fix the syntax of/ },
  { title: 'config: YAML syntax error', args: start('f2'), cwd: (c) => c.config.yaml, exit: 3, code: 'CONFIG_PARSE', message: /Cannot parse YAML config file .*: Flow sequence/, hint: /Fix the syntax of/ },
  { title: 'config: wrong type', args: () => ['ls'], cwd: (c) => c.config.type, exit: 3, code: 'CONFIG_INVALID', message: /wrong type "resources\.cpus", expected number/, hint: /Fix "resources\.cpus" in/ },
  { title: 'config: unknown key', args: () => ['ls'], cwd: (c) => c.config.unknown, exit: 3, code: 'CONFIG_INVALID', message: /unknown key "colour"/, hint: /Fix "colour" in/ },
  { title: 'config: huge file', args: () => ['ls'], cwd: (c) => c.config.huge, exit: 3, code: 'CONFIG_TOO_LARGE', message: /larger than 1 MiB/, hint: /the config file you meant/ },
  { title: 'config: JavaScript in a project (never run)', args: () => ['ls'], cwd: (c) => c.config.js, exit: 3, code: 'PROJECT_CONFIG_JS', message: /Refusing JavaScript project config .*agentctl\.config\.cjs/, hint: /convert it to \.agentctlrc\.yaml/ },
  { title: 'config: an untrusted project file choosing the default agent', args: startNoImage('f3'), cwd: (c) => c.config.defaultAgent, exit: 11, code: 'CONFIG_UNTRUSTED', message: /sets defaultAgent, which need your approval/, hint: /agentctl trust .*\.agentctlrc\.yaml/ },
  { title: 'config: AGENTCTL_DEFAULT_AGENT naming an unknown agent', args: startNoImage('f6'), env: () => ({ AGENTCTL_DEFAULT_AGENT: 'ghost' }), exit: 2, code: 'AGENT_PROFILE_UNKNOWN', message: /Unknown agent profile "ghost"/, hint: /agents/ },
  { title: 'config: user config with a bad value', args: () => ['ls'], env: (c) => ({ XDG_CONFIG_HOME: c.badUserConfig }), exit: 3, code: 'CONFIG_INVALID', message: /"worktree"/, hint: /Fix "worktree" in/ },
  { title: 'config: AGENTCTL_MEMORY=huge', args: start('f4'), env: () => ({ AGENTCTL_MEMORY: 'huge' }), exit: 3, code: 'CONFIG_INVALID', message: /AGENTCTL_MEMORY/, hint: /Fix "resources\.memory"/ },
  { title: 'config: AGENTCTL_CPUS=abc', args: start('f5'), env: () => ({ AGENTCTL_CPUS: 'abc' }), exit: 3, code: 'CONFIG_INVALID', message: /AGENTCTL_CPUS/, hint: /Fix "resources\.cpus"/ },
  // Paths
  { title: 'start --workspace that does not exist', args: (c) => start('d1', '--workspace', `${c.plain}/absent`)(c), exit: 2, code: 'WORKSPACE_NOT_FOUND', message: /does not exist/, hint: /--workspace DIR/ },
  { title: 'start --workspace that is a file', args: (c) => start('d2', '--workspace', c.file)(c), exit: 2, code: 'WORKSPACE_NOT_A_DIRECTORY', message: /is not a directory/, hint: /--workspace DIR/ },
  { title: 'start --worktree with the data dir under a file', args: start('d3', '--worktree'), env: (c) => ({ AGENTCTL_DATA_DIR: `${c.file}/data` }), exit: 2, code: 'WORKTREE_DIR_UNWRITABLE', message: /Cannot create the worktree directory .*: ENOTDIR/, hint: /AGENTCTL_DATA_DIR/ },
  { title: 'start --worktree with the worktree dir under a file', args: start('d4', '--worktree'), env: (c) => ({ AGENTCTL_WORKTREE_DIR: `${c.file}/wt` }), exit: 2, code: 'WORKTREE_DIR_UNWRITABLE', message: /ENOTDIR/, hint: /AGENTCTL_WORKTREE_DIR/ },
  { title: 'start --worktree outside a git repository', args: (c) => start('d5', '--worktree', '--workspace', c.plain)(c), exit: 2, code: 'NOT_A_GIT_REPOSITORY', message: /needs a git repository/, hint: /git init/ },
  { title: 'start --worktree --base of no commit', args: start('d6', '--worktree', '--base', 'no-such-ref'), exit: 2, code: 'BASE_NOT_FOUND', message: /"no-such-ref" is not a commit/, hint: /--base/ },
  { title: 'start --branch invalid', args: start('d7', '--branch', 'bad..branch'), exit: 2, code: 'INVALID_BRANCH', message: /"bad\.\.branch" is not a valid branch name/, hint: /git check-ref-format/ },
  // Contradictions
  { title: 'start --read-only --worktree', args: start('x1', '--read-only', '--worktree'), exit: 2, code: 'USAGE_WORKTREE_READ_ONLY', message: /--worktree cannot be combined with --read-only/, hint: /drop --worktree/ },
  { title: 'start --branch with --no-worktree', args: start('x2', '--branch', 'feature', '--no-worktree'), exit: 2, code: 'USAGE_BRANCH_WITHOUT_WORKTREE', message: /--no-worktree was given/, hint: /Drop --no-worktree/ },
  { title: 'stop NAME --all', args: (c) => ['stop', N(c, 'x3'), '--all'], exit: 2, code: 'NAMES_AND_ALL', message: /not both/, hint: /agentctl stop --all/ },
  { title: 'rm NAME --all', args: (c) => ['rm', N(c, 'x4'), '--all'], exit: 2, code: 'NAMES_AND_ALL', message: /not both/, hint: /agentctl rm --all/ },
  { title: 'logs NAME --all', args: (c) => ['logs', N(c, 'x5'), '--all'], exit: 2, code: 'NAMES_AND_ALL', message: /not both/, hint: /agentctl logs --all/ },
  { title: 'stop with neither names nor --all', args: () => ['stop'], exit: 2, code: 'NO_AGENT_GIVEN', message: /or pass --all/, hint: /agentctl stop NAME/ },
  // Global flags and other commands
  { title: '--host malformed', args: (c) => ['--host', 'bogus://x', 'start', N(c, 'g1'), '-d', '--image', c.image], exit: 2, code: 'INVALID_HOST', message: /Invalid engine endpoint "bogus:\/\/x"/, hint: /unix:\/\/\/path/ },
  { title: '--runtime lxc', args: () => ['--runtime', 'lxc', 'ls'], exit: 2, code: 'USAGE_INVALID_ARGUMENT', message: /Allowed choices are docker, podman/, hint: /--help/ },
  { title: 'start --docker-access maybe', args: start('g2', '--docker-access', 'maybe'), exit: 2, code: 'USAGE_INVALID_ARGUMENT', message: /Allowed choices are none, socket/, hint: /--help/ },
  { title: 'attach --detach-keys garbage', args: (c) => ['attach', N(c, 'g3'), '--detach-keys', 'garbage'], exit: 2, code: 'INVALID_DETACH_KEYS', message: /Invalid detach key "garbage"/, hint: /ctrl-p,ctrl-q/ },
  { title: 'exec of an unknown agent', args: (c) => ['exec', N(c, 'g4'), '--', 'true'], exit: 7, code: 'AGENT_NOT_FOUND', message: /No agent named/, hint: /agentctl ls --all/ },
  { title: 'completion tcsh', args: () => ['completion', 'tcsh'], exit: 2, code: 'USAGE_INVALID_ARGUMENT', message: /Allowed choices are bash, zsh, fish/, hint: /--help/ },
];
