import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import type * as FileSystem from "effect/FileSystem"
import * as Option from "effect/Option"
import * as Stdio from "effect/Stdio"
import * as CliOutput from "effect/cli/CliOutput"
import * as Command from "effect/cli/Command"
import * as GlobalFlag from "effect/cli/GlobalFlag"
import { chatConfig, StartupError } from "./Configure.js"
import { readConfig } from "./ConfigFile.js"
import { fileKeys, flags, levels, logLevel, resolveAll, settings } from "./Flags.js"
import { printed } from "./PrintConfig.js"
import * as Program from "./Program.js"
import * as Settings from "./Settings.js"

/**
 * `hubbub [flags]`: every setting from its flag, or else its environment
 * variable, or else its default (each through its schema), then the
 * server's configuration from them, then the program.
 */
export const command = Command.make("hubbub", flags, (given) =>
  Effect.gen(function*() {
    const configFile = yield* Settings.resolve(settings.config, given.config)
    const file = configFile === "" ? new Map() : yield* readConfig(configFile, fileKeys)
    const levelFlag = yield* GlobalFlag.LogLevel
    const levelName = yield* Settings.resolve(logLevel, Option.none(), file.get("log-level"))
    const level = Option.isSome(levelFlag) ? levelFlag.value : levels[levelName]
    const values = yield* resolveAll(given, file)
    // From the flag only: a variable left in a service's environment must not turn the server into a printer.
    if (Option.getOrElse(given.printConfig, () => false) === true) return yield* Console.log(printed(values, Option.isSome(levelFlag) ? levelFlag.value.toLowerCase() : levelName))
    const config = yield* chatConfig(values)
    const console = values.console ?? (yield* (yield* Stdio.Stdio).stdinIsTerminal)
    // A reload reads the file (and the files it names) again, under the same flags and variables.
    const reread = Effect.gen(function*() {
      const file = configFile === "" ? new Map() : yield* readConfig(configFile, fileKeys)
      const levelName = yield* Settings.resolve(logLevel, Option.none(), file.get("log-level"))
      const again = yield* resolveAll(given, file)
      const next = yield* chatConfig(again)
      return {
        // A default node id follows the port: a changed port is the change to report, not the id it derives.
        config: again.nodeId === "" && values.nodeId === "" ? { ...next, nodeId: config.nodeId } : next,
        logLevel: Option.isSome(levelFlag) ? levelFlag.value : levels[levelName]
      }
    }).pipe(Effect.provide(yield* Effect.context<FileSystem.FileSystem>()))
    yield* Program.run({ config, console, logFormat: values.logFormat, logLevel: level, reread })
  }).pipe(
    // A bad setting is one line, like a bad flag; what went wrong with a startup was logged already.
    Effect.catchTags({
      SettingError: (error) => refuse(new StartupError({ message: error.message, usage: true })),
      StartupError: refuse
    })
  )).pipe(
    Command.withDescription(
      "hubbub: a group chat server. Connect with `nc HOST PORT`, pick a nickname, chat. " +
        "Every flag can also be set with the environment variable named in its description (--log-level with " +
        "HUBBUB_LOG_LEVEL); the flag wins."
    )
  )

const refuse = (error: StartupError) =>
  Effect.andThen(Console.error(`hubbub: ${error.message}${error.usage ? " (see hubbub --help)" : ""}`), Effect.fail(error))

/** A bad command line is one line on stderr, not the whole help. */
export const presenter = CliOutput.layerPresenter({
  present: (event) =>
    event._tag === "InvalidInvocation"
      ? Console.error(
        `hubbub: ${event.errors.map((e) => e.message.replace(/\s+/g, " ")).join("; ")} (see hubbub --help)`
      )
      : CliOutput.defaultPresenter.present(event)
})
