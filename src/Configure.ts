import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Option from "effect/Option"
import type * as PlatformError from "effect/PlatformError"
import * as Schema from "effect/Schema"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Tls from "node:tls"
import { type ChatConfigShape, defaults, NodeId, type StoreChoice } from "./ChatConfig.js"
import type { Values } from "./Flags.js"
import { isLoopback } from "./observe/Admission.js"
import { cut, sanitize } from "./protocol/Text.js"

/** Why the server cannot start with what it was given, in one line for the operator. */
export class StartupError extends Schema.TaggedError<StartupError>()("StartupError", {
  message: Schema.String,
  /** Whether `--help` tells what is expected (a bad setting), rather than the operator's files. */
  usage: Schema.Boolean
}) {}

const positive = (seconds: number) => seconds > 0 ? Option.some(Duration.seconds(seconds)) : Option.none()

const isNodeId = Schema.is(NodeId)

/**
 * The step from the settings (every flag, or else its variable, or else its
 * default, each already through its schema) to the server's `ChatConfig`:
 * what only the whole can tell (a default node id), and the TLS files, read
 * and checked before anything listens.
 */
export const chatConfig = Effect.fnUntraced(function*(f: Values) {
  const nodeId = f.nodeId === "" ? `${Os.hostname()}:${f.port === 0 ? `pid-${process.pid}` : f.port}` : f.nodeId
  if (!isNodeId(nodeId)) {
    return yield* new StartupError({ message: `the default node id ${nodeId} (HOSTNAME:PORT) is not valid: set --node-id`, usage: true })
  }
  const config: ChatConfigShape = {
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
    drainSeconds: Duration.seconds(f.drainSeconds),
    statusInterval: positive(f.statusInterval),
    socketServer: f.socketServer,
    ircPort: Option.fromUndefinedOr(f.ircPort),
    seedPort: Option.fromUndefinedOr(f.seedPort),
    serverName: f.serverName,
    motd: f.motd === "" ? defaults.motd : yield* readMotd(f.motd),
    pingInterval: Duration.seconds(f.pingInterval),
    httpPort: Option.fromUndefinedOr(f.httpPort),
    allowedOrigins: f.wsAllowedOrigins.split(",").map((origin) => origin.trim()).filter((origin) => origin !== ""),
    publicUrl: f.publicUrl === "" ? Option.none() : Option.some(f.publicUrl),
    webRoot: f.webRoot,
    history: f.history,
    tls: yield* readTls(f.tlsCert, f.tlsKey),
    redisUrl: f.redis === "" ? Option.none() : Option.some(f.redis),
    redisOptional: f.redisOptional,
    nodeId,
    presenceTtl: Duration.seconds(f.presenceTtl),
    redisPrefix: defaults.redisPrefix,
    store: yield* storeChoice(f),
    historyDays: f.historyDays,
    nickProtection: f.nickProtection,
    nickGrace: f.nickGrace,
    requireTlsForAuth: f.requireTlsForAuth,
    operators: f.operators.split(",").map((account) => account.trim()).filter((account) => account !== ""),
    admin: yield* adminOptions(f),
    publicMetrics: f.publicMetrics
  }
  return config
})

/**
 * The store the flags ask for: Postgres with `--database`, else a SQLite file in `--data-dir`.
 * Several servers behind Redis share accounts only through one Postgres.
 */
const storeChoice = (f: Values): Effect.Effect<StoreChoice, StartupError> => {
  const usage = (message: string) => Effect.fail(new StartupError({ message, usage: true }))
  const store = f.store === "" ? (f.database === "" ? "sqlite" : "postgres") : f.store
  if (store === "postgres" && f.database === "") return usage("--store postgres needs --database postgres://USER@HOST:PORT/DB")
  if (store !== "postgres" && f.database !== "") return usage(`--database is the Postgres store's: it cannot go with --store ${store}`)
  if (f.redis !== "" && store === "sqlite") {
    return usage(
      "--redis needs --database postgres://... shared by every server (with a SQLite file each, each server would have accounts of its own), or --store memory"
    )
  }
  return Effect.succeed(
    store === "memory"
      ? { _tag: "Memory" }
      : store === "postgres"
      ? { _tag: "Postgres", url: f.database }
      : { _tag: "Sqlite", dataDir: Path.resolve(f.dataDir) }
  )
}

/** An address only this machine reaches. */
const isLocal = (host: string): boolean => (Net.isIP(host) !== 0 && isLoopback(host)) || host === "localhost"

/** The admin API's port, host and token: a token is needed anywhere but on loopback (Redis' protected mode). */
const adminOptions = Effect.fnUntraced(function*(f: Values) {
  if (f.adminPort === undefined) {
    if (f.adminTokenFile !== "") return yield* new StartupError({ message: "--admin-token-file is the admin API's: set --admin-port too", usage: true })
    return Option.none()
  }
  if (f.adminTokenFile === "") {
    if (!isLocal(f.adminHost)) {
      return yield* new StartupError({
        message: `the admin API on ${f.adminHost} needs --admin-token-file: anyone who reaches it could kick, ban and drain`,
        usage: true
      })
    }
    return Option.some({ port: f.adminPort, host: f.adminHost, token: Option.none() })
  }
  return Option.some({ port: f.adminPort, host: f.adminHost, token: Option.some(yield* readToken(f.adminTokenFile)) })
})

/** The admin token: the file's first line, at least 16 characters (a guessable token is no lock). */
export const readToken = Effect.fnUntraced(function*(file: string) {
  const fs = yield* FileSystem.FileSystem
  const text = yield* fs.readFileString(file).pipe(Effect.mapError(unreadable("--admin-token-file", file)))
  const token = (text.split(/\r?\n/)[0] ?? "").trim()
  if (token.length < 16) return yield* bad(`--admin-token-file ${file}: its first line must be a token of 16 characters or more (openssl rand -hex 32 makes one)`)
  return token
})

const bad = (message: string) => new StartupError({ message, usage: false })

/** A file named by `flag` that cannot be read, in the operator's words. */
export const unreadable = (flag: string, file: string) => (error: PlatformError.PlatformError) =>
  bad(`cannot read ${flag} ${file}: ${
    error.reason._tag === "NotFound"
      ? "no such file"
      : error.reason._tag === "PermissionDenied"
      ? "permission denied"
      : "not a readable file"
  }`)

/** The most lines a message of the day keeps, and bytes a line. */
const motdLines = 100
const motdLineBytes = 400

/** The message of the day's file: its lines, control characters taken out, at most 100 of 400 bytes. */
const readMotd = Effect.fnUntraced(function*(file: string) {
  const fs = yield* FileSystem.FileSystem
  const text = yield* fs.readFileString(file).pipe(Effect.mapError(unreadable("--motd", file)))
  const lines = text.replace(/\r?\n$/, "").split(/\r?\n/)
  if (lines.length > motdLines) return yield* bad(`--motd ${file} has ${lines.length} lines: at most ${motdLines}`)
  const kept = lines.map((line) => cut(sanitize(line), motdLineBytes))
  // A file with nothing in it is no message of the day (IRC's 422), not a blank one.
  return kept.every((line) => line.trim() === "") ? [] : kept
})

/** The certificate and key files, read and checked to work together; a bad one is one line, before anything listens. */
const readTls = Effect.fnUntraced(function*(certFile: string, keyFile: string) {
  if (certFile === "" && keyFile === "") return Option.none()
  if (certFile === "" || keyFile === "") return yield* bad("TLS needs both --tls-cert and --tls-key")
  const fs = yield* FileSystem.FileSystem
  const read = (flag: string, file: string) => fs.readFileString(file).pipe(Effect.mapError(unreadable(flag, file)))
  const pair = { cert: yield* read("--tls-cert", certFile), key: yield* read("--tls-key", keyFile) }
  // Node takes an empty (or PEM-less) file as no certificate at all, and then fails every handshake.
  if (!/-----BEGIN [A-Z0-9 ]*CERTIFICATE-----/.test(pair.cert)) return yield* bad(`no PEM certificate in --tls-cert ${certFile}`)
  if (!/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(pair.key)) return yield* bad(`no PEM private key in --tls-key ${keyFile}`)
  const problem = yield* Effect.try({ try: () => Tls.createSecureContext(pair), catch: (error) => String(error) }).pipe(
    Effect.flip,
    Effect.option
  )
  if (Option.isSome(problem)) {
    return yield* bad(`bad TLS certificate or key (${certFile}, ${keyFile}): ${problem.value.replace(/^Error: /, "")}`)
  }
  return Option.some(pair)
})
