import { assert, describe, it } from "@effect/vitest"
import { Effect, type Layer, type Scope } from "effect"
import { Hub } from "../../src/hub/Hub.js"
import type { HubError } from "../../src/hub/HubError.js"
import { type ModeChange, noModes } from "../../src/protocol/Modes.js"
import type { Nick, Room } from "../../src/protocol/Names.js"
import { Probe } from "../support/Probe.js"

/**
 * The hub contract's part about rooms that belong to someone: operators and voices, modes, who
 * a room lets in, kicks and invitations. Every hub layer runs it; it looks at events and refusals,
 * not at how a protocol shows them.
 */
export const moderationContract = (name: string, makeHub: () => Layer.Layer<Hub, unknown>) =>
  describe(`${name}: the moderation contract`, () => {
    const withHub = <A, E>(effect: Effect.Effect<A, E, Hub | Scope.Scope>) => Effect.suspend(() => Effect.provide(effect, makeHub()))

    /** A probe that also keeps which rooms the hub took its session out of. */
    class Member extends Probe {
      readonly removedFrom: Array<string> = []
      readonly kills: Array<string> = []
      removed = (room: Room) => {
        this.removedFrom.push(room)
      }
      killed = (by: string, reason: string) => {
        this.kills.push(`${by}: ${reason}`)
      }
    }
    const attach = (id: string, nick: string) =>
      Effect.gen(function*() {
        const hub = yield* Hub
        const probe = new Member()
        yield* hub.claimNick(id, nick as Nick)
        yield* hub.subscribe(id, probe)
        return probe
      })
    const events = (probe: Probe, tag: string) => probe.events.filter((e) => e._tag === tag)
    /** Waits for an event of `tag` matching `test` to reach `probe`. */
    const until = (probe: Probe, tag: string, test: (event: any) => boolean = () => true) =>
      probe.untilEvent((event) => event._tag === tag && test(event))
    const reason = <A>(effect: Effect.Effect<A, HubError>) =>
      Effect.map(Effect.flip(effect), (error) => error.reason)
    const change = (on: boolean, mode: ModeChange["mode"], arg?: string): ModeChange =>
      arg === undefined ? { on, mode } : { on, mode, arg }
    const room = "#mod" as Room

    it.live("makes a room's creator its operator, and lets only operators change it", () =>
      Effect.gen(function*() {
        const hub = yield* Hub
        const ann = yield* attach("s1", "ann")
        const ben = yield* attach("s2", "ben")
        yield* hub.join("s1", room)
        yield* hub.join("s2", room)
        const refused = yield* reason(hub.changeModes("s2", room, [change(true, "m")]))
        assert.deepStrictEqual(refused._tag, "NotOperator")
        assert.deepStrictEqual((yield* reason(hub.kick("s2", room, "ann", "no"))). _tag, "NotOperator")
        const applied = yield* hub.changeModes("s1", room, [change(true, "m"), change(true, "t"), change(true, "m")])
        assert.deepStrictEqual(applied.map((c) => c.mode), ["m", "t"])
        yield* until(ben, "ModeChanged")
        assert.deepStrictEqual(events(ben, "ModeChanged").map((e: any) => [e.by, e.changes.map((c: ModeChange) => `${c.on ? "+" : "-"}${c.mode}`)]), [["ann", ["+m", "+t"]]])
        const roster = (yield* hub.roster(room))!
        assert.deepStrictEqual<unknown>([roster.operators, roster.modes.moderated, roster.modes.topicLock], [["ann"], true, true])
        assert.strictEqual((yield* reason(hub.setTopic("s2", room, "mine"))). _tag, "NotOperator")
        yield* hub.setTopic("s1", room, "ours")
        assert.strictEqual(yield* hub.topic(room), "ours")
        void ann
      }).pipe(withHub))

    it.live("lets only operators and voiced members speak in a moderated room", () =>
      Effect.gen(function*() {
        const hub = yield* Hub
        const ann = yield* attach("s1", "ann")
        const ben = yield* attach("s2", "ben")
        yield* hub.join("s1", room)
        yield* hub.join("s2", room)
        assert.isTrue(hub.speaks("s2", room))
        yield* hub.changeModes("s1", room, [change(true, "m")])
        yield* until(ben, "ModeChanged")
        assert.isTrue(hub.speaks("s1", room))
        assert.isFalse(hub.speaks("s2", room))
        yield* hub.changeModes("s1", room, [change(true, "v", "BEN")])
        yield* until(ben, "ModeChanged", (e) => e.changes.some((c: ModeChange) => c.mode === "v"))
        assert.isTrue(hub.speaks("s2", room))
        assert.deepStrictEqual<ReadonlyArray<string>>((yield* hub.roster(room))!.voiced, ["ben"])
        yield* hub.changeModes("s1", room, [change(true, "o", "ben"), change(false, "v", "ben"), change(false, "o", "ann")])
        yield* until(ann, "ModeChanged", (e) => e.changes.length === 3)
        assert.isTrue(hub.speaks("s2", room))
        assert.isFalse(hub.speaks("s1", room))
        assert.deepStrictEqual<ReadonlyArray<string>>((yield* hub.roster(room))!.operators, ["ben"])
        assert.strictEqual((yield* reason(hub.changeModes("s1", room, [change(false, "m")])))._tag, "NotOperator")
        const missing = yield* reason(hub.changeModes("s2", room, [change(true, "v", "zed")]))
        assert.strictEqual(missing._tag, "NoSuchNick")
      }).pipe(withHub))

    it.live("keeps a +i room shut to all but those invited, each invitation once", () =>
      Effect.gen(function*() {
        const hub = yield* Hub
        yield* attach("s1", "ann")
        const ben = yield* attach("s2", "ben")
        yield* attach("s3", "cat")
        yield* hub.join("s1", room)
        yield* hub.changeModes("s1", room, [change(true, "i")])
        assert.deepStrictEqual({ ...(yield* reason(hub.join("s2", room))) }, { _tag: "CannotJoin", room, why: "invite" } as any)
        yield* hub.join("s3", "#other" as Room)
        assert.strictEqual((yield* reason(hub.invite("s3", room, "ben")))._tag, "NotInRoom")
        const invited = yield* hub.invite("s1", room, "Ben")
        assert.strictEqual(invited.nick, "ben")
        yield* until(ben, "Invited", (e) => e.room === room && e.by === "ann")
        yield* hub.join("s2", room)
        assert.strictEqual((yield* reason(hub.invite("s1", room, "ben")))._tag, "NotMember")
        assert.strictEqual((yield* reason(hub.invite("s2", room, "cat")))._tag, "NotOperator")
        yield* hub.part("s2", room, "")
        assert.strictEqual((yield* reason(hub.join("s2", room)))._tag, "CannotJoin")
      }).pipe(withHub))

    it.live("invites a connection, not a nickname: whoever takes the name after the invitee has gone is not let in", () =>
      Effect.gen(function*() {
        const hub = yield* Hub
        yield* attach("s1", "ann")
        yield* attach("s2", "ben")
        yield* hub.join("s1", room)
        yield* hub.changeModes("s1", room, [change(true, "i")])
        yield* hub.invite("s1", room, "ben")
        yield* hub.leave("s2", "quit")
        yield* attach("s3", "ben")
        assert.strictEqual((yield* reason(hub.join("s3", room)))._tag, "CannotJoin")
        yield* hub.invite("s1", room, "ben")
        yield* hub.claimNick("s3", "benny" as Nick)
        yield* hub.join("s3", room)
      }).pipe(withHub))

    it.live("forgets what a room said when its last member is kicked out of it", () =>
      Effect.gen(function*() {
        const hub = yield* Hub
        const ann = yield* attach("s1", "ann")
        yield* attach("s2", "ben")
        yield* hub.join("s1", room)
        yield* hub.publish({ _tag: "Chat", room, from: "ann", text: "private words" })
        yield* until(ann, "Chat")
        yield* hub.kick("s1", room, "ann", "")
        yield* until(ann, "Left")
        const joined = yield* hub.join("s2", room)
        assert.deepStrictEqual(joined.history, [])
        assert.deepStrictEqual<unknown>(joined.roster.operators, ["ben"])
      }).pipe(withHub))

    it.live("asks for a +k room's key and keeps a +l room to its limit; an invitation passes both", () =>
      Effect.gen(function*() {
        const hub = yield* Hub
        yield* attach("s1", "ann")
        yield* attach("s2", "ben")
        yield* attach("s3", "cat")
        yield* hub.join("s1", room)
        const applied = yield* hub.changeModes("s1", room, [change(true, "k", "sesame"), change(true, "l", "2"), change(true, "k", "bad key")])
        assert.deepStrictEqual(applied.map((c) => c.arg), ["sesame", "2"])
        assert.deepStrictEqual({ ...(yield* reason(hub.join("s2", room))) }, { _tag: "CannotJoin", room, why: "key" } as any)
        assert.deepStrictEqual({ ...(yield* reason(hub.join("s2", room, "wrong"))) }, { _tag: "CannotJoin", room, why: "key" } as any)
        yield* hub.join("s2", room, "sesame")
        assert.deepStrictEqual({ ...(yield* reason(hub.join("s3", room, "sesame"))) }, { _tag: "CannotJoin", room, why: "full" } as any)
        yield* hub.invite("s1", room, "cat")
        yield* hub.join("s3", room)
        assert.strictEqual((yield* hub.roster(room))!.count, 3)
        yield* hub.changeModes("s1", room, [change(false, "k"), change(false, "l")])
        const modes = (yield* hub.roster(room))!.modes
        assert.deepStrictEqual([modes.key, modes.limit], [undefined, undefined])
      }).pipe(withHub))

    it.live("kicks a member out: the room and the member are told who and why, and the member hears no more of it", () =>
      Effect.gen(function*() {
        const hub = yield* Hub
        const ann = yield* attach("s1", "ann")
        const ben = yield* attach("s2", "ben")
        yield* hub.join("s1", room)
        yield* hub.join("s2", room)
        yield* hub.join("s2", "#elsewhere" as Room)
        yield* hub.kick("s1", room, "BEN", "spam")
        const kicked = (e: any) => e.session === "s2" && e.by === "ann" && e.reason === "spam" && e.nick === "ben"
        yield* Effect.all([until(ann, "Left", kicked), until(ben, "Left", kicked)])
        assert.deepStrictEqual(ben.removedFrom, [room])
        assert.deepStrictEqual<ReadonlyArray<string>>(yield* hub.roomsOf("s2"), ["#elsewhere"])
        assert.strictEqual((yield* hub.roster(room))!.count, 1)
        yield* hub.publish({ _tag: "Chat", room, from: "ann", text: "after" })
        yield* hub.publish({ _tag: "Chat", room: "#elsewhere", from: "ben", text: "still here" })
        yield* until(ben, "Chat", (e) => e.text === "still here")
        yield* until(ann, "Chat", (e) => e.text === "after")
        assert.isFalse(events(ben, "Chat").some((e: any) => e.text === "after"))
        assert.strictEqual((yield* reason(hub.kick("s1", room, "ben", "again")))._tag, "NotMember")
        assert.strictEqual((yield* reason(hub.kick("s1", room, "nobody", "")))._tag, "NoSuchNick")
      }).pipe(withHub))

    it.live("bans by nickname, address or account: no joining, no speaking for members they are for, operators and voiced members spared", () =>
      Effect.gen(function*() {
        const hub = yield* Hub
        yield* attach("s1", "ann")
        const ben = yield* attach("s2", "ben")
        yield* attach("s3", "cat")
        yield* attach("s4", "dee")
        yield* hub.locate("s3", "10.0.0.7")
        yield* hub.identified("s4", "deeacct")
        yield* hub.join("s1", room)
        yield* hub.join("s2", room)
        yield* hub.changeModes("s1", room, [change(true, "b", "ben!*@*")])
        yield* until(ben, "ModeChanged", (e) => e.changes.some((c: ModeChange) => c.mode === "b"))
        assert.isFalse(hub.speaks("s2", room))
        yield* hub.changeModes("s1", room, [change(true, "b", "*!*@10.0.0.7"), change(true, "b", "~a:deeacct")])
        yield* hub.invite("s1", room, "cat")
        assert.deepStrictEqual({ ...(yield* reason(hub.join("s3", room))) }, { _tag: "CannotJoin", room, why: "banned" } as any)
        assert.deepStrictEqual({ ...(yield* reason(hub.join("s4", room))) }, { _tag: "CannotJoin", room, why: "banned" } as any)
        const listed = (yield* hub.roster(room))!.bans.map((b) => [b.kind, b.mask, b.by])
        assert.deepStrictEqual(listed, [["b", "ben!*@*", "ann"], ["b", "*!*@10.0.0.7", "ann"], ["b", "~a:deeacct", "ann"]])
        // A rename out of the mask lets it speak; one into it silences it again.
        yield* hub.claimNick("s2", "benny" as Nick)
        assert.isTrue(hub.speaks("s2", room))
        yield* hub.claimNick("s2", "ben" as Nick)
        assert.isFalse(hub.speaks("s2", room))
        yield* hub.changeModes("s1", room, [change(true, "v", "ben")])
        yield* until(ben, "ModeChanged", (e) => e.changes.some((c: ModeChange) => c.mode === "v"))
        assert.isTrue(hub.speaks("s2", room))
        yield* hub.changeModes("s1", room, [change(false, "v", "ben"), change(false, "b", "ben!*@*")])
        yield* until(ben, "ModeChanged", (e) => e.changes.some((c: ModeChange) => c.mode === "b" && !c.on))
        assert.isTrue(hub.speaks("s2", room))
        // A ban that ran out keeps no one out.
        yield* hub.changeModes("s1", room, [{ on: false, mode: "b", arg: "*!*@10.0.0.7" }, { on: true, mode: "b", arg: "*!*@10.0.0.7", expires: Date.now() - 1000 }])
        yield* hub.join("s3", room)
      }).pipe(withHub))

    it.live("takes a mask written with the host IRC clients are shown (their own /ban writes *!ben@hubbub) as one for that member", () =>
      Effect.gen(function*() {
        const hub = yield* Hub
        yield* attach("s1", "ann")
        const ben = yield* attach("s2", "ben")
        yield* attach("s3", "cat")
        yield* hub.locate("s2", "10.0.0.8")
        yield* hub.locate("s3", "10.0.0.9")
        yield* hub.join("s1", room)
        yield* hub.join("s2", room)
        yield* hub.changeModes("s1", room, [change(true, "b", "*!ben@hubbub")])
        yield* until(ben, "ModeChanged", (e) => e.changes.some((c: ModeChange) => c.mode === "b"))
        assert.isFalse(hub.speaks("s2", room))
        yield* hub.changeModes("s1", room, [change(true, "b", "cat!*@hubbub")])
        assert.deepStrictEqual({ ...(yield* reason(hub.join("s3", room))) }, { _tag: "CannotJoin", room, why: "banned" } as any)
      }).pipe(withHub))

    it.live("keeps at most 100 bans a room, counting none that ran out", () =>
      Effect.gen(function*() {
        const hub = yield* Hub
        yield* attach("s1", "ann")
        yield* hub.join("s1", room)
        const masks = (prefix: string) => Array.from({ length: 100 }, (_, i) => `${prefix}${i}!*@*`)
        // Bans that have run out already (as if set long ago).
        for (const mask of masks("gone")) yield* hub.changeModes("s1", room, [{ on: true, mode: "b", arg: mask, expires: Date.now() - 1000 }])
        for (const mask of masks("live")) {
          assert.lengthOf(yield* hub.changeModes("s1", room, [change(true, "b", mask)]), 1, mask)
        }
        assert.deepStrictEqual(yield* hub.changeModes("s1", room, [change(true, "b", "onemore!*@*")]), [])
        const bans = (yield* hub.roster(room))!.bans
        assert.deepStrictEqual([bans.length, bans.some((b) => b.mask === "onemore!*@*")], [100, false])
      }).pipe(withHub))

    it.live("quiets without removing, and a kicking ban puts out the members it is for, but not operators", () =>
      Effect.gen(function*() {
        const hub = yield* Hub
        const ann = yield* attach("s1", "ann")
        const ben = yield* attach("s2", "ben")
        yield* attach("s3", "bea")
        yield* hub.join("s1", room)
        yield* hub.join("s2", room)
        yield* hub.join("s3", room)
        yield* hub.changeModes("s1", room, [change(true, "q", "be?!*@*")])
        yield* until(ben, "ModeChanged")
        assert.deepStrictEqual([hub.speaks("s2", room), hub.speaks("s3", room), hub.speaks("s1", room)], [false, false, true])
        yield* hub.changeModes("s1", room, [change(true, "o", "bea")])
        yield* until(ann, "ModeChanged", (e) => e.changes.some((c: ModeChange) => c.mode === "o"))
        yield* hub.changeModes("s1", room, [{ on: true, mode: "b", arg: "b*!*@*", kick: true, reason: "go away" }])
        yield* until(ann, "Left", (e) => e.nick === "ben" && e.by === "ann" && e.reason === "go away")
        yield* until(ben, "Left", (e) => e.nick === "ben")
        assert.deepStrictEqual<unknown>((yield* hub.roster(room))!.nicks, ["ann", "bea"])
      }).pipe(withHub))

    it.live("hands a server operator's line to every session (each leaves it out unless it is an operator's) and disconnects whom a server operator kills", () =>
      Effect.gen(function*() {
        const hub = yield* Hub
        const ann = yield* attach("s1", "ann")
        const ben = yield* attach("s2", "ben")
        yield* hub.join("s1", room)
        yield* hub.wallops("ann", "ops only")
        yield* Effect.all([until(ann, "Wallops", (e) => e.text === "ops only"), until(ben, "Wallops", (e) => e.from === "ann")])
        // A server ban reaches every session, each to see whether it is for it.
        yield* hub.tellServers({ _tag: "ServerBanChanged", on: true, mask: "troll*!*@*", reason: "spam", by: "ann", at: 1 })
        yield* Effect.all([until(ann, "ServerBanChanged", (e) => e.mask === "troll*!*@*"), until(ben, "ServerBanChanged", (e) => e.reason === "spam")])
        yield* hub.disconnect("s2", "ann", "enough")
        assert.deepStrictEqual(ben.kills, ["ann: enough"])
        assert.deepStrictEqual(ann.kills, [])
      }).pipe(withHub))

    it.live("lists a room's modes with it, and makes a new room with none", () =>
      Effect.gen(function*() {
        const hub = yield* Hub
        yield* attach("s1", "ann")
        yield* hub.join("s1", room)
        yield* hub.changeModes("s1", room, [change(true, "s"), change(true, "i")])
        const listed = (yield* hub.rooms).find((r) => r.room === room)!
        assert.deepStrictEqual([listed.modes.secret, listed.modes.invite], [true, true])
        yield* hub.part("s1", room, "")
        yield* hub.join("s1", room)
        assert.deepStrictEqual<unknown>([(yield* hub.roster(room))!.modes.secret, (yield* hub.roster(room))!.operators], [false, ["ann"]])
      }).pipe(withHub))

    it.live("makes a registered room again with what it keeps: no operator by making it, its operators past every mode and ban", () =>
      Effect.gen(function*() {
        const hub = yield* Hub
        yield* attach("s1", "ann")
        yield* attach("s2", "ben")
        yield* attach("s3", "cal")
        const kept = { modes: { ...noModes, invite: true, topicLock: true }, bans: [{ mask: "ann!*@*", kind: "b" as const, by: "cal", at: 1 }] }
        // Nobody in it: as it keeps itself, it refuses ben (and is not made).
        assert.strictEqual(((yield* reason(hub.join("s2", room, undefined, { ...kept, operator: false }))) as any).why, "invite")
        assert.isUndefined(yield* hub.roster(room))
        // Its operator gets in, past the ban that names it, and gets @.
        yield* hub.join("s1", room, undefined, { ...kept, operator: true })
        const made = (yield* hub.roster(room))!
        assert.deepStrictEqual<unknown>([made.operators, made.modes.invite, made.modes.topicLock, made.bans.map((b) => b.mask)], [["ann"], true, true, ["ann!*@*"]])
        yield* hub.changeModes("s1", room, [change(false, "i")])
        yield* hub.join("s3", room, undefined, { ...kept, operator: false })
        assert.deepStrictEqual<unknown>((yield* hub.roster(room))!.operators, ["ann"])
      }).pipe(withHub))

    it.live("lets in whom a registered room keeps an invitation for, empty or not, past every mode but a ban, and no operator", () =>
      Effect.gen(function*() {
        const hub = yield* Hub
        yield* attach("s1", "ann")
        yield* attach("s2", "ben")
        yield* attach("s3", "cal")
        const kept = { modes: { ...noModes, invite: true, key: "sesame", limit: 1 }, bans: [{ mask: "cal!*@*", kind: "b" as const, by: "ann", at: 1 }], operator: false }
        yield* hub.join("s2", room, undefined, { ...kept, invited: true })
        assert.deepStrictEqual<unknown>([(yield* hub.roster(room))!.nicks, (yield* hub.roster(room))!.operators], [["ben"], []])
        assert.strictEqual(((yield* reason(hub.join("s1", room, undefined, kept))) as any).why, "invite")
        yield* hub.join("s1", room, undefined, { ...kept, invited: true })
        assert.strictEqual(((yield* reason(hub.join("s3", room, undefined, { ...kept, invited: true }))) as any).why, "banned")
      }).pipe(withHub))
  })
