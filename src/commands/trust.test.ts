import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../cli.js';
import { memoryStreams } from '../../test/helpers/memory-streams.js';

const roots: string[] = [];
afterEach(() => roots.splice(0).forEach((root) => rmSync(root, { recursive: true, force: true })));

function setUp() {
  // Real path: the record is keyed by the file's real directory (macOS's /var is a link).
  const root = realpathSync(mkdtempSync(path.join(tmpdir(), 'agentctl-trust-')));
  roots.push(root);
  const project = path.join(root, 'project');
  mkdirSync(project);
  writeFileSync(path.join(project, 'package.json'), '{"name":"sample"}');
  const env = {
    HOME: path.join(root, 'home'),
    XDG_CONFIG_HOME: path.join(root, 'config'),
    XDG_DATA_HOME: path.join(root, 'data'),
  };
  const file = path.join(project, '.agentctlrc.yaml');
  const store = path.join(root, 'data', 'agentctl', 'trusted-config.json');
  const run = async (argv: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) => {
    const streams = memoryStreams();
    const code = await main(argv, {
      streams,
      env: { ...env, ...options.env },
      cwd: options.cwd ?? project,
      handleSignals: false,
    });
    const output = streams.output();
    let json: any;
    try {
      json = JSON.parse(output.stdout);
    } catch {
      json = undefined;
    }
    return { code, ...output, json };
  };
  return { root, project, env, file, store, run };
}

describe('agentctl trust', () => {
  it('approves the project config found from the current directory, after which its keys apply', async () => {
    const t = setUp();
    writeFileSync(t.file, 'network: host\nociRuntime: runc\n');
    const before = await t.run(['config', 'show', '--json']);
    expect(before.code).toBe(11);
    expect(before.json.error).toMatchObject({
      code: 'CONFIG_UNTRUSTED',
      hint: expect.stringContaining(`agentctl trust ${t.file}`),
    });

    const nested = path.join(t.project, 'src');
    mkdirSync(nested);
    const trusted = await t.run(['trust'], { cwd: nested });
    expect(trusted.code).toBe(0);
    expect(trusted.stdout).toMatch(
      new RegExp(`^Trusted ${t.file.replace(/[.]/g, '\\.')} \\(sha256 [0-9a-f]{12}\\)\\n$`),
    );
    expect(trusted.stderr).toContain('These keys now apply from it: network, ociRuntime');

    const after = await t.run(['config', 'show', '--json']);
    expect(after.code).toBe(0);
    expect(after.json.values).toEqual(
      expect.arrayContaining([expect.objectContaining({ key: 'network', value: 'host', source: t.file })]),
    );
    expect(after.json.projectTrust).toBe('trusted');
    expect((await t.run(['config', 'show'])).stdout).toContain(
      `project config: ${t.file} (trusted with \`agentctl trust\`)`,
    );
  });

  it('records the sha256 in the data directory, readable by the user only', async () => {
    const t = setUp();
    writeFileSync(t.file, 'network: host\n');
    const result = await t.run(['trust', '.agentctlrc.yaml', '--json']);
    expect(result.code).toBe(0);
    expect(result.json).toEqual({
      ok: true,
      file: t.file,
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      keys: ['network'],
    });
    const store = JSON.parse(readFileSync(t.store, 'utf8'));
    expect(store.files[t.file].sha256).toBe(result.json.sha256);
    // Windows has no POSIX modes.
    if (process.platform !== 'win32') expect(statSync(t.store).mode & 0o777).toBe(0o600);
  });

  it('lists approved files as trusted, changed or missing; an edited file needs approving again', async () => {
    const t = setUp();
    writeFileSync(t.file, 'network: host\n');
    const other = path.join(t.root, 'other', '.agentctlrc');
    mkdirSync(path.dirname(other));
    writeFileSync(other, 'runtime: podman\n');
    expect((await t.run(['trust'])).code).toBe(0);
    expect((await t.run(['trust', other])).code).toBe(0);
    rmSync(other);
    writeFileSync(t.file, 'network: host\nsecrets: [AWS_SECRET_ACCESS_KEY]\n');

    const listed = await t.run(['trust', '--list', '--json']);
    expect(listed.json.files.map((f: { file: string; status: string }) => [f.file, f.status]).sort()).toEqual(
      [
        [other, 'missing'],
        [t.file, 'changed'],
      ].sort(),
    );
    const text = await t.run(['trust', '--list']);
    expect(text.stdout).toMatch(new RegExp(`^changed +\\S+  ${t.file.replace(/[.]/g, '\\.')}$`, 'm'));

    const refused = await t.run(['ls', '--json']);
    expect(refused.code).toBe(11);
    expect(refused.json.error).toMatchObject({
      code: 'CONFIG_CHANGED_SINCE_TRUST',
      message: `Project config ${t.file} changed since you trusted it and sets secrets, network`,
    });
    expect((await t.run(['trust'])).code).toBe(0);
    expect(
      (await t.run(['trust', '--list', '--json'])).json.files.find((f: { file: string }) => f.file === t.file).status,
    ).toBe('trusted');
  });

  it('revokes an approval, and says when there was none', async () => {
    const t = setUp();
    writeFileSync(t.file, 'network: host\n');
    await t.run(['trust']);
    expect(await t.run(['trust', '--revoke', '--json'])).toMatchObject({
      code: 0,
      json: { ok: true, file: t.file, revoked: true },
    });
    expect((await t.run(['config', 'show'])).code).toBe(11);
    const again = await t.run(['trust', '--revoke']);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain(`${t.file} was not trusted`);
  });

  it('refuses to trust JavaScript, a file agentctl never reads, a missing file, or nothing', async () => {
    const t = setUp();
    writeFileSync(path.join(t.project, 'agentctl.config.cjs'), 'module.exports = {};\n');
    const js = await t.run(['trust', 'agentctl.config.cjs', '--json']);
    expect(js.code).toBe(3);
    expect(js.json.error).toMatchObject({
      code: 'PROJECT_CONFIG_JS',
      hint: expect.stringContaining('convert it to .agentctlrc.yaml'),
    });
    expect((await t.run(['trust', '--json'])).json.error.code).toBe('PROJECT_CONFIG_JS');
    rmSync(path.join(t.project, 'agentctl.config.cjs'));

    writeFileSync(path.join(t.project, 'notes.yaml'), 'network: host\n');
    expect(await t.run(['trust', 'notes.yaml', '--json'])).toMatchObject({
      code: 2,
      json: { error: { code: 'NOT_A_PROJECT_CONFIG' } },
    });
    expect(await t.run(['trust', '.agentctlrc.json', '--json'])).toMatchObject({
      code: 2,
      json: { error: { code: 'TRUST_FILE_NOT_FOUND' } },
    });
    expect(await t.run(['trust', '--json'])).toMatchObject({
      code: 2,
      json: { error: { code: 'NO_PROJECT_CONFIG', hint: expect.stringContaining('agentctl trust .agentctlrc.yaml') } },
    });
    expect(await t.run(['trust', '--list', 'x', '--json'])).toMatchObject({
      code: 2,
      json: { error: { code: 'TRUST_LIST_AND_FILE' } },
    });
  });

  it('refuses to trust a file that does not match the schema', async () => {
    const t = setUp();
    writeFileSync(t.file, 'netwrk: host\n');
    expect(await t.run(['trust', '--json'])).toMatchObject({ code: 3, json: { error: { code: 'CONFIG_INVALID' } } });
  });

  it('keeps the record where the user says (AGENTCTL_DATA_DIR), whatever the project file names', async () => {
    const t = setUp();
    const chosen = path.join(t.root, 'chosen');
    writeFileSync(t.file, `dataDir: ${path.join(t.project, 'planted')}\nnetwork: host\n`);
    expect((await t.run(['trust'], { env: { AGENTCTL_DATA_DIR: chosen } })).code).toBe(0);
    expect(JSON.parse(readFileSync(path.join(chosen, 'trusted-config.json'), 'utf8')).files[t.file]).toBeDefined();
    expect((await t.run(['config', 'show'], { env: { AGENTCTL_DATA_DIR: chosen } })).code).toBe(0);
    // Not in the default data directory, nor in the one the file names.
    expect((await t.run(['config', 'show'])).code).toBe(11);
  });

  it('fails clearly on a corrupt trust record', async () => {
    const t = setUp();
    writeFileSync(t.file, 'network: host\n');
    mkdirSync(path.dirname(t.store), { recursive: true });
    writeFileSync(t.store, '{"version": 1, "files": {"x": {"sha256": "nope"}}}');
    const result = await t.run(['config', 'show', '--json']);
    expect(result.code).toBe(3);
    expect(result.json.error).toMatchObject({
      code: 'TRUST_STORE_INVALID',
      hint: expect.stringContaining(`Delete ${t.store}`),
    });
  });
});
