import * as Config from "effect/Config"
import * as Console from "effect/Console"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Option from "effect/Option"
import * as References from "effect/References"
import * as Schema from "effect/Schema"
import * as Stdio from "effect/Stdio"
import * as CliOutput from "effect/cli/CliOutput"
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import * as GlobalFlag from "effect/cli/GlobalFlag"
import type * as SocketServer from "effect/socket/SocketServer"
import { ChatConfig, defaults } from "./ChatConfig.js"
import { ChatServer } from "./server/ChatServer.js"
import * as OperatorConsole from "./server/OperatorConsole.js"

const PortNumber = Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 65535 }))
const Positive = Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))
const NonNegative = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))
const Seconds = Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0))

/** `--max-line-bytes` reads `HUBBUB_MAX_LINE_BYTES` when absent. */
const envName = (flag: string) => `HUBBUB_${flag.toUpperCase().replace(/-/g, "_")}`
const describe = (flag: string, text: string, shown: string | number) =>
  `${text} [env ${envName(flag)}] (default ${shown})`

const int = (flag: string, text: string, fallback: number, schema: Schema.Codec<number, number> = Positive) =>
  Flag.Int(flag).pipe(
    Flag.withDescription(describe(flag, text, fallback)),
    Flag.withFallbackConfig(Config.Int(envName(flag))),
    Flag.withDefault(fallback),
    Flag.withSchema(schema)
  )

/** A duration in (fractional) seconds; with `offWhenZero`, 0 means "off". */
const seconds = (flag: string, text: string, fallback: Option.Option<Duration.Duration>) =>
  Flag.Finite(flag).pipe(
    Flag.withDescription(describe(flag, text, Option.match(fallback, { onNone: () => "0, off", onSome: Duration.toSeconds }))),
    Flag.withFallbackConfig(Config.Finite(envName(flag))),
    Flag.withDefault(Option.match(fallback, { onNone: () => 0, onSome: Duration.toSeconds })),
    Flag.withSchema(Seconds)
  )

const boolean = (flag: string, text: string, shown: string) =>
  Flag.Boolean(flag).pipe(
    Flag.withDescription(describe(flag, text, shown)),
    Flag.withFallbackConfig(Config.Boolean(envName(flag))),
    Flag.withDefault(false)
  )

const flags = {
  host: Flag.String("host").pipe(
    Flag.withDescription(describe("host", "Interface to listen on", defaults.host)),
    Flag.withFallbackConfig(Config.String(envName("host"))),
    Flag.withDefault(defaults.host)
  ),
  port: int("port", "TCP port; 0 picks a free one", defaults.port, PortNumber).pipe(Flag.withAlias("p")),
  maxLineBytes: int("max-line-bytes", "Longest line a client may send, in bytes", defaults.maxLineBytes),
  outboxBytes: int(
    "outbox-bytes",
    "Bytes that may queue for a client that is not reading before it is disconnected",
    defaults.outboxBytes
  ),
  writeTimeout: seconds(
    "write-timeout",
    "Seconds a client may leave a write untaken before it is disconnected as too slow",
    Option.some(defaults.writeTimeout)
  ),
  floodRate: int("flood-rate", "Lines per second a client may send; 0 turns flood control off", defaults.floodRate, NonNegative),
  floodBurst: int("flood-burst", "Lines a client may send at once before --flood-rate applies", defaults.floodBurst),
  floodTimeout: seconds(
    "flood-timeout",
    "Seconds a client may stay over its flood budget without a pause before it is disconnected",
    Option.some(defaults.floodTimeout)
  ),
  maxConnections: int("max-connections", "Connections at once; more are refused", defaults.maxConnections),
  maxPerIp: int("max-per-ip", "Connections at once from one IP address; 0 is no limit", defaults.maxPerIp, NonNegative),
  limitLoopback: boolean("limit-loopback", "Apply --max-per-ip to loopback addresses too", "off: loopback is exempt"),
  announceMaxMembers: int(
    "announce-max-members",
    "Rooms with more members get no join, leave and rename notices; 0 is no limit",
    defaults.announceMaxMembers,
    NonNegative
  ),
  registerTimeout: seconds(
    "register-timeout",
    "Seconds a new connection has to choose a nickname",
    Option.some(defaults.registerTimeout)
  ),
  idleTimeout: seconds("idle-timeout", "Seconds without a line before a client is disconnected; 0 is off", defaults.idleTimeout),
  keepalive: seconds("keepalive", "Seconds of silence before TCP keepalive probes; 0 is off", defaults.keepalive),
  shutdownTimeout: seconds("shutdown-timeout", "Seconds a graceful shutdown may take", Option.some(defaults.shutdownTimeout)),
  statusInterval: seconds("status-interval", "Seconds between status log lines; 0 is off", defaults.statusInterval),
  logFormat: Flag.Literals("log-format", ["pretty", "json", "logfmt"]).pipe(
    Flag.withDescription(describe("log-format", "Log line format", "pretty")),
    Flag.withFallbackConfig(Config.Literals(["pretty", "json", "logfmt"], envName("log-format"))),
    Flag.withDefault("pretty" as const)
  ),
  socketServer: Flag.Literals("socket-server", ["net", "platform"]).pipe(
    Flag.withDescription(describe(
      "socket-server",
      "What accepts TCP connections: hubbub's node:net SocketServer, or @effect/platform-node's NodeSocketServer",
      defaults.socketServer
    )),
    Flag.withFallbackConfig(Config.Literals(["net", "platform"], envName("socket-server"))),
    Flag.withDefault(defaults.socketServer)
  ),
  console: boolean(
    "console",
    "Read operator commands from stdin even when it is not a terminal",
    "only when stdin is a terminal"
  )
}

const positive = (seconds: number) => seconds > 0 ? Option.some(Duration.seconds(seconds)) : Option.none()

const loggers = {
  pretty: Logger.consolePretty(),
  json: Logger.withConsoleError(Logger.formatJson),
  logfmt: Logger.withConsoleError(Logger.formatLogFmt)
} as const

// Logs go to stderr, so stdout carries only what the operator console prints.

/** A startup failure as one line for the operator. */
const describeListenError = (error: SocketServer.SocketServerError, host: string, port: number) => {
  const cause = error.reason.cause as { code?: string; message?: string } | undefined
  const why = cause?.code === "EADDRINUSE"
    ? "address already in use"
    : cause?.code === "EACCES"
    ? "permission denied"
    : cause?.code === "EADDRNOTAVAIL"
    ? "address not available"
    : cause?.message ?? String(error.reason.cause)
  return `cannot listen on ${host}:${port}: ${why}`
}

export class StartupError extends Schema.TaggedError<StartupError>()("StartupError", { message: Schema.String }) {}

export const command = Command.make("hubbub", flags, (f) =>
  Effect.gen(function*() {
    const stdio = yield* Stdio.Stdio
    const levelFlag = yield* GlobalFlag.LogLevel
    const level = Option.isSome(levelFlag)
      ? levelFlag.value
      : yield* Config.LogLevel(envName("log-level")).pipe(Config.withDefault("Info"))
    const withConsole = f.console || (yield* stdio.stdinIsTerminal)

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
      socketServer: f.socketServer
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
      Effect.catchTag("SocketServerError", (error) =>
        Effect.gen(function*() {
          const message = describeListenError(error, f.host, f.port)
          yield* Effect.logError(message)
          return yield* new StartupError({ message })
        })),
      Effect.provide(logging)
    )
  })).pipe(
    Command.withDescription(
      "hubbub: a group chat server. Connect with `nc HOST PORT`, pick a nickname, chat. " +
        "Every flag can also be set with the environment variable named in its description; the flag wins."
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
