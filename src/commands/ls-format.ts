import { formatBranch, formatState, formatUptime, type AgentListing } from '../core/agents/list-agents.js';
import { formatMemory } from '../core/agents/limits.js';
import { renderTable } from '../io/table.js';
import { UsageError } from '../shared/errors.js';

const limit = (agent: AgentListing, value: string) => (agent.limits.enforced ? value : 'ignored');

/** The fields `ls --format` knows: the columns of `ls`, plus id, container, exit code and labels. */
const FIELDS: Record<string, (agent: AgentListing) => string> = {
  name: (agent) => agent.name,
  id: (agent) => agent.id,
  container: (agent) => agent.container,
  state: (agent) => formatState(agent),
  health: (agent) => agent.health ?? '-',
  uptime: (agent) => formatUptime(agent.uptimeSeconds),
  image: (agent) => agent.image,
  imagename: (agent) => agent.imageName,
  workspace: (agent) => agent.workspace,
  branch: (agent) => formatBranch(agent),
  exitcode: (agent) => (agent.exitCode === null ? '-' : String(agent.exitCode)),
  cpus: (agent) => limit(agent, agent.limits.cpus === null ? '-' : String(agent.limits.cpus)),
  memory: (agent) => limit(agent, formatMemory(agent.limits.memory ?? 0)),
  pids: (agent) => limit(agent, agent.limits.pidsLimit === null ? '-' : String(agent.limits.pidsLimit)),
  labels: (agent) =>
    Object.entries(agent.labels)
      .map(([key, value]) => `${key}=${value}`)
      .join(','),
};

export const FORMAT_FIELDS = Object.keys(FIELDS);

function invalidFormat(format: string, why: string): UsageError {
  return new UsageError('INVALID_FORMAT', `Invalid --format ${JSON.stringify(format)}: ${why}`, {
    hint: `Give fields such as name,state or a template such as 'table {{.Name}}\\t{{.State}}'; fields: ${FORMAT_FIELDS.join(', ')}`,
    details: { format },
  });
}

function field(format: string, name: string): (agent: AgentListing) => string {
  const found = FIELDS[name.toLowerCase()];
  if (!found) throw invalidFormat(format, `unknown field ${name}`);
  return found;
}

/** One line's parts: literal text, or a field. */
type Part = string | ((agent: AgentListing) => string);

/**
 * A compiled `--format`: a field list (`name,state`: a table of those columns), or a Go-template-like
 * line (`{{.Name}}\t{{.State}}`, with \t and \n) printed per agent; a `table ` prefix adds a header
 * and aligns the tab-separated cells, as `docker ps --format` does. INVALID_FORMAT (usage, exit 2)
 * for an unknown field.
 */
export function compileFormat(format: string): (agents: readonly AgentListing[]) => string[] {
  const table = /^table(\s|$)/.test(format);
  const body = table ? format.replace(/^table\s*/, '') : format;
  if (body.trim() === '') throw invalidFormat(format, 'it names no field');
  if (!body.includes('{{')) {
    const names = body.split(',').map((name) => name.trim());
    if (names.some((name) => name === '')) throw invalidFormat(format, 'an empty field name');
    const getters = names.map((name) => field(format, name));
    return (agents) =>
      renderTable([
        names.map((name) => name.toUpperCase()),
        ...agents.map((agent) => getters.map((get) => get(agent))),
      ]);
  }
  const parts: Part[] = [];
  const headers: string[] = [];
  const unescaped = body.replace(/\\t/g, '\t').replace(/\\n/g, '\n');
  let rest = unescaped;
  for (;;) {
    const open = rest.indexOf('{{');
    if (open === -1) break;
    const close = rest.indexOf('}}', open);
    if (close === -1) throw invalidFormat(format, 'a {{ without }}');
    if (open > 0) parts.push(rest.slice(0, open));
    const inner = /^\s*\.([A-Za-z]+)\s*$/.exec(rest.slice(open + 2, close));
    if (!inner) throw invalidFormat(format, `{{${rest.slice(open + 2, close)}}} is not {{.Field}}`);
    parts.push(field(format, inner[1]!));
    headers.push(inner[1]!.toUpperCase());
    rest = rest.slice(close + 2);
  }
  if (rest) parts.push(rest);
  const line = (agent: AgentListing) => parts.map((part) => (typeof part === 'string' ? part : part(agent))).join('');
  if (!table) return (agents) => agents.map(line);
  // The header: the template with each field replaced by its name.
  let index = 0;
  const header = parts.map((part) => (typeof part === 'string' ? part : headers[index++]!)).join('');
  return (agents) => renderTable([header, ...agents.map(line)].map((text) => text.split('\t')));
}
