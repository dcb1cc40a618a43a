import Docker from 'dockerode';
import { execa } from 'execa';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testEngine } from './engines.js';
import { BIN, runCli, type RunOptions } from './run-cli.js';

export interface AgentSpec {
  label: string;
  command: string[];
  tty?: boolean;
  openStdin?: boolean;
  /** Environment, e.g. the `NAME_FILE=/run/secrets/NAME` entries agentctl sets for a secret. */
  env?: string[];
  /** Wait until the container's process has exited (for logs of a finished agent). */
  waitForExit?: boolean;
}

/**
 * Containers shaped like agentctl's (labels io.agentctl.managed / io.agentctl.agent, name
 * agentctl-NAME) made directly on the engine under test, each with this run's unique suffix.
 */
export function streamFixture(prefix: string) {
  const { name: engineName, host, engines } = testEngine();
  const suffix = randomBytes(3).toString('hex');
  const docker = new Docker({ socketPath: host.replace(/^unix:\/\//, '') });
  const created: string[] = [];
  const dirs: string[] = [];

  const fixture = {
    engineName,
    host,
    docker,
    agentName: (label: string) => `${prefix}-${label}-${suffix}`,
    async createAgent(spec: AgentSpec): Promise<{ name: string; container: Docker.Container }> {
      const name = fixture.agentName(spec.label);
      const container = await docker.createContainer({
        name: `agentctl-${name}`,
        Image: engines.testImage,
        Cmd: spec.command,
        Tty: spec.tty ?? false,
        OpenStdin: spec.openStdin ?? false,
        AttachStdin: false,
        ...(spec.env ? { Env: spec.env } : {}),
        Labels: { 'io.agentctl.managed': 'true', 'io.agentctl.agent': name },
      });
      created.push(container.id);
      const exited = spec.waitForExit
        ? (container.wait({ condition: 'next-exit' } as never) as unknown as Promise<unknown>)
        : undefined;
      await container.start();
      if (exited) await exited;
      return { name, container };
    },
    /** The built agentctl against the engine under test. */
    cli(args: string[], options: RunOptions = {}) {
      return runCli(['--host', host, ...args], { bin: process.env.AGENTCTL_TEST_BIN, ...options });
    },
    tempDir(): string {
      const dir = mkdtempSync(join(tmpdir(), `agentctl-${prefix}-`));
      chmodSync(dir, 0o755);
      dirs.push(dir);
      return dir;
    },
    /** Removes only what this fixture created, and the agents (with their home volumes) started by name through the CLI. */
    async cleanUp(): Promise<void> {
      for (const id of created)
        await (docker.getContainer(id).remove({ force: true, t: 0 } as never) as unknown as Promise<unknown>).catch(
          () => undefined,
        );
      const ours = (name: string) => name.replace(/^\//, '').startsWith(`agentctl-${prefix}-`) && name.includes(suffix);
      for (const item of await docker.listContainers({ all: true })) {
        if (item.Names.some(ours))
          await (
            docker.getContainer(item.Id).remove({ force: true, t: 0 } as never) as unknown as Promise<unknown>
          ).catch(() => undefined);
      }
      const { Volumes } = await docker.listVolumes();
      for (const volume of (Volumes ?? []).filter((item) => ours(item.Name)))
        await docker
          .getVolume(volume.Name)
          .remove()
          .catch(() => undefined);
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    },
  };
  return fixture;
}

export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}${last ? ` (${String(last)})` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * agentctl in a real pseudo-terminal (a detached tmux session, 80x24). The wrapper script writes
 * agentctl's exit code to a file, then keeps the pane open.
 */
export async function tmuxAgentctl(
  dir: string,
  host: string | { globals: string[]; env: Record<string, string> },
  args: string[],
) {
  const session = `agentctl-test-${randomBytes(4).toString('hex')}`;
  const rcFile = join(dir, `${session}.rc`);
  const script = join(dir, `${session}.sh`);
  const bin = process.env.AGENTCTL_TEST_BIN ?? `${process.execPath} ${BIN}`;
  const quote = (arg: string) => `'${arg.replace(/'/g, `'\\''`)}'`;
  const quoted = args.map(quote).join(' ');
  // An engine endpoint (--host), or other global options and environment (the Kubernetes backend).
  const globals = typeof host === 'string' ? `--host ${quote(host)}` : host.globals.map(quote).join(' ');
  const env =
    typeof host === 'string'
      ? ''
      : Object.entries(host.env)
          .map(([key, value]) => `export ${key}=${quote(value)}\n`)
          .join('');
  // The trap keeps the script alive through a Ctrl-C (sh would end with it) so that it records agentctl's code.
  writeFileSync(
    script,
    `#!/bin/sh\ntrap ':' INT\n${env}${bin} ${globals} ${quoted}\necho $? > '${rcFile}'\nsleep 600\n`,
    {
      mode: 0o755,
    },
  );
  await execa('tmux', ['new-session', '-d', '-s', session, '-x', '80', '-y', '24', script]);
  const tmux = {
    session,
    capture: async () => (await execa('tmux', ['capture-pane', '-p', '-t', session])).stdout,
    send: (...keys: string[]) => execa('tmux', ['send-keys', '-t', session, ...keys]),
    resize: (columns: number, rows: number) =>
      execa('tmux', ['resize-window', '-t', session, '-x', String(columns), '-y', String(rows)]),
    waitFor: (pattern: RegExp) =>
      until(`${pattern} on the screen`, async () => pattern.test(await tmux.capture()) || undefined),
    exitCode: () =>
      until('agentctl to exit', () => {
        try {
          return Number(readFileSync(rcFile, 'utf8').trim());
        } catch {
          return undefined;
        }
      }),
    kill: () => execa('tmux', ['kill-session', '-t', session]).catch(() => undefined),
  };
  return tmux;
}
