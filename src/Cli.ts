import * as Console from "effect/Console"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Option from "effect/Option"
import * as References from "effect/References"
import * as Schema from "effect/Schema"
import * as FileSystem from "effect/FileSystem"
import * as Stdio from "effect/Stdio"
import * as Tls from "node:tls"
import * as CliOutput from "effect/cli/CliOutput"
import * as Command from "effect/cli/Command"
import * as GlobalFlag from "effect/cli/GlobalFlag"
import * as Os from "node:os"
import { ChatConfig, nodeIdPattern } from "./ChatConfig.js"
import { ChatServer } from "./server/ChatServer.js"
import * as OperatorConsole from "./server/OperatorConsole.js"
import { flags, levels, logLevel, resolveAll, settings } from "./Flags.js"
import * as Settings from "./Settings.js"

const positive = (seconds: number) => seconds > 0 ? Option.some(Duration.seconds(seconds)) : Option.none()

const loggers = {
  pretty: Logger.consolePretty(),
  json: Logger.withConsoleError(Logger.formatJson),
  logfmt: Logger.withConsoleError(Logger.formatLogFmt)
} as const

// Logs go to stderr, so stdout carries only what the operator console prints.

/** A startup failure as one line for the operator. */
const describeListenError = (failure: unknown, host: string, port: number) => {
  const cause = failure as { code?: string; message?: string } | undefined
  const why = cause?.code === "EADDRINUSE"
    ? "address already in use"
    : cause?.code === "EACCES"
    ? "permission denied"
    : cause?.code === "EADDRNOTAVAIL"
    ? "address not available"
    : cause?.message ?? String(failure)
  return `cannot listen on ${host}:${port}: ${why}`
}

const defectText = (defect: unknown) => (defect instanceof Error ? defect.message : String(defect)).split("\n")[0]

const cannotListen = (message: string) =>
  Effect.andThen(Effect.logError(message), Effect.fail(new StartupError({ message })))

/** The certificate and key files, read and checked to work together; a bad one is one line, before anything listens. */
const readTls = (certFile: string, keyFile: string) =>
  Effect.gen(function*() {
    if (certFile === "" && keyFile === "") return Option.none()
    if (certFile === "" || keyFile === "") return yield* Effect.fail("TLS needs both --tls-cert and --tls-key")
    const fs = yield* FileSystem.FileSystem
    const read = (flag: string, file: string) =>
      fs.readFileString(file).pipe(
        Effect.mapError((error) =>
          `cannot read ${flag} ${file}: ${
            error.reason._tag === "NotFound"
              ? "no such file"
              : error.reason._tag === "PermissionDenied"
              ? "permission denied"
              : "not a readable file"
          }`
        )
      )
    const pair = { cert: yield* read("--tls-cert", certFile), key: yield* read("--tls-key", keyFile) }
    // Node takes an empty (or PEM-less) file as no certificate at all, and then fails every handshake.
    if (!/-----BEGIN [A-Z0-9 ]*CERTIFICATE-----/.test(pair.cert)) {
      return yield* Effect.fail(`no PEM certificate in --tls-cert ${certFile}`)
    }
    if (!/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(pair.key)) {
      return yield* Effect.fail(`no PEM private key in --tls-key ${keyFile}`)
    }
    const problem = yield* Effect.try({ try: () => Tls.createSecureContext(pair), catch: (error) => String(error) }).pipe(
      Effect.flip,
      Effect.option
    )
    if (Option.isSome(problem)) {
      return yield* Effect.fail(`bad TLS certificate or key (${certFile}, ${keyFile}): ${problem.value.replace(/^Error: /, "")}`)
    }
    return Option.some(pair)
  })

export class StartupError extends Schema.TaggedError<StartupError>()("StartupError", { message: Schema.String }) {}

export const command = Command.make("hubbub", flags, (given) =>
  Effect.gen(function*() {
    const stdio = yield* Stdio.Stdio
    const levelFlag = yield* GlobalFlag.LogLevel
    // A bad environment variable is one line, like a bad flag.
    const invalid = (error: Settings.SettingError) =>
      Effect.andThen(
        Console.error(`hubbub: ${error.message} (see hubbub --help)`),
        Effect.fail(new StartupError({ message: error.message }))
      )
    const level = Option.isSome(levelFlag)
      ? levelFlag.value
      : levels[yield* Settings.resolve(logLevel, Option.none()).pipe(Effect.catch(invalid))]
    const f = yield* resolveAll(given).pipe(Effect.catch(invalid))
    const withConsole = f.console ?? (yield* stdio.stdinIsTerminal)
    const nodeId = f.nodeId === "" ? `${Os.hostname()}:${f.port === 0 ? `pid-${process.pid}` : f.port}` : f.nodeId
    // Where a value came from, as a bad value's line names it: the flag, or else its variable.
    const flagNames = { redis: "--redis", nodeId: "--node-id", presenceTtl: "--presence-ttl" } as const
    const named = (key: keyof typeof flagNames, value: string | number) =>
      Option.isSome(given[key] as Option.Option<unknown>) ? `${flagNames[key]} ${value}` : `${settings[key].env}=${value}`
    const clusterProblem = f.redis !== "" && !/^rediss?:\/\/[^\s]+$/.test(f.redis)
      ? `${named("redis", f.redis)}: expected a URL like redis://127.0.0.1:6379`
      : !nodeIdPattern.test(nodeId)
      ? f.nodeId === ""
        ? `the default node id ${nodeId} (HOSTNAME:PORT) is not valid: set --node-id`
        : `${named("nodeId", nodeId)}: expected 1-64 letters, digits, ., _, : or -`
      : f.presenceTtl < 1
      ? `${named("presenceTtl", f.presenceTtl)}: expected 1 second or more`
      : undefined
    if (clusterProblem !== undefined) yield* invalid(new Settings.SettingError({ message: clusterProblem }))
    const tls = yield* readTls(f.tlsCert, f.tlsKey).pipe(
      Effect.catch((message) =>
        Effect.andThen(Console.error(`hubbub: ${message}`), Effect.fail(new StartupError({ message })))
      )
    )

    const config = ChatConfig.layer({
      host: f.host,
      port: f.port,
      maxLineBytes: f.maxLineBytes,
      outboxBytes: f.outboxBytes,
      writeTimeout: Duration.seconds(f.writeTimeout),
      floodRate: f.floodRate,
      floodBurst: f.floodBurst,
      floodTimeout: Duration.seconds(f.floodTimeout),
      maxConnections: f.maxConnections,
      maxPerIp: f.maxPerIp,
      limitLoopback: f.limitLoopback,
      announceMaxMembers: f.announceMaxMembers,
      registerTimeout: Duration.seconds(f.registerTimeout),
      idleTimeout: positive(f.idleTimeout),
      keepalive: positive(f.keepalive),
      shutdownTimeout: Duration.seconds(f.shutdownTimeout),
      statusInterval: positive(f.statusInterval),
      socketServer: f.socketServer,
      ircPort: Option.fromUndefinedOr(f.ircPort),
      seedPort: Option.fromUndefinedOr(f.seedPort),
      serverName: f.serverName,
      pingInterval: Duration.seconds(f.pingInterval),
      httpPort: Option.fromUndefinedOr(f.httpPort),
      allowedOrigins: f.wsAllowedOrigins.split(",").map((origin) => origin.trim()).filter((origin) => origin !== ""),
      webRoot: f.webRoot,
      history: f.history,
      tls,
      redisUrl: f.redis === "" ? Option.none() : Option.some(f.redis),
      redisOptional: f.redisOptional,
      nodeId,
      presenceTtl: Duration.seconds(f.presenceTtl)
    })
    const server = ChatServer.layerStandalone.pipe(Layer.provide(config))
    const app = withConsole ? OperatorConsole.layer.pipe(Layer.provideMerge(server)) : server
    const logging = Layer.mergeAll(
      Logger.layer([loggers[f.logFormat]]),
      Layer.succeed(References.MinimumLogLevel, level),
      Layer.succeed(References.LogToStderr, true)
    )

    yield* Effect.gen(function*() {
      const chat = yield* ChatServer
      yield* chat.stopRequested
    }).pipe(
      Effect.provide(app),
      Effect.catchTags({
        SocketServerError: (error) => cannotListen(describeListenError(error.reason.cause, f.host, f.port)),
        ListenError: (error) => cannotListen(describeListenError(error.failure, f.host, error.port)),
        RedisUnavailable: (error) => cannotListen(error.message),
        NodeIdInUse: (error) => cannotListen(error.message),
        PageError: (error) =>
          cannotListen(`the chat page is missing: cannot read ${error.path} (run npm run build, or set --web-root)`)
      }),
      // A bug, or a broken install (a part of the program that will not load): one line, not silence.
      Effect.catchDefect((defect) => cannotListen(`stopped by an unexpected error: ${defectText(defect)}`)),
      Effect.provide(logging)
    )
  })).pipe(
    Command.withDescription(
      "hubbub: a group chat server. Connect with `nc HOST PORT`, pick a nickname, chat. " +
        "Every flag can also be set with the environment variable named in its description (--log-level with " +
        "HUBBUB_LOG_LEVEL); the flag wins."
    )
  )

/** A bad command line is one line on stderr, not the whole help. */
export const presenter = CliOutput.layerPresenter({
  present: (event) =>
    event._tag === "InvalidInvocation"
      ? Console.error(
        `hubbub: ${event.errors.map((e) => e.message.replace(/\s+/g, " ")).join("; ")} (see hubbub --help)`
      )
      : CliOutput.defaultPresenter.present(event)
})
