import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lifecycleFixture } from '../helpers/lifecycle.js';

/** `start --label`, `ls --filter` and `ls --format` against real agents. */
const f = lifecycleFixture('lsf');
const web = f.agentName('web');
const api = f.agentName('api');
const done = f.agentName('done');
let workspace = '';

const names = (stdout: string) => stdout.split('\n').filter(Boolean);

describe(`ls --filter and --format, start --label on ${f.engineName}`, () => {
  beforeAll(async () => {
    workspace = join(f.workspace(), 'workspace');
    mkdirSync(workspace);
    const start = (name: string, labels: string[], command: string[]) =>
      f.cli(['start', name, '-d', '--read-only', ...labels, '--image', f.image, '--', ...command], { cwd: workspace });
    for (const [name, labels, command] of [
      [web, ['--label', 'team=web', '--label', 'io.agentctl.managed=false'], ['sleep', '600']],
      [api, ['--label', 'team=api'], ['sleep', '600']],
      [done, ['--label', 'team=web'], ['true']],
    ] as const) {
      const started = await start(name, [...labels], [...command]);
      expect(started.exitCode, started.stderr).toBe(0);
    }
    expect((await f.cli(['wait', done])).exitCode).toBe(0);
  });
  afterAll(() => f.cleanUp());

  it("labels are the user's, shown by inspect, and cannot touch agentctl's own", async () => {
    const inspected = await f.cli(['inspect', web, '--json']);
    expect(inspected.json.agent.labels).toEqual({ 'io.agentctl.managed': 'false', team: 'web' });
    const raw = await f.docker.getContainer(`agentctl-${web}`).inspect();
    expect(raw.Config.Labels['io.agentctl.managed']).toBe('true');
    expect(raw.Config.Labels['io.agentctl.label.team']).toBe('web');
  });

  it('one key ORs, different keys AND; a state filter other than running looks at stopped agents too', async () => {
    const fmt = ['--format', '{{.Name}}', '--filter', `name=${f.agentName('x').replace('lsf-x', '')}`];
    expect(names((await f.cli(['ls', ...fmt, '--filter', 'label=team=web'])).stdout)).toEqual([web]);
    expect(names((await f.cli(['ls', '-a', ...fmt, '--filter', 'label=team=web'])).stdout)).toEqual([done, web]);
    expect(
      names((await f.cli(['ls', '-a', ...fmt, '--filter', 'label=team=web', '--filter', 'label=team=api'])).stdout),
    ).toEqual([api, done, web]);
    expect(names((await f.cli(['ls', ...fmt, '--filter', 'state=exited', '--filter', 'label=team'])).stdout)).toEqual([
      done,
    ]);
    expect(
      names((await f.cli(['ls', ...fmt, '--filter', `image=${f.image}`, '--filter', 'label=team=api'])).stdout),
    ).toEqual([api]);
    const json = await f.cli(['ls', '--json', '--filter', `name=${api}`]);
    expect(json.json.agents.map((agent: { name: string }) => agent.name)).toEqual([api]);
    expect(json.json.agents[0].labels).toEqual({ team: 'api' });
  });

  it('--format takes a field list or a table template', async () => {
    const list = await f.cli(['ls', '-a', '--filter', `name=${done}`, '--format', 'name,state']);
    expect(list.exitCode, list.stderr).toBe(0);
    expect(list.stdout.split('\n')).toEqual([
      expect.stringMatching(/^NAME +STATE$/),
      expect.stringMatching(new RegExp(`^${done} +exited \\(0\\)$`)),
    ]);
    const table = await f.cli(['ls', '--filter', `name=${web}`, '--format', 'table {{.Name}}\\t{{.Labels}}']);
    expect(table.stdout.split('\n')).toEqual([
      expect.stringMatching(/^NAME +LABELS$/),
      expect.stringMatching(new RegExp(`^${web} +io.agentctl.managed=false,team=web$`)),
    ]);
  });

  it('an unknown filter key, format field or label is a usage error (exit 2)', async () => {
    for (const [args, code] of [
      [['ls', '--filter', 'status=running'], 'INVALID_FILTER'],
      [['ls', '--format', '{{.Nope}}'], 'INVALID_FORMAT'],
      [['ls', '--format', 'name', '--json'], 'INVALID_FORMAT'],
      [['start', f.agentName('bad'), '-d', '--label', 'a b=c', '--image', f.image], 'INVALID_LABEL'],
    ] as const) {
      const result = await f.cli([...args, '--json'], { cwd: workspace });
      expect(result.exitCode, result.stdout).toBe(2);
      expect(result.json.error.code).toBe(code);
    }
    expect(await f.containerExists(`agentctl-${f.agentName('bad')}`)).toBe(false);
  });
});
