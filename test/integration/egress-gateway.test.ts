import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT, startStandIns, type StandIns } from '../helpers/egress-stand-ins.js';
import { readTestEngines } from '../helpers/engines.js';
import { lifecycleFixture } from '../helpers/lifecycle.js';
import { execa } from 'execa';
import { tmpdir } from 'node:os';
import { engineProxy } from '../helpers/fault-tools.js';
import { BIN, runCli } from '../helpers/run-cli.js';
import { GATEWAY_STATE_DIR, REGISTRATIONS_SUBDIR } from '../../src/egress/contract.js';
import { pruneGateways } from '../../src/core/egress/gateway-prune.js';
import { createDockerodeRuntime } from '../../src/runtime/dockerode-runtime.js';

// The egress gateway tested from inside: the test plays the agent (a node script in the agent's
// container) against stand-in HTTPS services on the gateway's external network, and checks what
// reached them, what the agent holds, and that nothing goes around the proxy.
const f = lifecycleFixture('egw');
const suffix = randomBytes(3).toString('hex');
const gateway = `agentctl-egw-${suffix}`;
const external = `${gateway}-external`;
const realKey = `egw-real-${randomBytes(16).toString('hex')}`;
const nodeImage = readTestEngines().nodeImage;
const root = f.workspace();
const ws = join(root, 'ws');
const env: Record<string, string> = {
  AGENTCTL_EGRESS_NAME: gateway,
  XDG_CONFIG_HOME: join(root, 'config'),
  XDG_DATA_HOME: join(root, 'data'),
  AGENTCTL_EGRESS_UPSTREAM_CA: join(root, 'upstream-ca.pem'),
  EGW_KEY: realKey,
};
const agent = f.agentName('a');
const second = f.agentName('b');
const openAgent = f.agentName('o');
let standIns: StandIns;
let bound: string;
let other: string;
let hostServer: Server | undefined;

const cli = (args: string[]) => f.cli(args, { env });

/** Runs the client in NAME (as the agent would: its own environment), parsed. */
async function inAgent(name: string, args: string[], extraEnv: string[] = []): Promise<any> {
  const result = await f.exec(`agentctl-${name}`, [
    'env',
    'STANDIN_CA=/workspace/standin-ca.pem',
    ...extraEnv,
    'node',
    '/workspace/client.cjs',
    ...args,
  ]);
  const line = result.output.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line);
  } catch {
    throw new Error(`the client printed no result: ${result.output}`);
  }
}

beforeAll(async () => {
  mkdirSync(ws);
  chmodSync(ws, 0o777);
  writeFileSync(join(ws, 'client.cjs'), CLIENT);
  standIns = await startStandIns(f.docker, {
    network: external,
    image: nodeImage,
    names: ['bound', 'other'],
    label: suffix,
  });
  bound = standIns.addresses.bound!;
  other = standIns.addresses.other!;
  writeFileSync(join(ws, 'standin-ca.pem'), standIns.certPem);
  // The gateway trusts the stand-ins and this machine's own bundle (HTTPS is intercepted here).
  writeFileSync(
    env.AGENTCTL_EGRESS_UPSTREAM_CA!,
    readFileSync('/etc/ssl/certs/ca-certificates.crt', 'utf8') + standIns.certPem,
  );
  mkdirSync(join(env.XDG_CONFIG_HOME!, 'agentctl'), { recursive: true });
  writeFileSync(
    join(env.XDG_CONFIG_HOME!, 'agentctl', 'config.json'),
    JSON.stringify({
      egress: {
        gatewayImage: nodeImage,
        // Bound as Claude Code sends its key: in x-api-key and as Authorization: Bearer.
        secrets: {
          EGW_KEY: {
            hosts: [bound],
            header: 'x-api-key',
            also: [{ header: 'authorization', format: 'Bearer {value}' }],
          },
        },
      },
    }),
  );
  const started = await cli([
    'start',
    agent,
    '-d',
    '--workspace',
    ws,
    '--image',
    nodeImage,
    '--egress',
    'allowlist',
    '--allow',
    bound,
    '--allow',
    other,
    '--allow',
    aptHost(),
    '--secret',
    'EGW_KEY',
    '--json',
    '--',
    'sleep',
    '600',
  ]);
  expect(started.exitCode, started.stdout + started.stderr).toBe(0);
}, 180_000);

afterAll(async () => {
  for (const name of [agent, second, openAgent]) await cli(['rm', '--force', name]);
  hostServer?.close();
  await f.cleanUp();
  await f.docker
    .getContainer(gateway)
    .remove({ force: true })
    .catch(() => undefined);
  await standIns?.remove();
  for (const network of [`${gateway}-internal`, external])
    await f.docker
      .getNetwork(network)
      .remove()
      .catch(() => undefined);
  await f.docker
    .getVolume(`${gateway}-state`)
    .remove()
    .catch(() => undefined);
}, 120_000);

/** This machine's address on its default route (no connection is made to find it). */
function mainAddress(): string {
  const route = execFileSync('ip', ['-4', 'route', 'get', '192.0.2.1'], { encoding: 'utf8' });
  const match = /\bsrc (\d+\.\d+\.\d+\.\d+)/.exec(route);
  if (!match) throw new Error(`no source address in: ${route}`);
  return match[1]!;
}

/** Debian's mirror as this machine's apt knows it (a host the network here lets through). */
function aptHost(): string {
  for (const file of ['/etc/apt/sources.list.d/debian.sources', '/etc/apt/sources.list']) {
    try {
      const match = /(?:URIs:|deb)\s+https?:\/\/([^/\s]+)/.exec(readFileSync(file, 'utf8'));
      if (match) return match[1]!;
    } catch {
      // Not this file.
    }
  }
  throw new Error('no Debian mirror in the apt sources of this machine');
}

describe(`the egress gateway on ${f.engineName} (${f.setup})`, () => {
  it('injects the real key only into requests to its own service; the agent holds a placeholder', async () => {
    const headers = ['x-api-key=${EGW_KEY}', 'authorization=Bearer ${EGW_KEY}', 'x-other=${EGW_KEY}'];
    const toBound = await inAgent(agent, ['proxy', `https://${bound}/v1/messages`, ...headers]);
    expect(toBound, JSON.stringify(toBound)).toMatchObject({ status: 200, body: { name: 'bound' } });
    expect(toBound.body.headers['x-api-key']).toBe(realKey);
    expect(toBound.body.headers.authorization).toBe(`Bearer ${realKey}`);
    // A header the secret is not bound to keeps the placeholder.
    expect(toBound.body.headers['x-other']).toMatch(/^agentctl-placeholder-egw-key-[0-9a-f]{32}$/);

    const toOther = await inAgent(agent, ['proxy', `https://${other}/steal`, ...headers]);
    expect(toOther, JSON.stringify(toOther)).toMatchObject({ status: 200, body: { name: 'other' } });
    expect(toOther.body.headers['x-api-key']).toMatch(/^agentctl-placeholder-egw-key-[0-9a-f]{32}$/);
    expect(JSON.stringify(toOther.body.headers)).not.toContain(realKey);

    // Everything the agent can read: its environment, its secret file, its processes' environments.
    const inside = await f.exec(`agentctl-${agent}`, [
      'sh',
      '-c',
      'env; cat /run/secrets/EGW_KEY; cat /proc/*/environ 2>/dev/null | tr "\\0" "\\n"',
    ]);
    expect(inside.output).toContain('EGW_KEY=agentctl-placeholder-');
    expect(inside.output).not.toContain(realKey);
    // Nor the container's configuration, nor anything agentctl printed.
    const inspected = JSON.stringify(await f.docker.getContainer(`agentctl-${agent}`).inspect());
    expect(inspected).not.toContain(realKey);
    expect(inspected).toContain(`${gateway}-internal`);
    for (const output of f.outputs) expect(output).not.toContain(realKey);
    const ls = await cli(['ls', '--json']);
    expect(ls.json.agents.find((item: { name: string }) => item.name === agent)).toMatchObject({
      egress: { policy: 'allowlist', allow: [bound, other, aptHost()] },
    });
  });

  it('lets through only what the allowlist names, and only with the agent token', async () => {
    // A host by name the network here reaches, allowed: through the gateway (TLS verified upstream).
    const allowed = await inAgent(agent, ['proxy', `https://${aptHost()}/debian/`]);
    expect(allowed.connect, JSON.stringify(allowed)).toBeUndefined();
    expect(allowed.status).toBeGreaterThanOrEqual(200);
    // Not in the allowlist (a name, and an address beside the stand-ins), loopback: refused by the gateway.
    const third = bound.replace(/\.\d+$/, '.99');
    for (const target of ['https://denied.example/', `https://${third}/`, 'https://127.0.0.1/']) {
      const refused = await inAgent(agent, ['proxy', target]);
      expect(refused, `${target}: ${JSON.stringify(refused)}`).toEqual({ connect: 403 });
    }
    // The proxy without the agent's token, and with a made-up one.
    const address = new URL((await f.exec(`agentctl-${agent}`, ['printenv', 'HTTPS_PROXY'])).output.trim()).hostname;
    for (const proxy of [`http://${address}:3128`, `http://agent:${'0'.repeat(64)}@${address}:3128`]) {
      const refused = await inAgent(agent, ['proxy', `https://${bound}/`], [`PROXY_OVERRIDE=${proxy}`]);
      expect(refused, JSON.stringify(refused)).toEqual({ connect: 407 });
    }
  });

  it("logs --network: the agent's events as lines and --json, --tail per agent, --allowlist for --allow", async () => {
    const third = bound.replace(/\.\d+$/, '.99');
    const human = await cli(['logs', '--network', agent]);
    expect(human.exitCode, human.stderr).toBe(0);
    const line = (text: string) => new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ ${agent} ${text}$`, 'm');
    expect(human.stdout).toMatch(line('denied denied\\.example:443 \\(not in allowlist\\)'));
    // The first test sent the placeholder in x-other too: injected, and that one reported.
    expect(human.stdout).toMatch(
      line(`allowed ${bound.replace(/\./g, '\\.')}:443 injected EGW_KEY placeholder refused EGW_KEY`),
    );
    expect(human.stdout).toMatch(line(`allowed ${other.replace(/\./g, '\\.')}:443 placeholder refused EGW_KEY`));
    const json = await cli(['logs', '--network', agent, '--json']);
    expect(json.exitCode, json.stderr).toBe(0);
    const events = json.stdout
      .trim()
      .split('\n')
      .map((text) => JSON.parse(text));
    // Only this agent's: the connections without its token (407 above) name no agent.
    expect(events.every((event: { agent: string }) => event.agent === agent)).toBe(true);
    expect(events).toContainEqual({
      time: expect.stringMatching(/^\d{4}-.*Z$/),
      agent,
      host: 'denied.example',
      port: 443,
      action: 'denied',
      reason: 'not in allowlist',
    });
    expect(events).toContainEqual(
      expect.objectContaining({
        host: bound,
        action: 'allowed',
        injected: ['EGW_KEY'],
        placeholderRefused: ['EGW_KEY'],
      }),
    );
    const tail = await cli(['logs', '--network', agent, '--tail', '2', '--json']);
    expect(
      tail.stdout
        .trim()
        .split('\n')
        .map((text) => JSON.parse(text)),
    ).toEqual(events.slice(-2));
    // learned/denied by the allowlist: the name and the private address; never loopback (no entry opens it).
    const allowlist = await cli(['logs', '--network', '--allowlist', agent]);
    expect(allowlist.exitCode, allowlist.stderr).toBe(0);
    expect(allowlist.stdout.trim().split('\n')).toEqual([third, 'denied.example'].sort());
    const allowJson = await cli(['logs', '--network', '--allowlist', agent, '--json']);
    expect(allowJson.json).toEqual({ ok: true, allowlist: [third, 'denied.example'].sort() });
    // Refused combinations, before the engine is asked.
    for (const args of [
      ['--allowlist', agent],
      ['--network', '--timestamps', agent],
      ['--network', '--allowlist', '-f', agent],
    ]) {
      const refused = await cli(['logs', ...args, '--json']);
      expect(refused.exitCode, args.join(' ')).toBe(2);
      expect(refused.json.error.code).toBe('NETWORK_LOG_OPTION');
    }
  });

  it('logs --network --follow prints new events as they come; an open agent has no network log', async () => {
    const child = spawn(
      process.execPath,
      [BIN, '--host', f.host, 'logs', '--network', '-f', '--tail', '0', agent, '--json'],
      {
        env: { ...process.env, ...env, NO_COLOR: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      // Until the follow stream is open (it prints nothing before the new event).
      const deadline = Date.now() + 60_000;
      let seen = false;
      while (!seen && Date.now() < deadline) {
        await inAgent(agent, ['proxy', 'https://follow.example/']);
        await new Promise((resolve) => setTimeout(resolve, 1000));
        seen = out.includes('"host":"follow.example"');
      }
      expect(seen, out).toBe(true);
      expect(out).not.toContain('"host":"denied.example"');
      expect(
        out
          .trim()
          .split('\n')
          .map((text) => JSON.parse(text))[0],
      ).toMatchObject({
        agent,
        host: 'follow.example',
        action: 'denied',
      });
    } finally {
      child.kill('SIGINT');
      await exited;
    }

    const started = await cli([
      'start',
      openAgent,
      '-d',
      '--workspace',
      ws,
      '--image',
      nodeImage,
      '--read-only',
      '--',
      'sleep',
      '600',
    ]);
    expect(started.exitCode, started.stdout + started.stderr).toBe(0);
    const unavailable = await cli(['logs', '--network', openAgent, '--json']);
    expect(unavailable.exitCode).toBe(2);
    expect(unavailable.json.error).toMatchObject({
      code: 'NETWORK_LOG_UNAVAILABLE',
      hint: expect.stringContaining('--egress learn'),
    });
    expect((await cli(['rm', '--force', openAgent])).exitCode).toBe(0);
  });

  it('has no way out around the proxy: a direct connection reaches nothing', async () => {
    // A server of this machine's on every interface, at its main address.
    hostServer = createServer((socket) => socket.end());
    await new Promise<void>((resolve) => hostServer!.listen(0, '0.0.0.0', resolve));
    const port = (hostServer.address() as { port: number }).port;
    const hostAddress = mainAddress();
    const gatewayAddress = new URL((await f.exec(`agentctl-${agent}`, ['printenv', 'HTTPS_PROXY'])).output.trim())
      .hostname;
    const targets: [string, string][] = [
      [bound, '443'],
      [hostAddress, String(port)],
      [gatewayAddress.replace(/\.\d+$/, '.1'), String(port)],
    ];
    for (const [host, targetPort] of targets) {
      const direct = await inAgent(agent, ['direct', host, targetPort]);
      expect(direct.connected, `${host}:${targetPort} from the agent: ${JSON.stringify(direct)}`).toBeUndefined();
    }
    // The control: from the external network the stand-in answers (so the check above can fail).
    const control = await f.exec(`${external}-other`, [
      'node',
      '-e',
      `require('net').connect(443, ${JSON.stringify(bound)}).on('connect', () => { console.log('connected'); process.exit(0); }).on('error', (e) => { console.log(e.code); process.exit(1); })`,
    ]);
    expect(control.output).toContain('connected');
  });

  it('keeps the registration across stop, start and restart (a stopped gateway started again; the gateway learns each new address); its token handed to another agent gets nothing; rm ends the token; tunnels work without secrets', async () => {
    // What the gateway holds as the agent's address, and the address the engine gave it now.
    const recordedAddress = async () =>
      (
        await f.exec(gateway, [
          'node',
          '-e',
          `process.stdout.write(require('fs').readFileSync(${JSON.stringify(`${GATEWAY_STATE_DIR}/${REGISTRATIONS_SUBDIR}/${agent}.address`)}, 'utf8'))`,
        ])
      ).output.trim();
    const addressNow = async () =>
      (
        (await f.docker.getContainer(`agentctl-${agent}`).inspect()).NetworkSettings.Networks[`${gateway}-internal`]
          ?.IPAddress ?? ''
      ).trim();
    // Made and used (the tests above) without agentctl telling the gateway its address: on Docker
    // the gateway finds it by the agent's container name (the engine's DNS); on Podman it was written.
    const addressFile = await f.exec(gateway, [
      'node',
      '-e',
      `process.exit(require('fs').existsSync(${JSON.stringify(`${GATEWAY_STATE_DIR}/${REGISTRATIONS_SUBDIR}/${agent}.address`)}) ? 0 : 3)`,
    ]);
    expect(addressFile.exitCode).toBe(f.engineName === 'docker' ? 3 : 0);
    expect((await cli(['stop', agent, '--timeout', '0'])).exitCode).toBe(0);
    const restarted = await cli(['start', agent, '-d']);
    expect(restarted.exitCode, restarted.stdout + restarted.stderr).toBe(0);
    expect(await recordedAddress()).toBe(await addressNow());
    const again = await inAgent(agent, ['proxy', `https://${bound}/again`, 'x-api-key=${EGW_KEY}']);
    expect(again.body?.headers?.['x-api-key'], JSON.stringify(again)).toBe(realKey);
    // `restart` sees to the gateway as `start` does (a stopped one is started again), and tells
    // it the address of this start too.
    await f.docker.getContainer(gateway).stop({ t: 0 });
    // doctor says it is stopped and will be started (it said "not on its network: remove it").
    const doctor = await cli(['doctor', '--json']);
    expect(doctor.json.checks.find((check: { id: string }) => check.id === 'egress')).toMatchObject({
      status: 'warn',
      message: expect.stringMatching(new RegExp(`^${gateway} is (exited|stopped)`)),
      fix: expect.stringContaining('The next start of an allowlist agent starts it'),
    });
    const viaRestart = await cli(['restart', agent, '--timeout', '0']);
    expect(viaRestart.exitCode, viaRestart.stdout + viaRestart.stderr).toBe(0);
    expect((await f.docker.getContainer(gateway).inspect()).State.Running).toBe(true);
    expect(await recordedAddress()).toBe(await addressNow());
    const afterRestart = await inAgent(agent, ['proxy', `https://${bound}/restarted`, 'x-api-key=${EGW_KEY}']);
    expect(afterRestart.body?.headers?.['x-api-key'], JSON.stringify(afterRestart)).toBe(realKey);

    // A second agent, no secret: its TLS is tunnelled to the stand-in (it verifies the stand-in itself).
    const started = await cli([
      'start',
      second,
      '-d',
      '--workspace',
      ws,
      '--image',
      nodeImage,
      '--read-only',
      '--egress',
      'allowlist',
      '--allow',
      other,
      '--',
      'sleep',
      '600',
    ]);
    expect(started.exitCode, started.stdout + started.stderr).toBe(0);
    // Its CA files came in with its other files (the image's bundle was known from the first
    // agent): its CA, and a bundle of the image's CAs with it.
    const caCheck = await f.exec(`agentctl-${second}`, [
      'node',
      '-e',
      "const fs = require('fs'); const ca = fs.readFileSync('/run/agentctl-egress/ca.pem', 'utf8'); const bundle = fs.readFileSync('/run/agentctl-egress/ca-bundle.pem', 'utf8'); console.log(JSON.stringify({ certificates: bundle.split('BEGIN CERTIFICATE').length - 1, hasCa: bundle.includes(ca.trim()) }))",
    ]);
    const files = JSON.parse(caCheck.output.trim().split('\n').pop()!);
    expect(files.certificates, caCheck.output).toBeGreaterThan(10);
    expect(files.hasCa).toBe(true);
    const tunnelled = await inAgent(second, ['proxy', `https://${other}/tunnel`]);
    expect(tunnelled, JSON.stringify(tunnelled)).toMatchObject({ status: 200, body: { name: 'other' } });
    const notAllowed = await inAgent(second, ['proxy', `https://${bound}/`]);
    expect(notAllowed).toEqual({ connect: 403 });

    // The first agent's token, handed to the second, gets it nothing: the gateway takes it only
    // from the first's address (after waiting for agentctl to record it, in case it was the first
    // starting), and says so in the first's network log. The first's own requests go on.
    const firstProxy = (await f.exec(`agentctl-${agent}`, ['printenv', 'HTTPS_PROXY'])).output.trim();
    const secondAddress = (await f.docker.getContainer(`agentctl-${second}`).inspect()).NetworkSettings.Networks[
      `${gateway}-internal`
    ]!.IPAddress;
    const handedOver = await inAgent(
      second,
      ['proxy', `https://${bound}/`, 'x-api-key=agentctl-placeholder-guess'],
      [`PROXY_OVERRIDE=${firstProxy}`, 'CLIENT_TIMEOUT_MS=20000'],
    );
    expect(handedOver, JSON.stringify(handedOver)).toEqual({ connect: 407 });
    const firstLog = await cli(['logs', '--network', agent, '--json']);
    expect(
      firstLog.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line))
        .filter((event) => event.reason?.startsWith('proxy token from another address')),
    ).toEqual([
      expect.objectContaining({
        agent,
        host: bound,
        action: 'denied',
        reason: `proxy token from another address (${secondAddress})`,
      }),
    ]);
    const stillWorks = await inAgent(agent, ['proxy', `https://${bound}/own`, 'x-api-key=${EGW_KEY}']);
    expect(stillWorks.body?.headers?.['x-api-key'], JSON.stringify(stillWorks)).toBe(realKey);
    expect((await cli(['rm', '--force', agent])).exitCode).toBe(0);
    const after = await inAgent(second, ['proxy', `https://${bound}/`], [`PROXY_OVERRIDE=${firstProxy}`]);
    expect(after, JSON.stringify(after)).toEqual({ connect: 407 });
  });

  it('a start killed after its registration, before its container: the next contact takes the registration out', async () => {
    const killed = f.agentName('k');
    const registered = () =>
      f
        .exec(gateway, [
          'node',
          '-e',
          `process.stdout.write(String(require('fs').existsSync(${JSON.stringify(`${GATEWAY_STATE_DIR}/${REGISTRATIONS_SUBDIR}/${killed}.json`)})))`,
        ])
        .then((result) => result.output.trim());
    const proxy = await engineProxy(
      f.host.replace(/^unix:\/\//, ''),
      join(tmpdir(), `agentctl-egw-kill-${suffix}.sock`),
    );
    try {
      // The create never reaches the engine; the registration (written meanwhile) does.
      const held = proxy.holdOn(/^POST \S*\/containers\/create/);
      const child = execa(
        process.execPath,
        [
          BIN,
          '--host',
          proxy.host,
          'start',
          killed,
          '-d',
          '--workspace',
          ws,
          '--image',
          nodeImage,
          '--egress',
          'allowlist',
          '--allow',
          other,
          '--',
          'sleep',
          '600',
        ],
        { env: { ...process.env, ...env, NO_COLOR: '1' }, reject: false, timeout: 60_000 },
      );
      await held.seen;
      for (let attempt = 0; attempt < 100 && (await registered()) !== 'true'; attempt += 1)
        await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await registered()).toBe('true');
      child.kill('SIGKILL');
      await child;
      // The held create is never sent (the proxy drops it when it closes).
      expect(await f.containerExists(`agentctl-${killed}`)).toBe(false);
      // Any command that reaches the engine cleans up after the killed start.
      const ls = await runCli(['--host', proxy.host, 'ls', '--all'], { env });
      expect(ls.exitCode, ls.stderr).toBe(0);
      expect(await registered()).toBe('false');
      expect(await f.volumeExists(`agentctl-${killed}-home`)).toBe(false);
      // The running agent of the gateway is untouched, and its registration with it.
      const tunnelled = await inAgent(second, ['proxy', `https://${other}/after-recovery`]);
      expect(tunnelled, JSON.stringify(tunnelled)).toMatchObject({ status: 200 });
    } finally {
      await proxy.close();
    }
  }, 90_000);

  it('prune --dry-run lists the gateway only once no agent uses it', async () => {
    type Gateway = { name: string; container: string | null; networks: string[]; volume: string | null };
    const dryRun = async () => {
      const result = await cli(['prune', '--dry-run', '--json']);
      expect(result.json?.ok, result.stdout + result.stderr).toBe(true);
      const listed = (result.json.gateways as Gateway[]).find((item) => item.name === gateway);
      const kept = ((result.json.gatewaysKept ?? []) as { name: string }[]).find((item) => item.name === gateway);
      return { listed, kept };
    };
    // The second agent (running) uses it; stopped, it still does.
    expect(await dryRun()).toEqual({ listed: undefined, kept: undefined });
    expect((await cli(['stop', second, '--timeout', '0'])).exitCode).toBe(0);
    const stopped = await cli(['prune', '--dry-run', '--json']);
    // A stopped agent is pruned, and with it goes the last use of the gateway.
    expect(stopped.json.containers.map((item: { name: string }) => item.name)).toContain(second);
    expect(stopped.json.gateways.map((item: Gateway) => item.name)).toContain(gateway);
    expect((await cli(['start', second, '-d'])).exitCode).toBe(0);
    expect(await dryRun()).toEqual({ listed: undefined, kept: undefined });
    // Scoped to a workspace: gateways are never looked at.
    const scoped = await cli(['prune', '--dry-run', '--json', '--workspace', ws]);
    expect(scoped.json.gateways).toEqual([]);
    expect((await cli(['rm', '--force', second])).exitCode).toBe(0);
    const { listed } = await dryRun();
    // The external network is the stand-ins' (made by this test, without agentctl's labels): not prune's.
    expect(listed).toEqual({
      name: gateway,
      container: gateway,
      networks: [`${gateway}-internal`],
      volume: `${gateway}-state`,
    });
    const human = await cli(['prune', '--dry-run']);
    expect(human.stdout).toContain(
      `would remove egress gateway ${gateway} (its container; networks ${gateway}-internal; volume ${gateway}-state)`,
    );
    // A dry run removed nothing.
    expect(await f.containerExists(gateway)).toBe(true);
    expect(await f.volumeExists(`${gateway}-state`)).toBe(true);
  });

  it('the gateway prune removes its container, its network and its state volume on the engine', async () => {
    // The core function, held to this test's gateway (`only`): an unscoped real prune would take
    // other runs' gateways on this shared engine.
    const runtime = createDockerodeRuntime(
      async () => f.docker,
      { url: f.host, source: 'test' },
      { kind: f.engineName, version: '', apiVersion: '' },
    );
    const plan = await pruneGateways(
      { runtime, startsInProgress: async () => [] },
      { dryRun: false, pruned: [], only: [gateway] },
    );
    expect(plan).toEqual({
      gateways: [{ name: gateway, container: gateway, networks: [`${gateway}-internal`], volume: `${gateway}-state` }],
      kept: [],
    });
    expect(await f.containerExists(gateway)).toBe(false);
    expect(await f.volumeExists(`${gateway}-state`)).toBe(false);
    const networks = (await f.docker.listNetworks()).map((network) => network.Name);
    expect(networks).not.toContain(`${gateway}-internal`);
    // The stand-ins' network is theirs.
    expect(networks).toContain(external);
    const after = await cli(['prune', '--dry-run', '--json']);
    expect(after.json.gateways.map((item: { name: string }) => item.name)).not.toContain(gateway);
  });
});
