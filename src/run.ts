/** The program: the CLI, run by NodeRuntime with a graceful-shutdown exit code. Started by `main.ts`. */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeServices from "@effect/platform-node/NodeServices"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Command from "effect/cli/Command"
import { command, presenter } from "./Cli.js"
import { version } from "./version.js"

/**
 * The first Ctrl-C starts a graceful shutdown (runMain interrupts the program); a second one forces the exit.
 * Two within half a second are one: `npm start` passes the terminal's interrupt on to the server as well.
 */
const forceExitOnSecondInterrupt = () => {
  let first: number | undefined
  const interrupted = () => {
    const now = performance.now()
    if (first === undefined) first = now
    else if (now - first > 500) process.exit(130)
  }
  process.on("SIGINT", interrupted)
  process.on("SIGTERM", interrupted)
}
forceExitOnSecondInterrupt()

command.pipe(
  Command.run({ version }),
  Effect.provide([NodeServices.layer, presenter]),
  (program) =>
    NodeRuntime.runMain(program, {
      disableErrorReporting: true,
      // A completed graceful shutdown is a success, whatever asked for it.
      teardown: (exit, _onExit) =>
        process.exit(Exit.isSuccess(exit) || Cause.hasInterruptsOnly(exit.cause) ? 0 : 1)
    })
)
