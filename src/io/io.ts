import type { Writable, Readable } from 'node:stream';
import { SecretMasker } from './secrets.js';

export interface IoOptions {
  json?: boolean;
  quiet?: boolean;
  verbose?: boolean;
  color?: boolean; // false when --no-color was given
}

export interface Streams {
  stdout: Writable & { isTTY?: boolean; columns?: number };
  stderr: Writable & { isTTY?: boolean };
  stdin: Readable & { isTTY?: boolean };
}

export interface Progress {
  /** Replaces the text shown for the running phase. */
  update(text: string): void;
  succeed(text?: string): void;
  fail(text?: string): void;
  stop(): void;
}

type Paint = (text: string) => string;

const ANSI = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  blue: [34, 39],
  magenta: [35, 39],
  cyan: [36, 39],
} as const satisfies Record<string, readonly [number, number]>;

/**
 * The one place that decides terminal behaviour (after gh's iostreams): colour only on a TTY
 * without NO_COLOR / --no-color / --quiet / CI; progress only on a stderr TTY and never with --json, --quiet or CI;
 * data on stdout, everything else on stderr; every byte masked for secrets.
 */
export class Io {
  readonly json: boolean;
  readonly quiet: boolean;
  readonly verbose: boolean;
  readonly color: boolean;
  /** Spinners and live progress may be drawn on stderr. */
  readonly interactive: boolean;
  /** Prompts may be shown (stdin and stdout are terminals). */
  readonly canPrompt: boolean;
  readonly secrets = new SecretMasker();
  readonly style: Record<keyof typeof ANSI, Paint>;

  constructor(
    readonly streams: Streams,
    readonly env: NodeJS.ProcessEnv,
    options: IoOptions = {},
  ) {
    this.json = options.json ?? false;
    this.quiet = options.quiet ?? false;
    this.verbose = options.verbose ?? false;
    const noColor = env.NO_COLOR !== undefined && env.NO_COLOR !== '';
    const ci = env.CI !== undefined && env.CI !== '' && env.CI !== 'false';
    // --quiet asks for bare data and errors; CI logs keep escape codes as noise: no colour in either.
    this.color =
      options.color !== false && !noColor && !this.quiet && !ci && Boolean(streams.stdout.isTTY) && env.TERM !== 'dumb';
    this.interactive = Boolean(streams.stderr.isTTY) && !this.json && !this.quiet && !ci;
    this.canPrompt = Boolean(streams.stdin.isTTY) && Boolean(streams.stdout.isTTY) && !ci;
    const paint = (open: number, close: number): Paint =>
      this.color ? (text) => `\u001b[${open}m${text}\u001b[${close}m` : (text) => text;
    this.style = Object.fromEntries(
      Object.entries(ANSI).map(([name, codes]) => [name, paint(codes[0], codes[1])]),
    ) as Record<keyof typeof ANSI, Paint>;
  }

  /** Writes data (a line of text) to stdout. Suppressed with --json: use writeJson there. */
  out(text: string): void {
    this.streams.stdout.write(this.secrets.mask(text.endsWith('\n') ? text : `${text}\n`));
  }

  /** Writes exactly one JSON document to stdout. */
  writeJson(document: unknown): void {
    this.streams.stdout.write(`${JSON.stringify(this.secrets.maskValue(document), null, 2)}\n`);
  }

  /** Writes one NDJSON line to stdout (streams such as logs --follow). */
  writeJsonLine(document: unknown): void {
    this.streams.stdout.write(`${JSON.stringify(this.secrets.maskValue(document))}\n`);
  }

  /** Progress and status for people: stderr, silent with --quiet or --json. */
  info(message: string): void {
    if (this.quiet || this.json) return;
    this.streams.stderr.write(`${this.secrets.mask(message)}\n`);
  }

  warn(message: string): void {
    if (this.quiet) return;
    this.streams.stderr.write(`${this.style.yellow('warning:')} ${this.secrets.mask(message)}\n`);
  }

  /** A warning that --quiet does not silence: an agent given more than the hardened default. */
  warnAlways(message: string): void {
    this.streams.stderr.write(`${this.style.yellow('warning:')} ${this.secrets.mask(message)}\n`);
  }

  debug(message: string): void {
    if (!this.verbose) return;
    this.streams.stderr.write(`${this.style.dim(`debug: ${this.secrets.mask(message)}`)}\n`);
  }

  /** Raw text to stderr (e.g. a container's stderr stream), masked. */
  errRaw(text: string): void {
    this.streams.stderr.write(this.secrets.mask(text));
  }

  /** Raw text to stdout (e.g. a container's stdout stream), masked. */
  outRaw(text: string): void {
    this.streams.stdout.write(this.secrets.mask(text));
  }

  /**
   * A spinner on an interactive stderr (ora, loaded only then); one line per phase otherwise;
   * nothing with --json or --quiet.
   */
  async progress(text: string): Promise<Progress> {
    if (this.interactive) {
      const { default: ora } = await import('ora');
      const spinner = ora({ text: this.secrets.mask(text), stream: this.streams.stderr, color: 'cyan' }).start();
      return {
        update: (next) => {
          spinner.text = this.secrets.mask(next);
        },
        succeed: (done) => void spinner.succeed(done === undefined ? undefined : this.secrets.mask(done)),
        fail: (done) => void spinner.fail(done === undefined ? undefined : this.secrets.mask(done)),
        stop: () => void spinner.stop(),
      };
    }
    this.info(text);
    let last = text;
    return {
      update: (next) => {
        if (next !== last) this.info(next);
        last = next;
      },
      succeed: (done) => {
        if (done) this.info(done);
      },
      fail: (done) => {
        if (done) this.warn(done);
      },
      stop: () => undefined,
    };
  }
}
