import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NetworkingV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterSuite, readTestCluster } from '../helpers/cluster.js';
import { CLIENT } from '../helpers/egress-stand-ins.js';
import { startHostStandIns, type HostStandIns } from '../helpers/host-stand-ins.js';
import { makeStandInCertificate } from '../helpers/stand-in-certificate.js';

// The egress gateway on a real cluster, tested from inside the agent's Pod: stand-in HTTPS
// services run by this test on the node's address (which the cluster's Pods reach), the agent a
// node script in its Pod. This cluster's network plugin (the plain bridge) does not enforce
// NetworkPolicy: the test checks that agentctl says so, and never claims a direct connection fails.
const cluster = readTestCluster();
const nodeImage = cluster.nodeImage ?? 'agentctl-test/node:bookworm';
const host = cluster.nodeIp;
const realKey = `egk-real-${randomBytes(16).toString('hex')}`;

// The stand-ins' certificate (its own CA, for the node's address), made before the repository.
const certificate = makeStandInCertificate(host);
const certPem = certificate.certPem;

const { fixture, cli: run } = clusterSuite('egk', {
  'README.md': '# egress\n',
  'client.cjs': CLIENT,
  'standin-ca.pem': certPem,
});
const config = fixture.tempDir();
const env: Record<string, string> = {
  XDG_CONFIG_HOME: join(config, 'config'),
  XDG_DATA_HOME: join(config, 'data'),
  AGENTCTL_EGRESS_UPSTREAM_CA: join(config, 'upstream-ca.pem'),
  EGK_KEY: realKey,
};
const outputs: string[] = [];
/**
 * agentctl with the config, and the real key in its environment only for `start` (which needs it):
 * agentctl masks the values of secrets it knows in what it prints, so every other command runs
 * without it, and a key that leaked into what they show would be printed as it is.
 */
async function cli(args: string[]) {
  const result = await run(args, { env: args[0] === 'start' ? env : { ...env, EGK_KEY: '' } });
  outputs.push(result.stdout, result.stderr);
  return result;
}

let standIns: HostStandIns;
let received: HostStandIns['received'];
const ports: Record<string, number> = {};
let bound = '';
let other = '';

/** Runs the client in the agent's Pod, as the agent would (its own environment); its result. */
async function inAgent(name: string, args: string[], extraEnv: string[] = []): Promise<any> {
  // Not in `outputs`: the stand-ins answer with the headers they got, the bound one's real key too.
  const result = await run(['exec', name, '--', 'env', ...extraEnv, 'node', '/workspace/client.cjs', ...args], {
    env: { ...env, EGK_KEY: '' },
  });
  const line = result.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line);
  } catch {
    throw new Error(`the client printed no result: ${result.stdout} ${result.stderr}`);
  }
}

const agent = 'egk-a';
const second = 'egk-b';
let startErr = '';

beforeAll(async () => {
  standIns = await startHostStandIns(host, certificate, ['bound', 'other']);
  received = standIns.received;
  Object.assign(ports, standIns.ports);
  bound = `${host}:${ports.bound}`;
  other = `${host}:${ports.other}`;
  writeFileSync(env.AGENTCTL_EGRESS_UPSTREAM_CA!, certPem);
  mkdirSync(join(env.XDG_CONFIG_HOME!, 'agentctl'), { recursive: true });
  writeFileSync(
    join(env.XDG_CONFIG_HOME!, 'agentctl', 'config.json'),
    JSON.stringify({
      egress: { gatewayImage: nodeImage, secrets: { EGK_KEY: { hosts: [bound], header: 'x-api-key' } } },
    }),
  );
}, 60_000);

afterAll(async () => {
  standIns?.close();
});

const small = ['--cpus', '0.3', '--memory', '256m'];

describe('the egress gateway on Kubernetes', () => {
  it('starts an allowlist agent behind a gateway Pod, hardened, with a NetworkPolicy of the right selectors', async () => {
    const started = await cli([
      'start',
      agent,
      '-d',
      '--image',
      nodeImage,
      ...small,
      '--egress',
      'allowlist',
      '--allow',
      bound,
      '--allow',
      other,
      '--secret',
      'EGK_KEY',
      '--json',
      '--',
      'sleep',
      '900',
    ]);
    startErr = started.stderr;
    expect(started.exitCode, started.stderr).toBe(0);

    const { namespace } = fixture;
    const pods = await fixture.core.listNamespacedPod({ namespace, labelSelector: 'io.agentctl.kind=egress-gateway' });
    expect(pods.items).toHaveLength(1);
    const gatewayPod = pods.items[0]!;
    expect(gatewayPod.metadata?.labels).toMatchObject({ 'io.agentctl.managed': 'true' });
    expect(gatewayPod.spec?.automountServiceAccountToken).toBe(false);
    expect(gatewayPod.spec?.containers[0]?.securityContext).toMatchObject({
      runAsUser: 65534,
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });

    const config = new KubeConfig();
    config.loadFromFile(cluster.kubeconfig);
    const policies = await config.makeApiClient(NetworkingV1Api).listNamespacedNetworkPolicy({ namespace });
    const byName = Object.fromEntries(policies.items.map((item) => [item.metadata!.name!, item.spec!]));
    expect(Object.keys(byName).sort()).toEqual(['agentctl-egress-external', 'agentctl-egress-internal']);
    const agents = byName['agentctl-egress-internal']!;
    expect(agents.podSelector!.matchLabels).toEqual({
      'io.agentctl.managed': 'true',
      'io.agentctl.egress-gateway': 'agentctl-egress',
    });
    expect(agents.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(agents.ingress ?? []).toEqual([]);
    expect(agents.egress).toEqual([
      {
        to: [
          {
            podSelector: {
              matchLabels: { 'io.agentctl.kind': 'egress-gateway', 'agentctl.io/record': 'agentctl-egress' },
            },
          },
        ],
        ports: [{ protocol: 'TCP', port: 3128 }],
      },
    ]);
    const own = byName['agentctl-egress-external']!;
    expect(own.podSelector!.matchLabels).toEqual({
      'io.agentctl.kind': 'egress-gateway',
      'agentctl.io/record': 'agentctl-egress',
    });
    // The agent's Pod is selected by the agents' policy (its labels), the gateway's by its own.
    const agentPod = await fixture.core.readNamespacedPod({ name: `agentctl-${agent}-0`, namespace });
    for (const [key, value] of Object.entries(agents.podSelector!.matchLabels!))
      expect(agentPod.metadata?.labels?.[key]).toBe(value);
    for (const [key, value] of Object.entries(own.podSelector!.matchLabels!))
      expect(gatewayPod.metadata?.labels?.[key]).toBe(value);
    // The proxy names the gateway, which the agent's Pod resolves to the gateway Pod's address.
    const proxy = agentPod.spec?.containers[0]?.env?.find((item) => item.name === 'HTTPS_PROXY')?.value ?? '';
    expect(new URL(proxy).hostname).toBe('agentctl-egress');
    expect(agentPod.spec?.hostAliases).toEqual([{ ip: gatewayPod.status?.podIP, hostnames: ['agentctl-egress'] }]);
  }, 300_000);

  it('injects the real key only into requests to its own service; the agent holds a placeholder', async () => {
    const sent = await inAgent(
      agent,
      ['proxy', `https://${bound}/v1/messages`, 'x-api-key=${EGK_KEY}'],
      ['STANDIN_CA=/workspace/standin-ca.pem'],
    );
    expect(sent.status, JSON.stringify(sent)).toBe(200);
    // What reached the service (recorded here, not printed by agentctl): the real key.
    expect(received.bound!.at(-1)?.['x-api-key']).toBe(realKey);
    // The agent's exec output echoes it back (the stand-in answers with the headers it got).
    expect(sent.body.headers['x-api-key']).toBe(realKey);

    // The placeholder sent to another service is left as it is.
    const elsewhere = await inAgent(
      agent,
      ['proxy', `https://${other}/`, 'x-api-key=${EGK_KEY}'],
      ['STANDIN_CA=/workspace/standin-ca.pem'],
    );
    expect(elsewhere.status, JSON.stringify(elsewhere)).toBe(200);
    const placeholder = elsewhere.body.headers['x-api-key'] as string;
    expect(placeholder).toMatch(/^agentctl-placeholder-egk-key-[0-9a-f]{32}$/);
    expect(JSON.stringify(received.other)).not.toContain(realKey);

    // What the agent holds: its environment, its files, every process's environment.
    const inside = await cli([
      'exec',
      agent,
      '--',
      'sh',
      '-c',
      'env; cat /run/secrets/* 2>/dev/null; for f in /proc/[0-9]*/environ /proc/[0-9]*/cmdline; do tr "\\0" "\\n" < "$f"; done 2>/dev/null; grep -rs . /run/agentctl-egress /workspace /tmp 2>/dev/null | head -c 200000',
    ]);
    expect(inside.exitCode, inside.stderr).toBe(0);
    expect(inside.stdout).toContain(placeholder);
    expect(inside.stdout).not.toContain(realKey);

    // The cluster's objects of the agent: Pod spec, record, Secret; and agentctl's outputs.
    const { namespace } = fixture;
    const pod = await fixture.core.readNamespacedPod({ name: `agentctl-${agent}-0`, namespace });
    const record = await fixture.core.readNamespacedConfigMap({ name: `agentctl-${agent}`, namespace });
    const secret = await fixture.core.readNamespacedSecret({ name: `agentctl-${agent}-secrets`, namespace });
    const secretText = Object.values(secret.data ?? {})
      .map((value) => Buffer.from(value, 'base64').toString('utf8'))
      .join('\n');
    expect(secretText).toContain(placeholder);
    for (const text of [JSON.stringify(pod), JSON.stringify(record), secretText]) expect(text).not.toContain(realKey);
    const inspect = await cli(['inspect', agent, '--json']);
    expect(inspect.exitCode, inspect.stderr).toBe(0);
    // inspect and ls show the policy and its allowlist as on the engines (environment by name only).
    expect(inspect.json.agent.egress).toEqual({ policy: 'allowlist', allow: [bound, other] });
    expect(inspect.json.agent.environment).toContain('EGK_KEY');
    const ls = await cli(['ls', '--json']);
    expect(ls.exitCode, ls.stderr).toBe(0);
    const listed = (ls.json.agents as { name: string; egress: unknown }[]).find((item) => item.name === agent);
    expect(listed?.egress).toEqual({ policy: 'allowlist', allow: [bound, other] });
    for (const output of outputs) expect(output).not.toContain(realKey);
  }, 120_000);

  it('refuses a host not in the allowlist and a loopback address, and logs both', async () => {
    const denied = await inAgent(agent, ['proxy', 'https://denied.example/']);
    expect(denied.connect, JSON.stringify(denied)).toBe(403);
    const loopback = await inAgent(agent, ['proxy', `https://127.0.0.1:${ports.bound}/`]);
    expect(loopback.connect, JSON.stringify(loopback)).toBe(403);

    const log = await cli(['logs', '--network', agent, '--json']);
    expect(log.exitCode, log.stderr).toBe(0);
    const events = log.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(events).toContainEqual(
      expect.objectContaining({
        agent,
        host: 'denied.example',
        port: 443,
        action: 'denied',
        reason: 'not in allowlist',
      }),
    );
    expect(events).toContainEqual(
      expect.objectContaining({ agent, host: '127.0.0.1', port: ports.bound, action: 'denied' }),
    );
    expect(events).toContainEqual(
      expect.objectContaining({ agent, host, port: ports.bound, action: 'allowed', injected: ['EGK_KEY'] }),
    );
    const refused = events.find((event) => event.port === ports.other && event.placeholderRefused);
    expect(refused?.placeholderRefused).toEqual(['EGK_KEY']);
  }, 120_000);

  it("says whether NetworkPolicy is enforced, as the cluster behaves: doctor's line and start's warning", async () => {
    // Not blocked on this cluster's plain bridge: the truth the doctor's line must match.
    const direct = await inAgent(agent, ['direct', host, String(ports.other)]);
    const doctor = await cli(['doctor', '--json']);
    const checks = JSON.stringify(doctor.json);
    const check = (doctor.json.checks as { id: string; message: string; status: string }[]).find(
      (item) => item.id === 'network-policy',
    );
    expect(check, checks).toBeDefined();
    expect(check!.message.startsWith('not enforced'), check!.message).toBe(direct.connected === true);
    const warning = 'no network plugin known to enforce NetworkPolicy was found';
    expect(startErr.split(warning).length - 1, startErr).toBe(direct.connected === true ? 1 : 0);
  }, 120_000);

  it("a re-created gateway Pod keeps the registrations (its claim); the agent's next start reaches it at its new address", async () => {
    const { namespace } = fixture;
    const old = await fixture.core.readNamespacedPod({ name: 'agentctl-egress-0', namespace });
    await fixture.core.deleteNamespacedPod({ name: 'agentctl-egress-0', namespace, gracePeriodSeconds: 1 });
    // Its StatefulSet makes it again (a new Pod, most often a new IP).
    const deadline = Date.now() + 120_000;
    let addresses: (string | undefined)[];
    for (;;) {
      const pod = await fixture.core.readNamespacedPod({ name: 'agentctl-egress-0', namespace }).catch(() => undefined);
      const running = pod?.status?.containerStatuses?.[0]?.state?.running;
      if (pod && pod.metadata?.uid !== old.metadata?.uid && running && !pod.metadata?.deletionTimestamp) {
        addresses = [old.status?.podIP, pod.status?.podIP];
        break;
      }
      if (Date.now() > deadline) throw new Error('the gateway Pod was not made again');
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const stopped = await cli(['stop', agent]);
    expect(stopped.exitCode, stopped.stderr).toBe(0);
    const started = await cli(['start', agent, '-d', '--json']);
    expect(started.exitCode, started.stderr).toBe(0);
    const gatewayPod = await fixture.core.readNamespacedPod({ name: 'agentctl-egress-0', namespace });
    const agentPod = await fixture.core.readNamespacedPod({ name: `agentctl-${agent}-0`, namespace });
    expect(agentPod.spec?.hostAliases).toEqual([{ ip: gatewayPod.status?.podIP, hostnames: ['agentctl-egress'] }]);
    const sent = await inAgent(
      agent,
      ['proxy', `https://${bound}/again`, 'x-api-key=${EGK_KEY}'],
      ['STANDIN_CA=/workspace/standin-ca.pem'],
    );
    expect(sent.status, JSON.stringify(sent)).toBe(200);
    expect(received.bound!.at(-1)?.['x-api-key']).toBe(realKey);
    // Said, not asserted: the cluster's IPAM may give the new Pod the old address.
    console.log(`gateway Pod address before and after its re-creation: ${addresses.join(' -> ')}`);
  }, 180_000);

  it('rm ends the agent token; prune removes the gateway and its objects once no agent uses it', async () => {
    const started = await cli([
      'start',
      second,
      '-d',
      '--image',
      nodeImage,
      ...small,
      '--egress',
      'allowlist',
      '--allow',
      other,
      '--json',
      '--',
      'sleep',
      '900',
    ]);
    expect(started.exitCode, started.stderr).toBe(0);
    const pod = await fixture.core.readNamespacedPod({ name: `agentctl-${agent}-0`, namespace: fixture.namespace });
    const firstProxy = pod.spec!.containers[0]!.env!.find((item) => item.name === 'HTTPS_PROXY')!.value!;
    // The first agent's token works from the second's Pod until the first is removed.
    const before = await inAgent(
      second,
      ['proxy', `https://${other}/`],
      [`PROXY_OVERRIDE=${firstProxy}`, 'STANDIN_CA=/workspace/standin-ca.pem'],
    );
    expect(before.status, JSON.stringify(before)).toBe(200);
    expect((await cli(['rm', agent, '--force', '--volumes'])).exitCode).toBe(0);
    const after = await inAgent(second, ['proxy', `https://${other}/`], [`PROXY_OVERRIDE=${firstProxy}`]);
    expect(after.connect, JSON.stringify(after)).toBe(407);

    const kept = await cli(['prune', '--json']);
    expect(kept.exitCode, kept.stderr).toBe(0);
    expect(JSON.stringify(kept.json)).not.toContain('"agentctl-egress-state"');
    expect((await cli(['rm', second, '--force', '--volumes'])).exitCode).toBe(0);
    const pruned = await cli(['prune', '--json']);
    expect(pruned.exitCode, pruned.stderr).toBe(0);
    expect(JSON.stringify(pruned.json)).toContain('agentctl-egress');

    const config = new KubeConfig();
    config.loadFromFile(cluster.kubeconfig);
    const policies = await config
      .makeApiClient(NetworkingV1Api)
      .listNamespacedNetworkPolicy({ namespace: fixture.namespace });
    expect(policies.items.map((item) => item.metadata?.name)).toEqual([]);
    const deadline = Date.now() + 60_000;
    let left = await fixture.leftovers();
    while (left.length > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      left = await fixture.leftovers();
    }
    expect(left).toEqual([]);
  }, 400_000);
});
