import { EngineError } from '../../shared/errors.js';
import type { TarEntry } from '../../shared/tar.js';
import type { StreamOperations } from '../stream-operations.js';

/**
 * The gateway Pod's files, reached by exec (the API server has no archive endpoint): node in the
 * gateway writes and reads them as the gateway's user. The contents travel in the command's
 * arguments, not on stdin: the v4 stream protocol has no end of stdin, which `tar -x` would wait
 * for. Each file is written to a temporary name and renamed, so the proxy never reads half of one.
 * The files are the gateway user's (exec runs as the Pod's user): the engines' archive API can
 * make the program root's; on Kubernetes the proxy's own user owns it.
 */

/** Base64 characters per exec: well under the kernel's 128 KiB limit for one argument. */
const CHUNK = 96 * 1024;

const WRITE = `const fs = require('fs'), p = require('path');
const dir = process.argv[1];
for (const o of JSON.parse(process.argv[2])) {
  const target = p.join(dir, o.name);
  if (o.type === 'directory') { fs.mkdirSync(target, { recursive: true }); fs.chmodSync(target, o.mode | 0o700); continue; }
  fs.mkdirSync(p.dirname(target), { recursive: true });
  const part = target + '.agentctl-part';
  fs.writeFileSync(part, Buffer.from(o.data, 'base64'), { flag: o.first ? 'w' : 'a', mode: 0o600 });
  if (o.last) { fs.chmodSync(part, o.mode); fs.renameSync(part, target); }
}`;

const READ = `try { process.stdout.write(require('fs').readFileSync(process.argv[1]).toString('base64')); }
catch (e) { process.exit(e.code === 'ENOENT' || e.code === 'EISDIR' || e.code === 'ENOTDIR' ? 3 : 1); }`;

interface WriteOp {
  name: string;
  type: 'file' | 'directory';
  mode: number;
  data?: string;
  first?: boolean;
  last?: boolean;
}

/** The entries as batches of write operations, each batch one exec's argument. */
export function planWrites(entries: TarEntry[]): WriteOp[][] {
  const batches: WriteOp[][] = [];
  let batch: WriteOp[] = [];
  let size = 0;
  const push = (op: WriteOp) => {
    const length = op.data?.length ?? 0;
    if (batch.length > 0 && size + length > CHUNK) {
      batches.push(batch);
      batch = [];
      size = 0;
    }
    batch.push(op);
    size += length + 64;
  };
  for (const entry of entries) {
    const mode = entry.mode;
    if (entry.type === 'directory') {
      push({ name: entry.name, type: 'directory', mode });
      continue;
    }
    if (entry.type !== 'file') continue;
    const data = (entry.content ?? Buffer.alloc(0)).toString('base64');
    const parts = Math.max(1, Math.ceil(data.length / CHUNK));
    for (let index = 0; index < parts; index++)
      push({
        name: entry.name,
        type: 'file',
        mode,
        data: data.slice(index * CHUNK, (index + 1) * CHUNK),
        first: index === 0,
        last: index === parts - 1,
      });
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

export interface PodExecResult {
  exitCode: number;
  stdout: Buffer;
  stderr: string;
}

/** Runs a command in the record's Pod (its agent container), without stdin; its output and exit code. */
export async function execInPod(
  streams: Pick<StreamOperations, 'createExec' | 'startExec' | 'inspectExec'>,
  id: string,
  command: string[],
): Promise<PodExecResult> {
  const execId = await streams.createExec(id, { command, tty: false, stdin: false });
  const stream = await streams.startExec(execId, { tty: false, stdin: false });
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.on('error', reject);
  });
  const state = await streams.inspectExec(execId);
  const { stdout, stderr } = splitFrames(Buffer.concat(chunks));
  return { exitCode: state.exitCode ?? -1, stdout, stderr: stderr.toString('utf8').slice(0, 500) };
}

/** A finished non-TTY exec's output (8-byte frame headers, stream 1 stdout, 2 stderr) split in two. */
export function splitFrames(output: Buffer): { stdout: Buffer; stderr: Buffer } {
  const parts: Record<'1' | '2', Buffer[]> = { '1': [], '2': [] };
  let at = 0;
  while (at + 8 <= output.length) {
    const length = output.readUInt32BE(at + 4);
    const which = output[at] === 2 ? '2' : '1';
    parts[which].push(output.subarray(at + 8, at + 8 + length));
    at += 8 + length;
  }
  return { stdout: Buffer.concat(parts['1']), stderr: Buffer.concat(parts['2']) };
}

export async function writePodFiles(
  streams: Pick<StreamOperations, 'createExec' | 'startExec' | 'inspectExec'>,
  id: string,
  dir: string,
  entries: TarEntry[],
): Promise<void> {
  for (const batch of planWrites(entries)) {
    const result = await execInPod(streams, id, ['node', '-e', WRITE, dir, JSON.stringify(batch)]);
    if (result.exitCode !== 0)
      throw new EngineError(
        'EGRESS_GATEWAY_FAILED',
        `Could not write files into the egress gateway at ${dir} (exit ${result.exitCode}): ${result.stderr.trim()}`,
        { hint: 'Check that the gateway Pod runs (`kubectl get pods -l io.agentctl.kind=egress-gateway`), then retry' },
      );
  }
}

/** A regular file of the Pod; undefined when there is none at that path. */
export async function readPodFile(
  streams: Pick<StreamOperations, 'createExec' | 'startExec' | 'inspectExec'>,
  id: string,
  path: string,
): Promise<Buffer | undefined> {
  const result = await execInPod(streams, id, ['node', '-e', READ, path]);
  if (result.exitCode === 3) return undefined;
  if (result.exitCode !== 0)
    throw new EngineError(
      'EGRESS_GATEWAY_FAILED',
      `Could not read ${path} in the egress gateway (exit ${result.exitCode}): ${result.stderr.trim()}`,
      { hint: 'Check that the gateway Pod runs (`kubectl get pods -l io.agentctl.kind=egress-gateway`), then retry' },
    );
  return Buffer.from(result.stdout.toString('utf8'), 'base64');
}
