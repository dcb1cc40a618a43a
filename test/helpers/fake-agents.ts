import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type Dockerode from 'dockerode';
import { removeLocal } from './image-registry.js';

/**
 * A stand-in for the agent CLIs of the built-in profiles (claude, codex, gemini, opencode), one
 * script under four names. Interactive, it keeps a session file where the real CLI keeps its
 * sessions (the profile's `sessions` path under $HOME) and prints `<tool>: fresh session ID` or,
 * given the profile's resume flags, `<tool>: resumed session ID (turn N)` — failing like the real
 * ones when there is nothing to resume. In print mode (-p, exec, run) it works on the prompt (the
 * last argument): `commit` commits a file, `draft` leaves one uncommitted, then it prints a line
 * and a JSON result like Claude Code's `--output-format json` (`malformed`: a broken one, `nojson`:
 * none, `fail`: exit 4).
 */
export const FAKE_AGENT_SCRIPT = `#!/bin/sh
tool=$(basename "$0")
case $tool in
  claude) dir="$HOME/.claude/projects/-workspace" ;;
  codex) dir="$HOME/.codex/sessions/2026/01/01" ;;
  gemini) dir="$HOME/.gemini/tmp/project/chats" ;;
  *) dir="$HOME/.local/share/opencode/storage/session/global" ;;
esac
resume=no
print=no
for arg do
  case $arg in
    --continue|--resume|resume) resume=yes ;;
    -p|exec|run) print=yes ;;
  esac
done
for last do :; done
session="$dir/session"
if [ "$resume" = yes ]; then
  if [ ! -f "$session" ]; then echo "$tool: No conversation found to continue" >&2; exit 1; fi
  echo turn >> "$dir/turns"
  id=$(cat "$session")
  echo "$tool: resumed session $id (turn $(wc -l < "$dir/turns" | tr -d ' '))"
else
  mkdir -p "$dir"
  id=$(cat /proc/sys/kernel/random/uuid)
  echo "$id" > "$session"
  : > "$dir/turns"
  echo "$tool: fresh session $id"
fi
[ "$print" = yes ] || exit 0
case $last in
  *commit*) echo "work of $tool" > work.txt && git add work.txt && git commit -q -m "work of $tool" ;;
  *draft*) echo "draft of $tool" > draft.txt ;;
esac
echo "$tool worked on: $last"
case $last in
  *malformed*) echo '{"type":"result","result":"cut off' ;;
  *nojson*) echo "no result document" ;;
  *) printf '{"type":"result","subtype":"success","is_error":false,"duration_ms":1234,"num_turns":3,"result":"done: %s","session_id":"%s","total_cost_usd":0.0123}\\n' "$tool" "$id" ;;
esac
case $last in *fail*) exit 4 ;; esac
exit 0
`;

/** The tools the fake stands in for, as the built-in profiles name them. */
export const FAKE_TOOLS = ['claude', 'codex', 'gemini', 'opencode'] as const;

/**
 * Builds `<repository>:<tag>` FROM `base` with the fake CLIs on PATH, and tags it as each stack's
 * image too (`<repository>-codex:<tag>`, …), as the built-in profiles name them. Returns the
 * references, to remove afterwards with `removeFakeAgentImages`.
 */
export async function buildFakeAgentImages(
  docker: Dockerode,
  base: string,
  repository: string,
  tag: string,
): Promise<string[]> {
  const context = mkdtempSync(path.join(tmpdir(), 'agentctl-fake-agents-'));
  try {
    writeFileSync(path.join(context, 'fake-agent'), FAKE_AGENT_SCRIPT);
    chmodSync(path.join(context, 'fake-agent'), 0o755);
    // The base image's user stays: only the files are added as root.
    writeFileSync(
      path.join(context, 'Dockerfile'),
      [
        `FROM ${base}`,
        'COPY fake-agent /usr/local/bin/fake-agent',
        `RUN ${FAKE_TOOLS.map((tool) => `ln -s fake-agent /usr/local/bin/${tool}`).join(' && ')}`,
        // As the base image: Claude Code is the default command.
        'CMD ["claude"]',
        '',
      ].join('\n'),
    );
    const reference = `${repository}:${tag}`;
    const stream = await docker.buildImage({ context, src: ['Dockerfile', 'fake-agent'] }, { t: reference });
    await new Promise<void>((resolve, reject) =>
      docker.modem.followProgress(stream, (error: Error | null, output: Array<{ error?: string }>) => {
        const failed = output?.find((event) => event.error !== undefined);
        if (error || failed) reject(error ?? new Error(failed!.error));
        else resolve();
      }),
    );
    const references = [reference];
    for (const stack of FAKE_TOOLS.slice(1)) {
      await docker.getImage(reference).tag({ repo: `${repository}-${stack}`, tag });
      references.push(`${repository}-${stack}:${tag}`);
    }
    return references;
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
}

export async function removeFakeAgentImages(docker: Dockerode, references: string[]): Promise<void> {
  for (const reference of references.reverse()) await removeLocal(docker, reference);
}
