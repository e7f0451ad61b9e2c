#!/usr/bin/env node
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeServices from "@effect/platform-node/NodeServices"
import { Cause, Effect, Exit } from "effect"
import { Command } from "effect/cli"
import { command, presenter } from "./Cli.js"
import { version } from "./version.js"

// The first Ctrl-C starts a graceful shutdown (runMain interrupts the program); a second one forces the exit.
let interrupts = 0
const force = () => {
  if (++interrupts > 1) process.exit(130)
}
process.on("SIGINT", force)
process.on("SIGTERM", force)

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
