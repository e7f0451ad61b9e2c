import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Context, Duration, Effect, Exit, Layer, Logger, Scope } from "effect"
import * as Net from "node:net"
import { createClient } from "redis"
import { defaults } from "../../src/ChatConfig.js"
import { Hub } from "../../src/hub/Hub.js"
import * as HubRedis from "../../src/hub/HubRedis.js"
import type { Nick, Room } from "../../src/protocol/Names.js"
import { Probe } from "../support/Probe.js"
import { RedisServer } from "../support/RedisServer.js"
import { hubContract } from "./contract.js"
import { moderationContract } from "./moderationContract.js"
import { watchContract } from "./watchContract.js"

let redis: RedisServer
let cluster = 0
beforeAll(async () => {
  redis = await RedisServer.start()
})
afterAll(() => redis.stop())

/** What the hubs log (joining the cluster, losing Redis): shown only with HUBBUB_TEST_LOGS=1, as the servers' logs are. */
const logs = Logger.layer(process.env.HUBBUB_TEST_LOGS ? [Logger.defaultLogger] : [])

/** A Redis hub on the test's own redis-server, in a cluster (a key prefix) of its own. */
const redisHub = (announceMaxMembers: number, history?: number) =>
  HubRedis.layer({
    ...defaults,
    announceMaxMembers,
    ...(history === undefined ? {} : { history }),
    redisUrl: redis.url,
    nodeId: "node-1",
    redisPrefix: `contract-${++cluster}:`
  }).pipe(Layer.provide(logs))

hubContract("HubRedis.layer", redisHub)
moderationContract("HubRedis.layer", () => redisHub(0))
watchContract("HubRedis.layer", () => redisHub(0))

/** A TCP proxy in front of Redis that can cut its connections and refuse new ones: an outage that keeps Redis's data. */
class Proxy {
  private readonly sockets = new Set<Net.Socket>()
  private refusing = false
  private constructor(private readonly server: Net.Server) {}

  /** `lag`: what the second connection (a hub's subscriber) sends reaches Redis this many milliseconds late. */
  static start(target: number, lag = 0): Promise<Proxy> {
    return new Promise((resolve) => {
      const server = Net.createServer()
      const proxy = new Proxy(server)
      let connections = 0
      server.on("connection", (client) => {
        if (proxy.refusing) return void client.destroy()
        const upstream = Net.connect(target, "127.0.0.1")
        for (const socket of [client, upstream]) {
          proxy.sockets.add(socket)
          socket.on("error", () => undefined).on("close", () => proxy.sockets.delete(socket))
        }
        if (connections++ === 1 && lag > 0) {
          client.on("data", (bytes) => setTimeout(() => upstream.write(bytes), lag))
          upstream.pipe(client)
        } else {
          client.pipe(upstream).pipe(client)
        }
      })
      server.listen(0, "127.0.0.1", () => resolve(proxy))
    })
  }

  get url(): string {
    return `redis://127.0.0.1:${(this.server.address() as Net.AddressInfo).port}`
  }

  /** Stops forwarding without closing anything: a Redis that no longer answers. */
  stall(): void {
    for (const socket of this.sockets) socket.pause()
  }

  cut(): void {
    this.refusing = true
    for (const socket of this.sockets) socket.destroy()
  }

  restore(): void {
    this.refusing = false
  }

  close(): Promise<void> {
    this.cut()
    return new Promise((resolve) => this.server.close(() => resolve()))
  }
}

describe("HubRedis.layer: several servers", () => {
  /** A server's hub on `url`, as node `node` of the cluster `prefix`. */
  const hubOn = (url: string, node: string, prefix: string) =>
    Effect.map(
      Layer.build(HubRedis.layer({ ...defaults, redisUrl: url, nodeId: node, redisPrefix: prefix }).pipe(Layer.provide(logs))),
      (context) => Context.get(context, Hub)
    )
  const attach = (hub: Hub["Service"], id: string, nick: string, room: string) =>
    Effect.gen(function*() {
      const probe = new Probe()
      yield* hub.claimNick(id, nick as Nick)
      yield* hub.subscribe(id, probe)
      yield* hub.join(id, room as Room)
      return probe
    })

  it.live("drops a session that left while its server was cut off from Redis, once the link is back", () =>
    Effect.gen(function*() {
      const proxy = yield* Effect.acquireRelease(Effect.promise(() => Proxy.start(redis.port)), (proxy) => Effect.promise(() => proxy.close()))
      const prefix = `outage-${++cluster}:`
      const a = yield* hubOn(proxy.url, "a", prefix)
      const b = yield* hubOn(redis.url, "b", prefix)
      const amy = yield* attach(a, "s1", "amy", "#x")
      const ann = yield* attach(a, "s2", "ann", "#x")
      const ben = yield* attach(b, "s1", "ben", "#x")
      yield* amy.until("-!- ben has joined #x")
      // Someone who will rename and move while the link is down.
      yield* attach(a, "s3", "cal", "#x")
      yield* a.join("s3", "#z" as Room)
      yield* ben.until("-!- cal has joined #x")
      // A room only this server's sessions are in, with something said in it.
      yield* a.join("s2", "#y" as Room)
      yield* a.publish({ _tag: "Chat", room: "#y", from: "ann", text: "kept" })
      yield* ann.until("<ann> kept")
      assert.strictEqual(yield* a.link, "up")
      proxy.cut()
      yield* amy.until("-!- The link to the other servers is lost: until it is back, only the people on this server see your messages.")
      assert.strictEqual(yield* a.link, "down")
      yield* a.leave("s1", "quit")
      yield* a.claimNick("s3", "cara" as Nick)
      yield* a.part("s3", "#x" as Room, "elsewhere")
      proxy.restore()
      yield* ben.until("-!- amy has left #x (left while the servers were apart)", "10 seconds")
      yield* ann.until("-!- The link to the other servers is back.")
      assert.strictEqual(yield* a.link, "up")
      assert.deepStrictEqual<unknown>((yield* b.roster("#x" as Room))?.nicks, ["ann", "ben"])
      assert.deepStrictEqual<unknown>((yield* b.roster("#z" as Room))?.nicks, ["cara"])
      assert.isUndefined(yield* b.findNick("amy"))
      assert.isUndefined(yield* b.findNick("cal"))
      assert.deepStrictEqual(yield* b.findNick("cara"), { session: "a/s3", nick: "cara" as Nick })
      yield* b.claimNick("s9", "cal" as Nick)
      assert.deepStrictEqual(yield* b.findNick("ann"), { session: "a/s2", nick: "ann" as Nick })
      yield* b.publish({ _tag: "Chat", room: "#x", from: "ben", text: "one chat again" })
      yield* ann.until("<ben> one chat again")
      // The room kept its history through the outage.
      yield* b.claimNick("s2", "dan" as Nick)
      const joined = yield* b.join("s2", "#y" as Room)
      assert.deepStrictEqual(joined.history.map((entry) => entry.text), ["kept"])
    }))

  it.live("tells watchers (IRC's MONITOR) when a server is dropped, what left or came while apart, and who is back", () =>
    Effect.gen(function*() {
      const proxy = yield* Effect.acquireRelease(Effect.promise(() => Proxy.start(redis.port)), (proxy) => Effect.promise(() => proxy.close()))
      const prefix = `watch-${++cluster}:`
      const quick = (url: string, node: string) =>
        Effect.map(
          Layer.build(HubRedis.layer({ ...defaults, presenceTtl: Duration.millis(1500), redisUrl: url, nodeId: node, redisPrefix: prefix }).pipe(Layer.provide(logs))),
          (context) => Context.get(context, Hub)
        )
      const a = yield* quick(redis.url, "a")
      const b = yield* quick(proxy.url, "b")
      const ann = yield* attach(a, "s1", "ann", "#x")
      const events = (what: "online" | "offline", nick: string) =>
        ann.events.filter((e) => e._tag === "Answer" && e.reply._tag === "Monitored" && e.reply.what === what && e.reply.nicks.includes(nick)).length
      yield* a.watch("s1", ["bob", "cal", "dot"] as Array<Nick>)
      yield* attach(b, "s1", "bob", "#x")
      yield* attach(b, "s2", "dot", "#x")
      yield* ann.untilEvent(() => events("online", "dot") === 1)
      proxy.cut()
      // Apart: one comes, one goes, on b.
      yield* b.claimNick("s3", "cal" as Nick)
      yield* b.leave("s2", "quit")
      // a drops b once its lease has run out: its users are gone.
      yield* ann.untilEvent(() => events("offline", "bob") === 1 && events("offline", "dot") === 1, "10 seconds")
      assert.strictEqual(events("online", "cal"), 0)
      proxy.restore()
      // b puts back who it has: bob again, and cal.
      yield* ann.untilEvent(() => events("online", "bob") === 2 && events("online", "cal") === 1, "10 seconds")
      assert.deepStrictEqual([events("online", "dot"), events("offline", "dot")], [1, 1])
    }), 30_000)

  it.live("keeps a room's rules through an outage: one who joined a shut room while apart is put out, and a change made apart gives way to Redis's", () =>
    Effect.gen(function*() {
      const proxy = yield* Effect.acquireRelease(Effect.promise(() => Proxy.start(redis.port)), (proxy) => Effect.promise(() => proxy.close()))
      const prefix = `rules-${++cluster}:`
      const a = yield* hubOn(redis.url, "a", prefix)
      const b = yield* hubOn(proxy.url, "b", prefix)
      const amy = yield* attach(a, "s1", "amy", "#vip")
      yield* a.changeModes("s1", "#vip" as Room, [{ on: true, mode: "i" }])
      yield* a.join("s1", "#nobea" as Room)
      yield* a.changeModes("s1", "#nobea" as Room, [{ on: true, mode: "b", arg: "bea!*@*" }])
      const bea = yield* attach(b, "s1", "bea", "#lobby")
      const bob = yield* attach(b, "s2", "bob", "#open")
      yield* bob.until("-!- bob has joined #open")
      proxy.cut()
      yield* bea.until("-!- The link to the other servers is lost: until it is back, only the people on this server see your messages.")
      // Alone, server b knows nothing of #vip: bea gets in (and is its operator, here).
      yield* b.join("s1", "#vip" as Room)
      yield* b.join("s1", "#nobea" as Room)
      // A room only b's people are in: its rules are b's while apart, and Redis's copy of them is older.
      yield* b.changeModes("s2", "#open" as Room, [{ on: true, mode: "m" }])
      proxy.restore()
      yield* bea.untilEvent((e) => e._tag === "Left" && e.room === "#vip" && e.session === "s1", "10 seconds")
      // A ban holds as +i does: whom it is for is put out, and told why.
      yield* bea.untilEvent((e) => e._tag === "Left" && e.room === "#nobea" && e.reason === "the servers are back together, and #nobea bans bea", "10 seconds")
      assert.deepStrictEqual<ReadonlyArray<string>>(yield* b.roomsOf("s1"), ["#lobby"])
      assert.deepStrictEqual<unknown>((yield* a.roster("#vip" as Room))?.nicks, ["amy"])
      assert.isFalse(amy.events.some((e) => e._tag === "Joined" && e.nick === "bea"))
      // Redis had #open as it was before the outage (not moderated): the room there keeps its rules, and b's +m made apart is not kept.
      yield* bob.until("-!- The link to the other servers is back.")
      const open = (yield* a.roster("#open" as Room))!
      assert.isFalse(open.modes.moderated)
      assert.isTrue(b.speaks("s2", "#open" as Room))
    }))

  it.live("gives a room its rules and operators back when Redis restarts empty, from the servers' copies", () =>
    Effect.gen(function*() {
      const own = yield* Effect.acquireRelease(Effect.promise(() => RedisServer.start()), (server) => Effect.promise(() => server.stop()))
      const prefix = `restart-${++cluster}:`
      const a = yield* hubOn(own.url, "a", prefix)
      const b = yield* hubOn(own.url, "b", prefix)
      const amy = yield* attach(a, "s1", "amy", "#vip")
      const ben = yield* attach(b, "s1", "ben", "#vip")
      yield* a.changeModes("s1", "#vip" as Room, [
        { on: true, mode: "m" },
        { on: true, mode: "k", arg: "sesame" },
        { on: true, mode: "v", arg: "ben" },
        { on: true, mode: "b", arg: "troll!*@*", reason: "spam" }
      ])
      yield* ben.untilEvent((e) => e._tag === "ModeChanged")
      yield* Effect.promise(() => own.stop())
      yield* amy.until("-!- The link to the other servers is lost: until it is back, only the people on this server see your messages.", "10 seconds")
      yield* Effect.promise(() => own.start())
      yield* amy.until("-!- The link to the other servers is back.", "10 seconds")
      yield* ben.until("-!- The link to the other servers is back.", "10 seconds")
      const roster = (yield* b.roster("#vip" as Room))!
      assert.deepStrictEqual<unknown>([roster.modes.moderated, roster.modes.key, roster.operators, roster.voiced], [true, "sesame", ["amy"], ["ben"]])
      assert.deepStrictEqual<unknown>(roster.bans.map((ban) => [ban.mask, ban.by, ban.reason]), [["troll!*@*", "amy", "spam"]], "its bans too")
      yield* attach(b, "s2", "cal", "#lobby")
      assert.strictEqual((yield* Effect.flip(b.join("s2", "#vip" as Room))).reason._tag, "CannotJoin")
      assert.isTrue(b.speaks("s1", "#vip" as Room))
    }))

  it.live("takes a nickname from another server's unidentified holder for its identified owner, and no run's leftovers vouch for a new session", () =>
    Effect.gen(function*() {
      const prefix = `owners-${++cluster}:`
      const b = yield* hubOn(redis.url, "b", prefix)
      // A first run of a: its s1 is identified as owner, and a stops without a word to its sessions.
      const firstRun = yield* Scope.make()
      const before = yield* hubOn(redis.url, "a", prefix).pipe(Scope.provide(firstRun))
      yield* before.identified("s1", "owner")
      yield* attach(before, "s1", "owner", "#x")
      yield* Scope.close(firstRun, Exit.void)
      // The next run of a gives s1, the same id, to someone who is not identified.
      const a = yield* hubOn(redis.url, "a", prefix)
      const squatter = yield* attach(a, "s1", "owner", "#x")
      yield* b.identified("s1", "owner")
      const owner = yield* attach(b, "s1", "visitor", "#x")
      yield* b.claimNick("s1", "owner" as Nick)
      yield* squatter.until(/^-!- The owner of owner identified: you are now Guest\d+\.$/, "10 seconds")
      yield* owner.until(/^-!- visitor is now known as owner$/)
      assert.deepStrictEqual(yield* a.findNick("owner"), { session: "b/s1", nick: "owner" as Nick })
      // Identified, the owner keeps it: an unidentified claim elsewhere is refused.
      const refused = yield* Effect.flip(a.claimNick("s2", "OWNER" as Nick))
      assert.strictEqual(refused.reason._tag, "NickInUse")
    }))

  it.live("does not hang when Redis stops answering: a session still leaves, and the hub still stops", () =>
    Effect.gen(function*() {
      const proxy = yield* Effect.acquireRelease(Effect.promise(() => Proxy.start(redis.port)), (proxy) => Effect.promise(() => proxy.close()))
      const scope = yield* Scope.make()
      const a = yield* hubOn(proxy.url, "a", `stall-${++cluster}:`).pipe(Scope.provide(scope))
      const amy = yield* attach(a, "s1", "amy", "#x")
      yield* amy.until("-!- amy has joined #x")
      proxy.stall()
      yield* a.leave("s1", "quit").pipe(Effect.timeout("8 seconds"))
      yield* Scope.close(scope, Exit.void).pipe(Effect.timeout("10 seconds"))
    }), 30_000)

  it.live("lets every session that joins a room at once hear it, however many wait for its subscription", () =>
    Effect.gen(function*() {
      // A subscriber slower than the command connection: a join could come back before the room's subscription.
      const proxy = yield* Effect.acquireRelease(Effect.promise(() => Proxy.start(redis.port, 30)), (proxy) => Effect.promise(() => proxy.close()))
      const a = yield* hubOn(proxy.url, "a", `joins-${++cluster}:`)
      const probes = Array.from({ length: 20 }, () => new Probe())
      yield* Effect.forEach(probes, (probe, i) =>
        Effect.andThen(a.claimNick(`s${i}`, `n${i}` as Nick), a.subscribe(`s${i}`, probe)))
      yield* Effect.forEach(probes, (_, i) => a.join(`s${i}`, "#new" as Room), { concurrency: "unbounded" })
      yield* a.publish({ _tag: "Chat", room: "#new", from: "n0", text: "hello" })
      yield* Effect.forEach(probes, (probe) => probe.until("<n0> hello"))
    }))

  it.live("shows who set a topic only while it is theirs, whichever version of a server set it during a rolling upgrade", () =>
    Effect.gen(function*() {
      const prefix = `topics-${++cluster}:`
      const a = yield* hubOn(redis.url, "a", prefix)
      const b = yield* hubOn(redis.url, "b", prefix)
      yield* attach(a, "s1", "ann", "#t")
      const setter = yield* a.setTopic("s1", "#t" as Room, "the new server's topic")
      const joinAs = (id: string, nick: string) =>
        Effect.gen(function*() {
          yield* b.claimNick(id, nick as Nick)
          yield* b.subscribe(id, new Probe())
          return yield* b.join(id, "#t" as Room)
        })
      const first = yield* joinAs("s2", "bob")
      assert.deepStrictEqual([first.topic, first.topicSetter], ["the new server's topic", setter])
      // What a server from before topicBy writes: the topic alone. Its setter is not known.
      const older = createClient({ url: redis.url })
      yield* Effect.promise(() => older.connect())
      yield* Effect.promise(() => older.hSet(`${prefix}info:#t`, "topic", "an older server's topic"))
      const second = yield* joinAs("s3", "cat")
      assert.deepStrictEqual([second.topic, second.topicSetter], ["an older server's topic", undefined])
      // What a server from before topicFor writes: the topic, who and when. Its setter is.
      yield* Effect.promise(() => older.hSet(`${prefix}info:#t`, { topic: "a newer older topic", topicBy: "dan", topicAt: "12345" }))
      older.destroy()
      const third = yield* joinAs("s4", "dee")
      assert.deepStrictEqual([third.topic, third.topicSetter], ["a newer older topic", { by: "dan", at: 12345 }])
    }))

  it.live("counts the users, servers and rooms of the whole cluster (LUSERS)", () =>
    Effect.gen(function*() {
      const prefix = `census-${++cluster}:`
      const a = yield* hubOn(redis.url, "a", prefix)
      const b = yield* hubOn(redis.url, "b", prefix)
      yield* attach(a, "s1", "ann", "#one")
      yield* attach(b, "s2", "bob", "#two")
      yield* attach(b, "s3", "cat", "#two")
      assert.deepStrictEqual(yield* a.census, { users: 3, servers: 2, rooms: 3 })
      assert.deepStrictEqual(yield* b.census, { users: 3, servers: 2, rooms: 3 })
    }))

  it.live("shows a session's profile, away message and rooms to the other servers, and forgets them with its server", () =>
    Effect.gen(function*() {
      const prefix = `profiles-${++cluster}:`
      const a = yield* hubOn(redis.url, "a", prefix)
      const scope = yield* Scope.make()
      const b = yield* Scope.provide(hubOn(redis.url, "b", prefix), scope)
      yield* attach(a, "s1", "ann", "#one")
      yield* attach(b, "s2", "bob", "#one")
      const profile = { user: "~bob", realName: "Bob B", server: "b.test", signon: 5, secure: true, away: "out" }
      yield* b.describe("s2", profile)
      const seen = yield* a.whois("BOB")
      assert.deepStrictEqual<unknown>([seen?.nick, seen?.profile, seen?.rooms], ["bob", profile, [["#one", "", false]]])
      assert.deepStrictEqual<unknown>((yield* a.findNick("bob"))?.away, "out")
      yield* Scope.close(scope, Exit.void)
      assert.deepStrictEqual(yield* a.profiles(["bob"]), [])
    }))
})
