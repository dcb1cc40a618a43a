/**
 * Exit code an agent's own process asked for (exec, attach, run, wait pass it through). Thrown by
 * a command, caught by src/cli.ts, which exits with the code as it is (no error is printed).
 */
export class PassThroughExit {
  constructor(readonly code: number) {}
}
