import { describe, expect, it } from 'vitest';
import { getSecretNames, type AgentContainerInfo } from './agent-lookup.js';
import { getKnownSecretNames, registerKnownSecrets } from './stream-secrets.js';

const agent = (secretNames: string[]): AgentContainerInfo => ({
  id: 'x',
  containerName: 'agentctl-x',
  agent: 'x',
  status: 'running',
  running: true,
  exitCode: undefined,
  tty: true,
  openStdin: true,
  labels: {},
  secretNames,
});

describe('secrets logs, exec and attach can know', () => {
  it("reads only agentctl's NAME_FILE=/run/secrets/NAME entries of the container's environment", () => {
    expect(
      getSecretNames([
        'PATH=/bin',
        'API_TOKEN_FILE=/run/secrets/API_TOKEN',
        'OTHER_FILE=/run/secrets/ELSE',
        'X_FILE=/tmp/X',
        'GH_FILE=/run/secrets/GH',
      ]),
    ).toEqual(['API_TOKEN', 'GH']);
  });

  it("takes the agents' names, config secrets and every profile's, with their values from the environment now", () => {
    const names = getKnownSecretNames([agent(['API_TOKEN'])], {
      secrets: ['CONFIGURED'],
      agents: { claude: { image: 'i', secrets: ['PROFILE_KEY'] } },
    });
    expect(names.sort()).toEqual(['API_TOKEN', 'CONFIGURED', 'PROFILE_KEY']);
    const registered: string[] = [];
    registerKnownSecrets(names, { API_TOKEN: ' value-1 ', CONFIGURED: '', PROFILE_KEY: undefined }, (value) =>
      registered.push(value),
    );
    expect(registered).toEqual([' value-1 ', 'value-1']);
  });
});
