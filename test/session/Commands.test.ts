import { MessageIds } from "../../src/protocol/MessageId.js"
import type { CloseReason } from "../../src/protocol/CloseReason.js"
import { RoomRegistry } from "../../src/session/RoomRegistry.js"
import { ServerBans } from "../../src/session/ServerBans.js"
import { ServerOperators } from "../../src/session/ServerOperators.js"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { TestClock } from "effect/testing"
import type { ChatHistory } from "../../src/protocol/Command.js"
import { everything } from "../../src/protocol/HistoryRange.js"
import { defaults } from "../../src/ChatConfig.js"
import { Hub } from "../../src/hub/Hub.js"
import * as HubMemory from "../../src/hub/HubMemory.js"
import * as Accounts from "../../src/accounts/Accounts.js"
import { noCounts } from "../../src/observe/Stats.js"
import { Warnings } from "../../src/observe/Warnings.js"
import * as StoreMemory from "../../src/store/StoreMemory.js"
import type { Command } from "../../src/protocol/Command.js"
import type { Nick, Room } from "../../src/protocol/Names.js"
import { type Client, type CommandEnv, SessionClosed } from "../../src/session/Client.js"
import { run } from "../../src/session/Commands.js"
import type { Input } from "../../src/wire/Codec.js"
import { Probe } from "../support/Probe.js"

/** The memory hub delivers what a turn published in a pass after it (a yield): this resumes after that pass. */
const delivered = Effect.andThen(Effect.yieldNow, Effect.yieldNow)

/** A client as the interpreter sees it, that records what it is told besides the hub's answers. */
class FakeClient implements Client {
  nick: Nick | undefined = undefined
  rooms: Array<Room> = []
  account: string | undefined = undefined
  warnedCleartext = false
  wallops = false
  knocked: number | undefined = undefined
  silenced: ReadonlyArray<string> = []
  accepted: ReadonlyArray<string> = []
  grace: object | undefined = undefined
  readonly since = 0
  spoke = 0
  messagesIn = 0
  profile: Client["profile"] = undefined
  readonly peer: string
  readonly ip: string
  readonly registrations: Array<Nick> = []
  readonly offences: Array<string> = []
  readonly closed: Array<CloseReason> = []
  constructor(readonly id: string, ip = "127.0.0.1") {
    this.ip = ip
    this.peer = `${ip}:4000`
  }
  registered(nick: Nick) {
    return Effect.sync(() => {
      this.registrations.push(nick)
    })
  }
  offend(what: string) {
    return Effect.sync(() => {
      this.offences.push(what)
    })
  }
  later() {
    return Effect.void
  }
  close(reason: CloseReason) {
    this.closed.push(reason)
  }
}

/** A client subscribed to the memory hub (its answers come back to its probe), and what it runs with. */
const client = (id: string, rooms: "one" | "many" = "one", from: { ip?: string; requireTlsForAuth?: boolean; now?: number } = {}) =>
  Effect.gen(function*() {
    const hub = yield* Hub
    const probe = new Probe()
    const [accounts, operators, serverBans, registry] = yield* Effect.all([Accounts.make({ protection: "grace", graceSeconds: 30 }), ServerOperators.make, ServerBans.make, RoomRegistry.make]).pipe(
      Effect.provide([StoreMemory.layer, Warnings.layer])
    )
    const env: CommandEnv = {
      hub,
      counters: noCounts(),
      audited: () => {},
      operators,
      serverBans,
      registry,
      limits: { lineBytes: 100, frameBytes: 100 },
      rooms,
      anonymous: false,
      accounts,
      sessions: { findNick: () => undefined, live: new Map(), peaks: (users) => ({ local: users, global: users }) },
      encrypted: false,
      requireTlsForAuth: from.requireTlsForAuth ?? false,
      about: { server: "irc.test", motd: ["Be kind."], startedAt: 0 },
      now: () => from.now ?? 0,
      ids: new MessageIds("test")
    }
    const self = new FakeClient(id, from.ip)
    yield* hub.subscribe(id, probe)
    const send = (...inputs: ReadonlyArray<Input | undefined>) => Effect.andThen(run(env, self, inputs), delivered)
    return { self, probe, env, send }
  })

/** Two clients, registered as alice and bob, with what they were told so far taken. */
const aliceAndBob = (rooms: "one" | "many" = "one") =>
  Effect.gen(function*() {
    const alice = yield* client("s1", rooms)
    const bob = yield* client("s2", rooms)
    yield* alice.send(nick("alice"))
    yield* bob.send(nick("bob"))
    alice.probe.take()
    bob.probe.take()
    return { alice, bob }
  })

const say = (text: string, room?: Room): Input => room === undefined ? { _tag: "Say", text } : { _tag: "Say", text, room }
const nick = (name: string): Command => ({ _tag: "Nick", nick: name as Nick })

const withHub = Effect.provide(HubMemory.layer(defaults))

describe("Commands.run, the interpreter", () => {
  it.effect("pages a burst of one millisecond by message id, whichever end a window is taken from (CHATHISTORY)", () =>
    Effect.gen(function*() {
      // The test clock moves only when told: lines 1 to 6 share a millisecond, and 7 to 10 the next.
      const now = Date.UTC(2026, 11, 7)
      yield* TestClock.setTime(now)
      const alice = yield* client("s1", "one", { now })
      yield* alice.send(nick("alice"))
      yield* alice.send(...Array.from({ length: 6 }, (_, i) => say(`line ${i + 1}`)))
      yield* TestClock.adjust("1 millis")
      yield* alice.send(...Array.from({ length: 4 }, (_, i) => say(`line ${i + 7}`)))
      const ids = (yield* alice.env.hub.backlog("#lobby" as Room, everything(10))).map((entry) => entry.id!)
      assert.strictEqual(ids.length, 10)
      alice.probe.take()
      const id = (n: number) => ({ _tag: "Id", id: ids[n - 1]! }) as const
      const history = (asked: Omit<typeof ChatHistory.Type, "_tag" | "room">) =>
        Effect.andThen(alice.send({ _tag: "ChatHistory", room: "#lobby" as Room, ...asked }), Effect.sync(() => alice.probe.take().join("\n")))
      // Backwards, the newest first: line 9, though the window from line 10 down holds only lines 8 to 10.
      const between = yield* history({ kind: "between", from: id(10), to: id(7), limit: 1 })
      assert.include(between, "line 9")
      assert.notInclude(between, "line 8")
      // The latest after line 7: the newest two, though the window stops short of line 7.
      const latest = yield* history({ kind: "latest", from: id(7), limit: 2 })
      assert.include(latest, "line 10")
      assert.include(latest, "line 9")
      assert.notInclude(latest, "line 8")
    }).pipe(withHub))

  it.effect("before a nickname, registers one (the welcome, the lobby) and tells anything else to choose first", () =>
    Effect.gen(function*() {
      const { probe, self, send } = yield* client("s1")
      yield* send(say("hello"))
      assert.deepStrictEqual(probe.take(), ["-!- Choose a nickname first (for example: alice)."])
      yield* send(nick("alice"))
      assert.strictEqual(self.nick, "alice")
      assert.deepStrictEqual(self.rooms, ["#lobby"])
      assert.deepStrictEqual(self.registrations, ["alice"])
      assert.deepStrictEqual(probe.take(), [
        "-!- Welcome, alice! You are in #lobby. Type /help for commands.",
        "-!- alice has joined #lobby",
        "-!- Members of #lobby (1): alice"
      ])
    }).pipe(withHub))

  it.effect("publishes a read's consecutive chat lines together, in order, each a message in", () =>
    Effect.gen(function*() {
      const { alice, bob } = yield* aliceAndBob()
      yield* alice.send(say("one"), say("two"), say("three"))
      assert.strictEqual(alice.env.counters.messagesIn, 3)
      assert.deepStrictEqual(bob.probe.take(), ["<alice> one", "<alice> two", "<alice> three"])
      // one hub round for the three: one delivery of all of them
      assert.strictEqual(bob.probe.calls.at(-1)!.length, 3)
    }).pipe(withHub))

  it.effect("answers a telnet Ctrl-C's timing mark before it leaves", () =>
    Effect.gen(function*() {
      const { env, probe, self } = yield* client("s1")
      self.nick = "alice" as Nick
      const failed = yield* Effect.flip(run(env, self, [{ _tag: "Quit" }, { _tag: "TimingMark" }]))
      yield* delivered
      assert.deepStrictEqual(probe.take(), ["[3 bytes]"], "IAC WILL TIMING-MARK, as telnet waits for it")
      assert.instanceOf(failed, SessionClosed)
      assert.strictEqual(failed.reason._tag, "Quit")
    }).pipe(withHub))

  it.effect("ends the reading with SessionClosed and the reason on a quit", () =>
    Effect.gen(function*() {
      const { env, self } = yield* client("s1")
      const failed = yield* Effect.flip(run(env, self, [{ _tag: "Quit", reason: "lunch" }]))
      assert.instanceOf(failed, SessionClosed)
      assert.deepStrictEqual(failed.reason, { _tag: "Quit", message: "lunch" })
    }).pipe(withHub))

  it.effect("tells a line too long each time, naming the listener's limit, and reports the client as offending", () =>
    Effect.gen(function*() {
      const { probe, self, send } = yield* client("s1")
      const tooLong: Input = { _tag: "Invalid", reply: { _tag: "LineTooLong", max: 100 } }
      yield* send(tooLong, tooLong)
      assert.deepStrictEqual(probe.take(), [
        "-!- Line too long (more than 100 bytes); it was discarded.",
        "-!- Line too long (more than 100 bytes); it was discarded."
      ])
      assert.deepStrictEqual(self.offences, ["line over 100 bytes discarded", "line over 100 bytes discarded"])
    }).pipe(withHub))

  it.effect("sends a private message to its nickname and tells the sender; an unknown one is an error, and a notice to it nothing", () =>
    Effect.gen(function*() {
      const { alice, bob } = yield* aliceAndBob()
      yield* alice.send({ _tag: "Msg", nick: "BOB" as Nick, text: "psst" })
      assert.deepStrictEqual(bob.probe.take(), ["*alice* psst"])
      assert.deepStrictEqual(alice.probe.take(), ["-!- Message to bob: psst"])
      yield* alice.send({ _tag: "Msg", nick: "carol" as Nick, text: "hi" })
      assert.deepStrictEqual(alice.probe.take(), ["-!- No such nickname: carol."])
      yield* alice.send({ _tag: "Msg", nick: "carol" as Nick, text: "hi", notice: true })
      assert.deepStrictEqual(alice.probe.take(), [])
      assert.strictEqual(alice.env.counters.messagesIn, 1)
    }).pipe(withHub))

  it.effect("refuses chat to a room the client is not in, saying whether it exists; an empty line sends nothing", () =>
    Effect.gen(function*() {
      const alice = yield* client("s1", "many")
      const bob = yield* client("s2", "many")
      yield* alice.send(nick("alice"), { _tag: "Join", room: "#a" as Room })
      yield* bob.send(nick("bob"))
      bob.probe.take()
      yield* bob.send(say("hi", "#a" as Room), say("hi", "#nowhere" as Room), say("", "#a" as Room))
      assert.deepStrictEqual(bob.probe.take(), [
        "-!- You are not in #a.",
        "-!- No such room: #nowhere.",
        "-!- Nothing to send."
      ])
      assert.deepStrictEqual(alice.probe.take().filter((line) => line.startsWith("<")), [])
    }).pipe(withHub))

  it.effect("renames through the hub, and refuses a nickname another session holds, ignoring case", () =>
    Effect.gen(function*() {
      const { alice, bob } = yield* aliceAndBob()
      yield* bob.send(nick("ALICE"))
      assert.strictEqual(bob.self.nick, "bob")
      assert.include(bob.probe.take(), "-!- Nickname ALICE is already in use.")
      yield* bob.send(nick("robert"))
      assert.strictEqual(bob.self.nick, "robert")
      assert.deepStrictEqual(alice.probe.take(), ["-!- bob is now known as robert"])
    }).pipe(withHub))

  const account = (action: "register" | "identify", password: string): Input => ({ _tag: "Account", action, password })

  it.effect("takes a password sent in clear from another machine with one warning a connection, and none from this one", () =>
    Effect.gen(function*() {
      const far = yield* client("s1", "one", { ip: "203.0.113.7" })
      yield* far.send(nick("far"))
      far.probe.take()
      yield* far.send(account("register", "far-away-secret"))
      assert.deepStrictEqual(far.probe.take(), [
        "-!- Warning: your password travelled unencrypted. Connect with TLS to keep it safe.",
        "-!- Nickname far is now registered to you, and you are identified as far."
      ])
      yield* far.send({ _tag: "Account", action: "logout" }, account("identify", "far-away-secret"))
      assert.deepStrictEqual(far.probe.take(), [
        "-!- You are no longer identified.",
        "-!- Nickname far is registered. Identify with /identify PASSWORD within 30 s, or you will be renamed.",
        "-!- You are now identified as far."
      ])
      const near = yield* client("s2")
      yield* near.send(nick("near"), account("register", "near-by-secret"))
      assert.notInclude(near.probe.take().join("\n"), "unencrypted")
    }).pipe(withHub))

  it.effect("with --require-tls-for-auth, refuses a password sent in clear from another machine, and checks nothing", () =>
    Effect.gen(function*() {
      const far = yield* client("s1", "one", { ip: "203.0.113.7", requireTlsForAuth: true })
      yield* far.send(nick("far"))
      far.probe.take()
      yield* far.send(account("register", "far-away-secret"), account("identify", "far-away-secret"))
      assert.deepStrictEqual(far.probe.take(), [
        "-!- This server takes passwords only over TLS (or from its own machine); nothing was checked.",
        "-!- This server takes passwords only over TLS (or from its own machine); nothing was checked."
      ])
      assert.isUndefined(far.self.account)
      const near = yield* client("s2", "one", { requireTlsForAuth: true })
      yield* near.send(nick("near"), account("register", "near-by-secret"))
      assert.strictEqual(near.self.account, "near")
    }).pipe(withHub))
})
