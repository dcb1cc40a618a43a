import { describe, expect, it } from 'vitest';
import { resolveEgress } from './egress-policy.js';
import { gatewayAddress, getGatewayNames } from './gateway.js';
import { AGENT_CA_BUNDLE, caFiles, prepareGatewayAgent } from './gateway-agent.js';

describe('an agent of the egress gateway', () => {
  const choice = resolveEgress({
    policy: 'allowlist',
    allow: ['deb.debian.org'],
    config: {},
    dockerAccess: 'none',
    secrets: ['ANTHROPIC_API_KEY', 'OTHER'],
  });
  const secrets = [
    { name: 'ANTHROPIC_API_KEY', value: Buffer.from('sk-real-value\n'), source: 'environment' },
    { name: 'OTHER', value: Buffer.from('other-value'), source: 'environment' },
  ];
  const agent = prepareGatewayAgent({
    name: 'fixer',
    choice,
    secrets,
    gateway: { id: 'g', address: '10.213.0.2', program: 1 },
    ca: { certPem: 'CERT', keyPem: 'KEY' },
  });

  it('holds only a placeholder of a bound secret; the registration holds the real value', () => {
    const all = JSON.stringify(agent.env) + agent.secrets.map((secret) => secret.value.toString()).join();
    expect(all).not.toContain('sk-real-value');
    const placeholder = agent.env.find(([key]) => key === 'ANTHROPIC_API_KEY')![1];
    expect(placeholder).toMatch(/^agentctl-placeholder-anthropic-api-key-[0-9a-f]{32}$/);
    expect(agent.secrets[0]!.value.toString()).toBe(placeholder);
    // A secret bound to no service stays as it was (a file of its own).
    expect(agent.secrets[1]!.value.toString()).toBe('other-value');
    expect(agent.registration.secrets).toEqual([
      {
        name: 'ANTHROPIC_API_KEY',
        placeholder,
        value: 'sk-real-value',
        hosts: ['api.anthropic.com'],
        header: 'x-api-key',
        format: '{value}',
      },
      // The same key in the header Claude Code also sends it in.
      {
        name: 'ANTHROPIC_API_KEY',
        placeholder,
        value: 'sk-real-value',
        hosts: ['api.anthropic.com'],
        header: 'authorization',
        format: 'Bearer {value}',
      },
    ]);
    expect(agent.registration.allow).toEqual(['deb.debian.org', 'api.anthropic.com']);
    expect(agent.registration.policy).toBe('allowlist');
  });

  it('goes through the gateway with a 256-bit token, and trusts its CA', () => {
    const env = new Map(agent.env);
    expect(env.get('HTTPS_PROXY')).toBe(`http://agent:${agent.registration.token}@10.213.0.2:3128`);
    expect(agent.registration.token).toMatch(/^[0-9a-f]{64}$/);
    expect(env.get('https_proxy')).toBe(env.get('HTTPS_PROXY'));
    expect(env.get('NO_PROXY')).toBe('');
    expect(env.get('SSL_CERT_FILE')).toBe(AGENT_CA_BUNDLE);
    const files = caFiles({ certPem: 'CERT\n' }, 'SYSTEM\n');
    expect(files.files.map((file) => [file.name, file.content.toString()])).toEqual([
      ['ca.pem', 'CERT\n'],
      ['ca-bundle.pem', 'SYSTEM\nCERT\n'],
    ]);
    expect(JSON.stringify(files)).not.toContain('KEY');
  });

  it('names the gateway objects, and gives the gateway .2 of its subnet', () => {
    expect(getGatewayNames({})).toEqual({
      gateway: 'agentctl-egress',
      internal: 'agentctl-egress-internal',
      external: 'agentctl-egress-external',
      volume: 'agentctl-egress-state',
    });
    expect(getGatewayNames({ AGENTCTL_EGRESS_NAME: 'x/../y' }).gateway).toBe('agentctl-egress');
    expect(
      gatewayAddress({ id: 'n', name: 'n', internal: true, labels: {}, subnets: [{ subnet: '10.213.4.0/24' }] }),
    ).toBe('10.213.4.2');
  });
});
