import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { isProcessAlive } from '../worktree/lock-file.js';
import { homeVolumeName } from './agent-name.js';

/**
 * What a start has made so far, in `<dataDir>/starts/`: written before the first object is
 * created, updated after each, removed when the start ends (started, or cleaned up). A journal
 * left behind is a start that was killed half-way (SIGKILL, a crash, the machine going down):
 * the next agentctl that reaches the same engine removes what it made (`recoverInterruptedStarts`).
 */
export interface StartJournalEntry {
  name: string;
  /** The engine endpoint the start used. */
  engine: string;
  pid: number;
  host: string;
  /** The home volume was created by this start (a reused one is never removed). */
  createdVolume: boolean;
  /** The container's id, once created. */
  container?: string;
  /**
   * The egress gateway this start registers the agent with, recorded before the registration is
   * written: a start killed before its container existed leaves a registration only this names.
   */
  egressGateway?: string;
}

export interface StartJournal {
  record(update: Partial<Pick<StartJournalEntry, 'createdVolume' | 'container' | 'egressGateway'>>): Promise<void>;
  /** The start ended (the agent runs, or what it made was removed): forget it. */
  close(): Promise<void>;
}

function journalDir(dataDir: string): string {
  return path.join(dataDir, 'starts');
}

function engineKey(engine: string): string {
  return createHash('sha256').update(engine).digest('hex').slice(0, 12);
}

export async function openStartJournal(dataDir: string, name: string, engine: string): Promise<StartJournal> {
  const dir = journalDir(dataDir);
  const file = path.join(dir, `${engineKey(engine)}-${name}.json`);
  let entry: StartJournalEntry = { name, engine, pid: process.pid, host: hostname(), createdVolume: false };
  const made = await mkdir(dir, { recursive: true, mode: 0o700 });
  const write = async () => {
    const temporary = `${file}.${process.pid}`;
    await writeFile(temporary, `${JSON.stringify(entry)}\n`, { mode: 0o600 });
    await rename(temporary, file);
  };
  await write();
  let open = true;
  return {
    async record(update) {
      if (!open) return;
      entry = { ...entry, ...update };
      await write();
    },
    async close() {
      if (!open) return;
      open = false;
      await rm(file, { force: true });
      // A start leaves nothing: the directories it made go again once empty.
      if (made) for (let d = dir; d.startsWith(made); d = path.dirname(d)) await rmdir(d).catch(() => undefined);
    },
  };
}

export interface RecoveryDeps {
  dataDir: string;
  engine: string;
  /** The agent's container, if it exists: its id and state. */
  inspect(name: string): Promise<{ id: string; state: string; managed: boolean } | undefined>;
  /** Removes the half-made agent (its container, its git state, and its home when `volume`). */
  removeAgent(name: string, volume: boolean): Promise<void>;
  removeVolume(name: string): Promise<void>;
  /** Takes agent NAME's registration out of egress gateway GATEWAY (best effort). */
  unregisterEgress(name: string, gateway: string): Promise<void>;
  log(message: string): void;
}

/**
 * Removes what starts against this engine made before they were killed: a journal of a process of
 * this host that no longer runs. Only a container that never started (`created`) is removed, and
 * only the one the journal names; an agent that did start is a real agent and stays.
 */
export async function recoverInterruptedStarts(deps: RecoveryDeps): Promise<string[]> {
  const dir = journalDir(deps.dataDir);
  const files = await readdir(dir).catch(() => [] as string[]);
  const prefix = `${engineKey(deps.engine)}-`;
  const recovered: string[] = [];
  for (const file of files.filter((item) => item.startsWith(prefix) && item.endsWith('.json'))) {
    const full = path.join(dir, file);
    const entry = await readFile(full, 'utf8').then(
      (text) => JSON.parse(text) as StartJournalEntry,
      () => undefined,
    );
    if (!entry || entry.engine !== deps.engine || entry.host !== hostname() || isProcessAlive(entry.pid)) continue;
    const container = await deps.inspect(entry.name);
    if (container && container.managed && container.state === 'created' && container.id === entry.container) {
      await deps.removeAgent(entry.name, entry.createdVolume);
      deps.log(`removed agent ${entry.name}, left half-made by an agentctl start that was killed (pid ${entry.pid})`);
      recovered.push(entry.name);
    } else if (!container && (entry.createdVolume || entry.egressGateway)) {
      // Killed before its container existed: what it made before it (a registration, the home).
      if (entry.egressGateway) await deps.unregisterEgress(entry.name, entry.egressGateway);
      if (entry.createdVolume) await deps.removeVolume(homeVolumeName(entry.name)).catch(() => undefined);
      recovered.push(entry.name);
    }
    await rm(full, { force: true });
  }
  if (files.length > 0 && (await readdir(dir).catch(() => ['x'])).length === 0) await rmdir(dir).catch(() => undefined);
  return recovered;
}

/**
 * The starts against this engine that are running now: journals of a live process of this host,
 * and those of another host (whose process cannot be checked from here). A journal of a process
 * of this host that is gone is a killed start (recoverInterruptedStarts), not one in progress.
 */
export async function listStartsInProgress(dataDir: string, engine: string): Promise<StartJournalEntry[]> {
  const dir = journalDir(dataDir);
  const prefix = `${engineKey(engine)}-`;
  const files = (await readdir(dir).catch(() => [] as string[])).filter(
    (item) => item.startsWith(prefix) && item.endsWith('.json'),
  );
  const entries = await Promise.all(
    files.map((file) =>
      readFile(path.join(dir, file), 'utf8').then(
        (text) => JSON.parse(text) as StartJournalEntry,
        () => undefined,
      ),
    ),
  );
  return entries.filter(
    (entry): entry is StartJournalEntry =>
      entry !== undefined && entry.engine === engine && (entry.host !== hostname() || isProcessAlive(entry.pid)),
  );
}
