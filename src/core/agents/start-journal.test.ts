import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  listStartsInProgress,
  openStartJournal,
  recoverInterruptedStarts,
  type RecoveryDeps,
} from './start-journal.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function dataDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'agentctl-journal-'));
  dirs.push(dir);
  return path.join(dir, 'data');
}
const ENGINE = 'unix:///run/engine.sock';
const deadPid = () =>
  Number(execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }));

function plant(data: string, entry: object): void {
  const journal = path.join(data, 'starts');
  execFileSync('mkdir', ['-p', journal]);
  const key = createHash('sha256').update(ENGINE).digest('hex').slice(0, 12);
  writeFileSync(path.join(journal, `${key}-${(entry as { name: string }).name}.json`), JSON.stringify(entry));
}

function recovery(data: string, containers: Record<string, { id: string; state: string; managed: boolean }>) {
  const calls: string[] = [];
  const deps: RecoveryDeps = {
    dataDir: data,
    engine: ENGINE,
    inspect: async (name) => containers[name],
    removeAgent: async (name, volume) => void calls.push(`rm ${name}${volume ? ' --volumes' : ''}`),
    removeVolume: async (name) => void calls.push(`volume rm ${name}`),
    unregisterEgress: async (name, gateway) => void calls.push(`unregister ${name} from ${gateway}`),
    log: () => undefined,
  };
  return { deps, calls };
}

describe('start journal', () => {
  it('a start that ends leaves nothing: the journal and the directories it made are gone', async () => {
    const data = dataDir();
    const journal = await openStartJournal(data, 'a', ENGINE);
    await journal.record({ createdVolume: true, container: 'c1' });
    expect(readdirSync(path.join(data, 'starts'))).toHaveLength(1);
    await journal.close();
    expect(existsSync(data)).toBe(false);
  });

  it('the next contact removes the never-started container of a killed start (and its new volume)', async () => {
    const data = dataDir();
    const journal = await openStartJournal(data, 'half', ENGINE);
    await journal.record({ createdVolume: true, container: 'c1' });
    // The process that wrote it is gone (its pid swapped for a dead one).
    const file = path.join(data, 'starts', readdirSync(path.join(data, 'starts'))[0]!);
    writeFileSync(
      file,
      JSON.stringify({
        name: 'half',
        engine: ENGINE,
        pid: deadPid(),
        host: hostname(),
        createdVolume: true,
        container: 'c1',
      }),
    );
    const { deps, calls } = recovery(data, { half: { id: 'c1', state: 'created', managed: true } });
    expect(await recoverInterruptedStarts(deps)).toEqual(['half']);
    expect(calls).toEqual(['rm half --volumes']);
    expect(existsSync(path.join(data, 'starts'))).toBe(false);
  });

  it('a start killed after its egress registration, before its container: the registration goes (and its new volume)', async () => {
    const data = dataDir();
    const dead = deadPid();
    const base = { engine: ENGINE, host: hostname(), pid: dead };
    plant(data, { ...base, name: 'registered', createdVolume: false, egressGateway: 'agentctl-egress' });
    plant(data, { ...base, name: 'both', createdVolume: true, egressGateway: 'team-gw' });
    // A container of that name exists (another start made it): its registration is not touched.
    plant(data, { ...base, name: 'taken', createdVolume: false, egressGateway: 'agentctl-egress', container: 'c9' });
    const { deps, calls } = recovery(data, { taken: { id: 'other', state: 'running', managed: true } });
    expect((await recoverInterruptedStarts(deps)).sort()).toEqual(['both', 'registered']);
    expect(calls.sort()).toEqual([
      'unregister both from team-gw',
      'unregister registered from agentctl-egress',
      'volume rm agentctl-both-home',
    ]);
  });

  it('records the gateway a start registers its agent with', async () => {
    const data = dataDir();
    const journal = await openStartJournal(data, 'g', ENGINE);
    await journal.record({ egressGateway: 'agentctl-egress' });
    const file = path.join(data, 'starts', readdirSync(path.join(data, 'starts'))[0]!);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ name: 'g', egressGateway: 'agentctl-egress' });
    await journal.close();
  });

  it('leaves alone a live start, another engine, a started agent and a container of another start', async () => {
    const data = dataDir();
    const dead = deadPid();
    const base = { engine: ENGINE, host: hostname(), createdVolume: true };
    plant(data, { ...base, name: 'live', pid: process.pid, container: 'c1' });
    plant(data, { ...base, name: 'started', pid: dead, container: 'c2' });
    plant(data, { ...base, name: 'replaced', pid: dead, container: 'c3' });
    const { deps, calls } = recovery(data, {
      live: { id: 'c1', state: 'created', managed: true },
      started: { id: 'c2', state: 'running', managed: true },
      replaced: { id: 'other', state: 'created', managed: true },
    });
    // Journals of another engine are in files of another key: not even read.
    expect(await recoverInterruptedStarts({ ...deps, engine: 'unix:///other.sock' })).toEqual([]);
    expect(await recoverInterruptedStarts(deps)).toEqual([]);
    expect(calls).toEqual([]);
    // Only the live start's journal stays (the others are settled: nothing of theirs to remove).
    expect(readdirSync(path.join(data, 'starts'))).toEqual([expect.stringMatching(/-live\.json$/)]);
  });
});

describe('listStartsInProgress', () => {
  it('lists the starts of live processes (and other hosts) against this engine, not killed ones', async () => {
    const data = dataDir();
    expect(await listStartsInProgress(data, ENGINE)).toEqual([]);
    const live = { name: 'live', engine: ENGINE, pid: process.pid, host: hostname(), createdVolume: false };
    const elsewhere = { name: 'elsewhere', engine: ENGINE, pid: 1, host: `${hostname()}-other`, createdVolume: false };
    plant(data, live);
    plant(data, elsewhere);
    plant(data, { name: 'killed', engine: ENGINE, pid: deadPid(), host: hostname(), createdVolume: true });
    const journal = await openStartJournal(data, 'other-engine', 'tcp://elsewhere:2375');
    const names = (await listStartsInProgress(data, ENGINE)).map((entry) => entry.name).sort();
    expect(names).toEqual(['elsewhere', 'live']);
    await journal.close();
  });
});
