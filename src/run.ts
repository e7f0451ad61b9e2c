/** The program: the CLI, run by NodeRuntime with a graceful-shutdown exit code. Started by `main.ts`. */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeServices from "@effect/platform-node/NodeServices"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as CliError from "effect/cli/CliError"
import * as Command from "effect/cli/Command"
import { StartupError } from "./Configure.js"
import { command, presenter } from "./Cli.js"
import { version } from "./version.js"

/**
 * The first Ctrl-C starts a graceful shutdown (runMain interrupts the program); a second one forces the exit
 * (130 for SIGINT, 143 for SIGTERM, as a shell reports a process its signal ended).
 * Two within half a second are one: `npm start` passes the terminal's interrupt on to the server as well.
 */
const forceExitOnSecondInterrupt = () => {
  let first: number | undefined
  const interrupted = (code: number) => () => {
    const now = performance.now()
    if (first === undefined) first = now
    else if (now - first > 500) process.exit(code)
  }
  process.on("SIGINT", interrupted(130))
  process.on("SIGTERM", interrupted(143))
}

/** 0 for a run that ended well (or was stopped), 2 for a command line or setting that was wrong, 1 for anything else. */
const exitCode = (exit: Exit.Exit<unknown, unknown>): number => {
  if (Exit.isSuccess(exit) || Cause.hasInterruptsOnly(exit.cause)) return 0
  const error = Cause.findErrorOption(exit.cause)
  if (Option.isNone(error)) return 1
  return (error.value instanceof StartupError && error.value.usage) || CliError.isCliError(error.value) ? 2 : 1
}
forceExitOnSecondInterrupt()
// SIGUSR2 drains a running server and SIGHUP reloads it (`Program.ts`); while it starts or stops, neither may kill it (Node's default).
process.on("SIGUSR2", () => {})
process.on("SIGHUP", () => {})

command.pipe(
  Command.run({ version }),
  Effect.provide([NodeServices.layer, presenter]),
  (program) =>
    NodeRuntime.runMain(program, {
      disableErrorReporting: true,
      // A completed graceful shutdown is a success, whatever asked for it.
      teardown: (exit, _onExit) => process.exit(exitCode(exit))
    })
)
