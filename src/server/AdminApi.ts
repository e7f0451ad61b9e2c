import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as ByteSize from "effect/ByteSize"
import * as HttpIncomingMessage from "effect/http/HttpIncomingMessage"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Crypto from "node:crypto"
import * as Http from "node:http"
import { type AdminOptions, ChatConfig } from "../ChatConfig.js"
import { Hub } from "../hub/Hub.js"
import { Stats } from "../observe/Stats.js"
import { CloseReasons } from "../protocol/CloseReason.js"
import { normalizeRoom } from "../protocol/Names.js"
import { normalizeServerMask, notAServerBan } from "../protocol/ServerMask.js"
import { sanitize } from "../protocol/Text.js"
import { ServerBans } from "../session/ServerBans.js"
import { type SessionHandle, Sessions } from "../session/Sessions.js"
import { ChatServer, formatAddress, ListenError } from "./ChatServer.js"
import { hostAllowed, notReady, prometheus, readyz } from "./Health.js"
import { ServerMetrics } from "./Metrics.js"
import { Reloader } from "./Reload.js"

const Kick = Schema.Struct({ reason: Schema.optional(Schema.String.check(Schema.isMaxLength(400))) })
const Ban = Schema.Struct({
  mask: Schema.NonEmptyString.check(Schema.isMaxLength(200)),
  // At most ten years: a time past what a date can say would break every listing of the bans.
  seconds: Schema.optional(Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 10 * 365 * 86_400 }))),
  reason: Schema.optional(Schema.String.check(Schema.isMaxLength(400)))
})
const Notice = Schema.Struct({
  text: Schema.NonEmptyString.check(Schema.isMaxLength(400)),
  room: Schema.optional(Schema.NonEmptyString)
})
const Page = Schema.Struct({
  room: Schema.optional(Schema.String),
  limit: Schema.optional(Schema.NumberFromString.check(Schema.isInt(), Schema.isBetween({ minimum: 1, maximum: 1000 }))),
  offset: Schema.optional(Schema.NumberFromString.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(0)))
})

/** A request the API refuses: its status and the error it says. */
class Refusal extends Schema.TaggedError<Refusal>()("Refusal", { status: Schema.Number, error: Schema.String }) {}

const refuse = (status: number, error: string) => Effect.fail(new Refusal({ status, error }))

const json = (body: unknown, status = 200) => HttpServerResponse.jsonUnsafe(body, { status })

/** A request's JSON body through `schema`; none is `{}`. A bad one is a 400 that says what was wrong; one over 64 KiB, a 413. */
const body = <A>(schema: Schema.Decoder<A>) =>
  Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) =>
    Effect.flatMap(
      request.text.pipe(
        Effect.provideService(HttpIncomingMessage.MaxBodySize, ByteSize.kibibytes(64)),
        Effect.mapError(() => new Refusal({ status: 413, error: "the request's body is over 64 KiB, or could not be read" }))
      ),
      (text) => {
        let value: unknown
        try {
          value = text.trim() === "" ? {} : JSON.parse(text)
        } catch {
          return refuse(400, "the body is not JSON")
        }
        return Effect.mapError(
          Schema.decodeUnknownEffect(schema)(value),
          (error) => new Refusal({ status: 400, error: schemaError(error) })
        )
      }
    ))

/** A schema's complaint as one line: `limit: expected a value between 1 and 1000`. */
const schemaError = (error: Schema.SchemaError): string => {
  const [first = "", ...rest] = error.message.split("\n").map((line) => line.trim()).filter((line) => line !== "")
  const at = /^at \[(.*)\]$/.exec(rest.at(-1) ?? "")?.[1]
  const what = first.charAt(0).toLowerCase() + first.slice(1)
  return at === undefined ? what : `${at.replace(/"/g, "")}: ${what}`
}

/** A connection as `/connections` lists it (NATS' `/connz` is the model). */
const connection = (s: SessionHandle) => ({
  id: s.id,
  peer: s.peer,
  protocol: s.protocol,
  nick: s.nick ?? null,
  account: s.account ?? null,
  rooms: s.rooms,
  since: new Date(s.since).toISOString(),
  bytesIn: s.bytesIn,
  bytesOut: s.bytesOut,
  messagesIn: s.messagesIn,
  messagesOut: s.messagesOut,
  outboxBytes: s.outboxBytes
})

/** Whether `given` is `Bearer TOKEN` with this token, compared in constant time. */
const bears = (given: string | undefined, token: string): boolean => {
  const digest = (text: string) => Crypto.createHash("sha256").update(text).digest()
  return given !== undefined && Crypto.timingSafeEqual(digest(given), digest(`Bearer ${token}`))
}

/**
 * The admin API (`--admin-port`): JSON over HTTP for scripts, on an address of its own, every
 * request bearing the token (`--admin-token-file`; without one, on loopback only, none is asked):
 * connections and rooms to read, kicks, server bans, notices and a drain to do, and `/metrics`,
 * `/healthz`, `/readyz`. Every change is logged, with what asked for it.
 */
export const layer = Layer.effectDiscard(Effect.gen(function*() {
  const config = yield* ChatConfig
  if (Option.isSome(config.admin)) yield* serve(config.admin.value)
}))

const serve = Effect.fnUntraced(function*(options: AdminOptions) {
  const chat = yield* ChatServer
  const sessions = yield* Sessions
  const hub = yield* Hub
  const serverBans = yield* ServerBans
  const stats = yield* Stats
  const metrics = yield* ServerMetrics
  const why = yield* notReady
  const reloader = yield* Effect.serviceOption(Reloader)
  const server = yield* NodeHttpServer.make(() => Http.createServer({ requestTimeout: 10_000, headersTimeout: 10_000 }), {
    host: options.host,
    port: options.port,
    gracefulShutdownTimeout: "1 second"
  }).pipe(Effect.catchTag("ServeError", (error) =>
    Effect.fail(new ListenError({ protocol: "the admin API", host: options.host, port: options.port, failure: error.cause }))))

  const one = (id: string) => {
    const found = sessions.live.get(id)
    return found === undefined ? refuse(404, `no connection ${id} on this server`) : Effect.succeed(found)
  }

  const route = (method: string, path: ReadonlyArray<string>, query: URLSearchParams): Effect.Effect<HttpServerResponse.HttpServerResponse, Refusal, HttpServerRequest.HttpServerRequest> => {
    const at = `${method} /${path.join("/")}`
    if (at === "GET /metrics") return prometheus(metrics)
    if (at === "GET /healthz") return Effect.succeed(HttpServerResponse.text("ok\n"))
    if (at === "GET /readyz") return readyz(why)
    if (at === "GET /connections") {
      return Effect.flatMap(
        Effect.mapError(Schema.decodeUnknownEffect(Page)(Object.fromEntries(query)), (error) => new Refusal({ status: 400, error: schemaError(error) })),
        (page) => {
          const room = page.room === undefined ? undefined : normalizeRoom(page.room)
          const all = [...sessions.live.values()].filter((s) => room === undefined || s.rooms.some((r) => normalizeRoom(r) === room))
          const offset = page.offset ?? 0
          const limit = page.limit ?? 100
          return Effect.succeed(json({ total: all.length, offset, limit, connections: all.slice(offset, offset + limit).map(connection) }))
        }
      )
    }
    if (method === "GET" && path.length === 2 && path[0] === "connections") return Effect.map(one(path[1]), (s) => json(connection(s)))
    if (method === "POST" && path.length === 3 && path[0] === "connections" && path[2] === "kick") {
      return Effect.gen(function*() {
        const target = yield* one(path[1])
        const { reason } = yield* body(Kick)
        target.close(CloseReasons.Kicked(reason === undefined ? undefined : sanitize(reason)))
        yield* Effect.logInfo(`admin API: kicked ${target.nick ?? target.peer}${reason === undefined ? "" : ` (${reason})`}`)
        return json({ kicked: target.id, nick: target.nick ?? null })
      })
    }
    if (at === "GET /rooms") {
      return Effect.map(hub.rooms, (rooms) => json({ rooms: rooms.map((r) => ({ room: r.room, members: r.members, topic: r.topic ?? null })) }))
    }
    if (method === "GET" && path.length === 2 && path[0] === "rooms") {
      return Effect.gen(function*() {
        const name = normalizeRoom(path[1])
        const roster = yield* hub.roster(name as never)
        if (roster === undefined) return yield* refuse(404, `no room ${name}`)
        const topic = yield* hub.topic(roster.room)
        return json({
          room: roster.room,
          members: roster.count,
          topic: topic ?? null,
          nicks: roster.nicks,
          operators: roster.operators,
          voiced: roster.voiced,
          modes: roster.modes,
          created: roster.created === 0 ? null : new Date(roster.created).toISOString(),
          bans: roster.bans
        })
      })
    }
    if (at === "GET /bans") return Effect.succeed(json({ bans: serverBans.list().map(banJson) }))
    if (at === "POST /bans") {
      return Effect.gen(function*() {
        const given = yield* body(Ban)
        const mask = normalizeServerMask(given.mask)
        if (mask === undefined) return yield* refuse(400, notAServerBan(given.mask))
        const now = yield* Clock.currentTimeMillis
        const ban = { mask, reason: given.reason ?? "no reason given", by: "the admin API", at: now, expires: given.seconds === undefined ? undefined : now + given.seconds * 1000 }
        yield* Effect.mapError(serverBans.set(ban), (error) => new Refusal({ status: 503, error: `cannot change the server bans: ${error.message}` }))
        stats.audited("kline")
        yield* Effect.logInfo(`moderation: the admin API banned ${mask} from the server (${ban.reason})`)
        return json({ ban: banJson(ban) }, 201)
      })
    }
    if (method === "DELETE" && path.length === 2 && path[0] === "bans") {
      return Effect.gen(function*() {
        const mask = normalizeServerMask(path[1])
        if (mask === undefined) return yield* refuse(404, `no server ban for ${path[1]}`)
        const lifted = yield* Effect.mapError(serverBans.lift(mask, "the admin API"), (error) => new Refusal({ status: 503, error: `cannot change the server bans: ${error.message}` }))
        if (!lifted) return yield* refuse(404, `no server ban for ${mask}`)
        stats.audited("unkline")
        yield* Effect.logInfo(`moderation: the admin API lifted the server ban ${mask}`)
        return json({ lifted: mask })
      })
    }
    if (at === "POST /notice") {
      return Effect.gen(function*() {
        const given = yield* body(Notice)
        const text = sanitize(given.text)
        if (given.room === undefined) {
          yield* hub.publish({ _tag: "Announcement", text })
          yield* Effect.logInfo("admin API: announced to everyone")
          return json({ sent: "everyone" })
        }
        const room = normalizeRoom(given.room)
        if ((yield* hub.roster(room as never)) === undefined) return yield* refuse(404, `no room ${room}`)
        yield* hub.publish({ _tag: "Notice", room, text: `[operator] ${text}` })
        yield* Effect.logInfo(`admin API: announced to ${room}`)
        return json({ sent: room })
      })
    }
    if (at === "POST /reload") {
      return Option.isNone(reloader)
        ? refuse(404, "reload is not offered here (no configuration to read again)")
        : reloader.value.reload("the admin API").pipe(
          Effect.map((done) => json(done)),
          Effect.catchTag("ReloadRefused", (error) => refuse(400, `reload refused, the running configuration kept: ${error.message}`))
        )
    }
    if (at === "POST /drain") {
      return Effect.as(Effect.andThen(Effect.logInfo("admin API: drain asked for"), chat.requestDrain), json({ draining: true }, 202))
    }
    const known = ["/metrics", "/healthz", "/readyz", "/connections", "/rooms", "/bans", "/notice", "/reload", "/drain"]
    if (known.includes(`/${path[0] ?? ""}`)) return refuse(405, `${at} is not one of this API's requests: see the README's table of the admin API for each path's methods`)
    return refuse(404, `no such endpoint: ${at} (there are ${known.join(", ")}, /connections/ID, /connections/ID/kick, /rooms/NAME, /bans/MASK)`)
  }

  // The first refused request is a warning (a script with a stale token shows at once); the rest are debug lines.
  let warned = false
  const handle = Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    if (Option.isSome(options.token) && !bears(request.headers.authorization, options.token.value)) {
      const line = "admin API: a request without the token was refused"
      yield* (warned ? Effect.logDebug(line) : Effect.logWarning(line)).pipe(Effect.annotateLogs({ peer: request.remoteAddress.pipe(Option.getOrElse(() => "")) }))
      warned = true
      return HttpServerResponse.jsonUnsafe({ error: "this needs Authorization: Bearer TOKEN, the token in --admin-token-file" }, {
        status: 401,
        headers: { "www-authenticate": "Bearer" }
      })
    }
    // Without a token, a web page in a browser on this machine must not drive it: no request a page makes
    // (its Origin says so), and none for a name someone's DNS could point here.
    if (Option.isNone(options.token) && (request.headers.origin !== undefined || !hostAllowed(request.headers.host, Option.none()))) {
      return json({ error: "without --admin-token-file, the admin API answers only requests from this machine that no web page made" }, 403)
    }
    const [pathname = "", query = ""] = request.url.split("?", 2)
    const path = yield* Effect.try({
      try: () => pathname.split("/").filter((part) => part !== "").map((part) => decodeURIComponent(part)),
      catch: () => new Refusal({ status: 400, error: `${pathname} is not a path` })
    })
    return yield* route(request.method, path, new URLSearchParams(query))
  }).pipe(Effect.catchTag("Refusal", (refusal) => Effect.succeed(json({ error: refusal.error }, refusal.status))))

  // Served whole, with no router before it: every request, however malformed its path, is answered in JSON here.
  yield* server.serve(handle)
  yield* Effect.logInfo(`admin API at http://${formatAddress(server.address as never)}/${Option.isSome(options.token) ? "" : " (no token: loopback only)"}`)
})

const banJson = (ban: { readonly mask: string; readonly reason: string; readonly by: string; readonly at: number; readonly expires: number | undefined }) => ({
  mask: ban.mask,
  reason: ban.reason,
  by: ban.by,
  at: new Date(ban.at).toISOString(),
  expires: ban.expires === undefined ? null : new Date(ban.expires).toISOString()
})
