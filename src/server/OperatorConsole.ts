import * as Clock from "effect/Clock"
import * as Console from "effect/Console"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import * as Stdio from "effect/Stdio"
import * as Stream from "effect/Stream"
import { Hub } from "../hub/Hub.js"
import { CloseReasons } from "../protocol/CloseReason.js"
import { sanitize } from "../protocol/Text.js"
import { normalizeServerMask, notAServerBan } from "../protocol/ServerMask.js"
import { ServerBans } from "../session/ServerBans.js"
import { ServerOperators } from "../session/ServerOperators.js"
import { durationSeconds } from "../wire/Usage.js"
import { Sessions } from "../session/Sessions.js"
import { ChatServer } from "./ChatServer.js"
import { type Reloaded, Reloader } from "./Reload.js"
import { Stats } from "../observe/Stats.js"

const Quit = Schema.TaggedStruct("quit", {})
const Drain = Schema.TaggedStruct("drain", {})
const Reload = Schema.TaggedStruct("reload", {})
const Who = Schema.TaggedStruct("who", {})
const Rooms = Schema.TaggedStruct("rooms", {})
const Say = Schema.TaggedStruct("say", { text: Schema.NonEmptyString })
const Kick = Schema.TaggedStruct("kick", { nick: Schema.NonEmptyString, reason: Schema.optional(Schema.String) })
const Account = Schema.String.check(Schema.isPattern(/^[A-Za-z0-9_-]{1,24}$/))
const Oper = Schema.TaggedStruct("oper", { account: Account })
const Deoper = Schema.TaggedStruct("deoper", { account: Account })
const Opers = Schema.TaggedStruct("opers", {})
const Ban = Schema.TaggedStruct("ban", { mask: Schema.NonEmptyString, seconds: Schema.optional(Schema.Number), reason: Schema.optional(Schema.String) })
const Unban = Schema.TaggedStruct("unban", { mask: Schema.NonEmptyString })
const BanList = Schema.TaggedStruct("bans", {})
const StatsCommand = Schema.TaggedStruct("stats", {})
const Fibers = Schema.TaggedStruct("fibers", {})
const Help = Schema.TaggedStruct("help", {})
/** What the operator can type on the console, one command per line. */
export const OperatorCommand = Schema.Union([Quit, Drain, Reload, Who, Rooms, Say, Kick, Oper, Deoper, Opers, Ban, Unban, BanList, StatsCommand, Fibers, Help])
export type OperatorCommand = typeof OperatorCommand.Type

const decode = Schema.decodeUnknownResult(OperatorCommand)

const help = [
  "quit                 stop the server gracefully",
  "drain                for a restart: take no one new, tell everyone, disconnect them over --drain-seconds, then stop",
  "reload               read the configuration again (as SIGHUP does): limits, flood, MOTD, TLS, log level, operators, server bans",
  "who                  list connections: nick, room, peer, connected since, outbox bytes",
  "rooms                list rooms and their member counts",
  "say TEXT             announce TEXT to everyone",
  "kick NICK [REASON]   disconnect a user",
  "oper ACCOUNT         give an account server operator powers (deoper ACCOUNT takes them; opers lists them)",
  "ban MASK [DURATION] [REASON]  ban from every server: an address, a network (10.0.0.0/24), a mask or ~a:ACCOUNT",
  "unban MASK           lift a server ban (bans lists them)",
  "stats                counters, uptime and memory",
  "fibers               the fiber serving each connection",
  "help                 this list"
]

/** Parses one console line; the error is the line to print. */
export const parseOperatorCommand = (line: string): Result.Result<OperatorCommand, string> => {
  const [word = "", ...rest] = line.trim().split(/\s+/)
  const name = word.toLowerCase()
  const raw = name === "say"
    ? { _tag: name, text: line.trim().slice(3).trim() }
    : name === "kick"
    ? rest.length > 1 ? { _tag: name, nick: rest[0], reason: rest.slice(1).join(" ") } : { _tag: name, nick: rest[0] }
    : name === "oper" || name === "deoper"
    ? { _tag: name, account: rest.length === 1 ? rest[0] : "" }
    : name === "unban"
    ? { _tag: name, mask: rest.length === 1 ? rest[0] : "" }
    : name === "ban"
    ? banOf(rest)
    : { _tag: name }
  const decoded = decode(raw)
  if (Result.isSuccess(decoded)) return Result.succeed(decoded.success)
  return Result.fail(
    name === "say"
      ? "usage: say TEXT"
      : name === "kick"
      ? "usage: kick NICK [REASON]"
      : name === "oper" || name === "deoper"
      ? `usage: ${name} ACCOUNT`
      : name === "ban"
      ? "usage: ban MASK [DURATION] [REASON] (a DURATION is 30s, 10m, 2h, 7d or 1w)"
      : name === "unban"
      ? "usage: unban MASK"
      : `unknown command: ${word} (try help)`
  )
}

/** `ban MASK [DURATION] [REASON]`'s words, as the `ban` command (a duration that is none leaves no mask: refused). */
const banOf = ([mask = "", first = "", ...more]: ReadonlyArray<string>) => {
  const seconds = durationSeconds(first)
  if (seconds === undefined && /^[-+]?\d/.test(first)) return { _tag: "ban", mask: "" }
  const reason = (seconds === undefined ? [first, ...more] : more).join(" ")
  return { _tag: "ban", mask, ...(seconds === undefined ? {} : { seconds }), ...(reason === "" ? {} : { reason }) }
}

const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`

/**
 * The operator console: one command per line on stdin, answers on stdout.
 * End of input turns the console off; it never stops the server.
 */
export const layer = Layer.effectDiscard(Effect.gen(function*() {
  const stdio = yield* Stdio.Stdio
  const server = yield* ChatServer
  const hub = yield* Hub
  const sessions = yield* Sessions
  const stats = yield* Stats
  const operators = yield* ServerOperators
  const serverBans = yield* ServerBans
  const reloader = yield* Effect.serviceOption(Reloader)

  const run = (command: OperatorCommand): Effect.Effect<void> => {
    switch (command._tag) {
      case "quit":
        return Effect.andThen(Console.log("stopping"), server.requestStop)
      case "drain":
        return Effect.andThen(Console.log("draining"), server.requestDrain)
      case "reload":
        return Option.match(reloader, {
          onNone: () => Console.log("reload: not offered here (no configuration to read again)"),
          onSome: (reloader) =>
            reloader.reload("the console").pipe(
              Effect.flatMap((done) => Console.log(reloadedText(done))),
              Effect.catchTag("ReloadRefused", (error) => Console.log(`reload refused, the running configuration kept: ${error.message}`))
            )
        })
      case "help":
        return Console.log(help.join("\n"))
      case "who":
        return Effect.suspend(() => {
          const rows = Array.from(sessions.live.values(), (s) =>
            [s.nick ?? "(registering)", s.rooms.join(",") || "-", s.peer, new Date(s.since).toISOString(), String(s.outboxBytes)])
          return Console.log([`${rows.length} connection(s)`, ...table(["nick", "room", "peer", "since", "outbox bytes"], rows)].join("\n"))
        })
      case "rooms":
        return Effect.flatMap(hub.rooms, (rooms) =>
          Console.log([`${rooms.length} room(s)`, ...table(["room", "members"], rooms.map((r) => [r.room, String(r.members)]))].join("\n")))
      case "say":
        return hub.publish({ _tag: "Announcement", text: sanitize(command.text) }).pipe(
          Effect.andThen(Console.log("announced"))
        )
      case "kick":
        return Effect.suspend(() => {
          const target = sessions.findNick(command.nick)
          if (target === undefined) return Console.log(`no such nick: ${command.nick}`)
          target.close(CloseReasons.Kicked(command.reason === undefined ? undefined : sanitize(command.reason)))
          return Console.log(`kicked ${target.nick}`)
        })
      case "oper":
        return operators.grant(command.account).pipe(
          Effect.flatMap((granted) =>
            granted
              ? Effect.andThen(
                Effect.logInfo(`moderation: the console made ${command.account} a server operator`),
                Console.log(`${command.account} is a server operator`)
              )
              : Console.log(`no account ${command.account}: register it first (only an account can be a server operator)`)
          ),
          Effect.catchTag("StoreError", (error) => Console.log(`cannot make ${command.account} a server operator: ${error.message}`))
        )
      case "deoper":
        return operators.remove(command.account)
          ? Effect.andThen(Effect.logInfo(`moderation: the console took server operator powers from ${command.account}`), Console.log(`${command.account} is no server operator now`))
          : Console.log(`${command.account} was no server operator`)
      case "ban":
      case "unban": {
        const mask = normalizeServerMask(command.mask)
        if (mask === undefined) return Console.log(notAServerBan(command.mask))
        return banCommand(serverBans, command, mask, stats.audited).pipe(
          Effect.catchTag("StoreError", (error) => Console.log(`cannot change the server bans: ${error.message}`))
        )
      }
      case "bans": {
        const all = serverBans.list()
        return Console.log([
          all.length === 0 ? "no server bans" : `${all.length} server ban(s)`,
          ...all.map((ban) => `${ban.mask}\tby ${ban.by}\t${ban.expires === undefined ? "forever" : `until ${new Date(ban.expires).toISOString()}`}\t${ban.reason}`)
        ].join("\n"))
      }
      case "opers": {
        const all = operators.list()
        return Console.log(all.length === 0 ? "no server operators" : `server operators: ${all.join(", ")}`)
      }
      case "stats":
        return Effect.gen(function*() {
          const rooms = yield* hub.rooms
          const link = yield* hub.link
          const now = yield* Clock.currentTimeMillis
          const c = stats.counters
          const memory = process.memoryUsage()
          yield* Console.log([
            `connections: ${sessions.live.size} live, ${c.connections} since start, ${c.refused} refused`,
            `rooms: ${rooms.length}`,
            `messages in: ${c.messagesIn}, out: ${c.messagesOut}`,
            `bytes in: ${c.bytesIn}, bytes out: ${c.bytesOut}`,
            `disconnects: ${c.slowDisconnects} slow, ${c.floodDisconnects} flooding, ${c.timeouts} timed out, ${c.kicks} kicked`,
            `uptime: ${Duration.format(Duration.millis(now - stats.startedAt))}`,
            `memory: rss ${mib(memory.rss)}, heap ${mib(memory.heapUsed)}`,
            `live fibers: ${sessions.live.size} serving connections`,
            ...(link === "alone" ? [] : [`cluster: the link to Redis is ${link}`])
          ].join("\n"))
        })
      case "fibers":
        return Effect.suspend(() => {
          const rows = Array.from(sessions.live.values(), (s) =>
            [`#${s.fiberId}`, "connection", s.id, s.nick ?? "(registering)", s.peer])
          return Console.log([`${rows.length} fiber(s) serving connections`, ...table(["fiber", "role", "session", "nick", "peer"], rows)].join("\n"))
        })
    }
  }

  yield* stdio.stdin.pipe(
    Stream.decodeText(),
    Stream.splitLines,
    Stream.runForEach((line) => {
      if (line.trim() === "") return Effect.void
      const parsed = parseOperatorCommand(line)
      return Result.isSuccess(parsed) ? run(parsed.success) : Console.log(parsed.failure)
    }),
    Effect.catchCause((cause) => Effect.logWarning("console input failed; console off", cause)),
    Effect.andThen(Effect.logInfo("console input ended; console off")),
    Effect.forkScoped
  )
}))

/** Sets or lifts a server ban from the console, saying so and logging it. */
const banCommand = (
  serverBans: ServerBans["Service"],
  command: Extract<OperatorCommand, { readonly _tag: "ban" | "unban" }>,
  mask: string,
  audited: (action: string) => void
) =>
  command._tag === "unban"
    ? Effect.flatMap(serverBans.lift(mask, "the console"), (lifted) =>
      lifted
        ? Effect.andThen(
          Effect.andThen(Effect.sync(() => audited("unkline")), Effect.logInfo(`moderation: the console lifted the server ban ${mask}`)),
          Console.log(`${mask} is banned no more`)
        )
        : Console.log(`no server ban for ${mask}`))
    : Effect.gen(function*() {
      const at = yield* Clock.currentTimeMillis
      const expires = command.seconds === undefined ? undefined : at + command.seconds * 1000
      const reason = command.reason ?? "no reason given"
      yield* serverBans.set({ mask, reason, by: "the console", at, expires })
      audited("kline")
      yield* Effect.logInfo(`moderation: the console banned ${mask} from the server (${reason})`)
      yield* Console.log(`banned ${mask}${expires === undefined ? "" : ` until ${new Date(expires).toISOString()}`}: ${reason}`)
    })

/** What a reload did, in a line or two. */
export const reloadedText = (done: Reloaded): string =>
  [
    done.changed.length === 0 ? "reloaded: nothing changed" : `reloaded: ${done.changed.join(", ")}`,
    ...(done.needsRestart.length === 0 ? [] : [`needs a restart (still as started): ${done.needsRestart.join(", ")}`])
  ].join("\n")

/** Rows under a header, each column as wide as its widest cell (two spaces between), the last not padded. */
const table = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): Array<string> => {
  const all = [header, ...rows]
  const widths = header.map((_, i) => Math.max(...all.map((row) => row[i]?.length ?? 0)))
  return all.map((row) => row.map((cell, i) => i === row.length - 1 ? cell : cell.padEnd(widths[i]!)).join("  "))
}
