import type { PullProgressReporter } from './pull-progress.js';
import type { PullEvent } from '../runtime/image-operations.js';
import type { Io } from './io.js';

interface Layer {
  id: string;
  status: string;
  current?: number;
  total?: number;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 100 ? value.toFixed(0) : value.toFixed(1)} ${units[unit]}`;
}

/**
 * The phase an engine event belongs to, for one-line-per-phase output (undefined: no new phase).
 * Docker reports `Downloading`, Podman only `Pulling fs layer` and `Download complete`.
 */
export function phaseOf(event: PullEvent): string | undefined {
  const status = event.status.toLowerCase();
  if (/^(pulling fs layer|waiting|downloading|download complete|verifying checksum|copying blob)/.test(status))
    return 'downloading layers';
  if (status.startsWith('extracting') || status.startsWith('writing manifest')) return 'extracting layers';
  if (status.startsWith('digest:')) return event.status;
  if (status.startsWith('status:')) return event.status.slice('status:'.length).trim();
  return undefined;
}

/** Per-layer state of a pull, rendered as one line per layer (the live TTY display). */
export class PullProgressModel {
  private readonly layers = new Map<string, Layer>();
  header = '';

  apply(event: PullEvent): void {
    if (event.id === undefined || /^(pulling from|digest|status)/i.test(event.status) || event.id.includes(':')) return;
    const layer = this.layers.get(event.id) ?? { id: event.id, status: '' };
    layer.status = event.status;
    if (event.current !== undefined) layer.current = event.current;
    if (event.total !== undefined && event.total > 0) layer.total = event.total;
    if (/complete|already exists/i.test(event.status) && layer.total !== undefined) layer.current = layer.total;
    this.layers.set(event.id, layer);
  }

  lines(width = 80): string[] {
    const lines = [this.header];
    let done = 0;
    let total = 0;
    for (const layer of this.layers.values()) {
      const bytes = layer.total === undefined ? '' : ` ${formatBytes(layer.current ?? 0)}/${formatBytes(layer.total)}`;
      lines.push(`  ${layer.id.slice(0, 12)}  ${layer.status}${bytes}`.slice(0, Math.max(20, width - 1)));
      if (layer.total !== undefined) {
        total += layer.total;
        done += Math.min(layer.current ?? 0, layer.total);
      }
    }
    if (total > 0) lines.push(`  total ${formatBytes(done)}/${formatBytes(total)}`);
    return lines;
  }
}

/**
 * Adapts Io to a PullProgressReporter: a live per-layer display redrawn on an interactive stderr,
 * one line per phase otherwise, nothing with --json or --quiet.
 */
export function createPullProgressDisplay(io: Io): PullProgressReporter {
  if (io.json || io.quiet) return { begin() {}, event() {}, end() {} };
  if (!io.interactive) {
    // Layers download and extract side by side, so their events interleave: each phase is said
    // once per pull, when it first appears.
    let said = new Set<string>();
    let reference = '';
    const say = (text: string): void => {
      if (!said.has(text)) io.info(text);
      said.add(text);
    };
    return {
      begin: (ref, registry) => {
        reference = ref;
        said = new Set();
        say(`pulling ${ref} from ${registry}`);
      },
      event: (event) => {
        const phase = phaseOf(event);
        if (phase !== undefined) say(phase);
      },
      end: (ok) => say(ok ? `pulled ${reference}` : `pull of ${reference} failed`),
    };
  }
  const stderr = io.streams.stderr as NodeJS.WriteStream;
  const model = new PullProgressModel();
  let drawn = 0;
  let timer: NodeJS.Timeout | undefined;
  const draw = (): void => {
    timer = undefined;
    const columns = stderr.columns !== undefined && stderr.columns >= 40 ? stderr.columns : 80; // 0 in a size-less pty
    const lines = model.lines(columns);
    const clear = drawn > 0 ? `\u001b[${drawn}F\u001b[J` : '';
    io.errRaw(`${clear}${lines.join('\n')}\n`);
    drawn = lines.length;
  };
  return {
    begin: (ref, registry) => {
      model.header = `Pulling ${ref} from ${registry}`;
      draw();
    },
    event: (event) => {
      model.apply(event);
      timer ??= setTimeout(draw, 100);
    },
    end: (ok) => {
      if (timer !== undefined) clearTimeout(timer);
      model.header = ok
        ? `Pulled ${model.header.replace(/^Pulling /, '')}`
        : `Pull failed: ${model.header.replace(/^Pulling /, '')}`;
      draw();
    },
  };
}
