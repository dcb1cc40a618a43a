import type { ContainerRuntime } from '../../runtime/container-runtime.js';
import { ConflictError, UsageError } from '../../shared/errors.js';
import { findAgent } from './agent-lookup.js';
import { WORKSPACE_PATH } from './agent-spec.js';

/**
 * The Dev Containers extension's "attach to a running container" URI: the authority is
 * `attached-container+` and the hex of the JSON `{"containerName":"/NAME"}` (the engine's name,
 * with its leading slash), the path the folder to open inside.
 */
export function attachedContainerUri(container: string, folder: string = WORKSPACE_PATH): string {
  const name = container.startsWith('/') ? container : `/${container}`;
  const hex = Buffer.from(JSON.stringify({ containerName: name }), 'utf8').toString('hex');
  return `vscode-remote://attached-container+${hex}${folder}`;
}

/** The container name in an attached-container URI (for tests and `--verbose`). */
export function containerOfUri(uri: string): string | undefined {
  const match = /^vscode-remote:\/\/attached-container\+([0-9a-f]+)\//.exec(uri);
  if (!match) return undefined;
  const parsed = JSON.parse(Buffer.from(match[1]!, 'hex').toString('utf8')) as { containerName?: string };
  return parsed.containerName;
}

export interface CodeTarget {
  agent: string;
  container: string;
  uri: string;
  /** What the user does by hand when VS Code is not on PATH (or to attach another way). */
  steps: string[];
}

/**
 * What `agentctl code NAME` opens: the agent's running container at /workspace in VS Code. Needs
 * the Dev Containers extension, and VS Code talking to the same engine (its Docker path/host
 * settings), which the steps say.
 */
export async function getCodeTarget(
  deps: {
    runtime: Pick<ContainerRuntime, 'inspectContainer' | 'listContainers' | 'capabilities' | 'kind' | 'endpoint'>;
  },
  name: string,
): Promise<CodeTarget> {
  if (deps.runtime.capabilities.cluster) {
    throw new UsageError('KUBERNETES_UNSUPPORTED', '`agentctl code` is not possible on Kubernetes yet', {
      hint: "Use VS Code's Kubernetes extension (Attach Visual Studio Code on the agent's Pod), or `agentctl shell NAME`",
    });
  }
  const agent = await findAgent(deps, name);
  if (!agent.running) {
    throw new ConflictError('AGENT_NOT_RUNNING', `Agent "${agent.agent}" is not running (${agent.status})`, {
      hint: `Start it with \`agentctl start ${agent.agent} -d\`, then run \`agentctl code ${agent.agent}\` again`,
    });
  }
  const uri = attachedContainerUri(agent.containerName);
  const endpoint = deps.runtime.endpoint.url;
  const steps = [
    'Install VS Code and its Dev Containers extension (ms-vscode-remote.remote-containers)',
    ...(deps.runtime.kind === 'podman'
      ? ['Set the setting "dev.containers.dockerPath" to "podman" (the extension then talks to Podman)']
      : []),
    ...(endpoint.startsWith('unix:///var/run/docker.sock') || endpoint.startsWith('npipe:')
      ? []
      : [`Let the extension use this engine: set DOCKER_HOST=${endpoint} for VS Code (or its docker.host setting)`]),
    `Open the URI: code --folder-uri '${uri}'`,
    `Or: Command Palette → "Dev Containers: Attach to Running Container…" → ${agent.containerName}, then open ${WORKSPACE_PATH}`,
  ];
  return { agent: agent.agent, container: agent.containerName, uri, steps };
}
