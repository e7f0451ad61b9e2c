import * as Effect from "effect/Effect"
import type { Event } from "../../protocol/Event.js"
import { applyModes, type ModeChange, validKey } from "../../protocol/Modes.js"
import { Lobby, nickKey, type Room, type SessionId } from "../../protocol/Names.js"
import type { Delivery } from "../Delivery.js"
import type { Directory } from "../Directory.js"
import type { Hub, Member, Roster } from "../Hub.js"
import { HubError, NoSuchNick, NoSuchRoom, NotInRoom, NotMember, NotOperator, NotRegistered } from "../HubError.js"
import * as Moderation from "../Moderation.js"
import * as Scripts from "./RedisModerationScripts.js"
import * as ServerScripts from "./RedisScripts.js"
import type * as RoomScripts from "./RedisRoomScripts.js"
import type { RedisWire } from "./RedisWire.js"

export interface ModerationWorld {
  readonly directory: Directory
  readonly delivery: Delivery
  readonly wire: RedisWire
  readonly linkUp: () => boolean
  readonly run: <A>(script: string, args: ReadonlyArray<string>) => Effect.Effect<A, unknown>
  /** An event as a script publishes it: a batch of its own, that this server knows it sent. */
  readonly stamped: (event: Event) => string
  /** Delivers on this server alone. */
  readonly local: (event: Event) => void
  /** Publishes through Redis (or here alone while the link is down). */
  readonly publish: (event: Event) => void
  /** A server's channel, for its sessions. */
  readonly channelOf: (node: string) => string
  readonly now: () => number
  /** Who holds a nickname in the cluster. */
  readonly findNick: (nick: string) => Effect.Effect<Member | undefined>
  /** A room as a script's `roster` gives it. */
  readonly rosterOf: (room: Room, reply: RoomScripts.RosterReply) => Roster
  readonly runFork: (effect: Effect.Effect<void>) => void
}

type Answer = readonly [status: string, detail?: string]

/**
 * Room operators' actions for a cluster: Redis keeps each room's modes, statuses and invitations
 * (`RedisModerationScripts` checks and changes them in one step, and publishes what changed), and
 * every server keeps in its {@link Directory} what its own sessions need on the hot path (the
 * modes, their statuses), from the events as they come back. While the link is down, the server
 * moderates its own copy alone.
 */
export class RedisModeration {
  private readonly alone: Moderation.Moderation
  /** Rooms whose changes reached this server before its copy of the room was made (a join in flight). */
  private readonly missed = new Set<Room>()

  constructor(private readonly world: ModerationWorld) {
    this.alone = Moderation.local(world.directory, world.delivery, world.local)
  }

  /** The hub's actions that are this module's. */
  get actions(): Moderation.Moderation & Pick<Hub["Service"], "speaks" | "locate" | "disconnect" | "wallops" | "tellServers"> {
    const { directory } = this.world
    // To every server through Redis; to this one's sessions alone while the link is down.
    const everyone = (event: Event) =>
      this.world.linkUp()
        ? Effect.catch(this.world.run(ServerScripts.everyone, [this.world.stamped(event)]), () => Effect.sync(() => this.world.local(event)))
        : Effect.sync(() => this.world.local(event))
    return {
      changeModes: this.changeModes,
      kick: this.kick,
      invite: this.invite,
      speaks: (session, room) => directory.speaks(session, room),
      wallops: (from, text) => everyone({ _tag: "Wallops", from, text }),
      tellServers: everyone,
      disconnect: (session, by, reason) =>
        Effect.sync(() => {
          if (this.world.delivery.has(session)) this.world.delivery.killed(session, by, reason)
          else this.world.publish({ _tag: "Notice", to: session, text: reason, kills: by })
        }),
      locate: (session, host) => Effect.sync(() => directory.describe(session, { host }))
    }
  }

  /** What a room's event changes in this server's copy of it: its modes, its members' statuses, a member kicked. */
  received(event: Event): void {
    const { delivery, directory } = this.world
    if (event._tag === "ModeChanged") {
      const room = event.room as Room
      const modes = directory.modes(room)
      if (modes === undefined) return void this.missed.add(room)
      directory.setModes(room, applyModes(modes, event.changes))
      for (const { mode, on, session } of event.changes) {
        if ((mode === "o" || mode === "v") && session !== undefined) directory.status(session, room, mode, on)
      }
      const bans = event.changes.filter((change) => change.mode === "b" || change.mode === "q")
      if (bans.length > 0) directory.change(room, bans, event.by)
      for (const ban of bans) if (ban.on && ban.kick) this.kickOut(room, ban, event.by)
    } else if (event._tag === "Left" && event.by !== undefined && directory.roomsOf(event.session).includes(event.room as Room)) {
      delivery.removed(event.session, event.room as Room)
      directory.exit(event.session, event.room as Room)
    }
  }

  /** Puts this server's members a kicking ban is for out of the room (its operators stay). */
  private kickOut(room: Room, ban: ModeChange, by: string): void {
    const { directory, run, runFork, stamped, wire } = this.world
    for (const session of directory.matching(room, ban.arg ?? "")) {
      const nick = directory.nickOf(session)
      if (nick === undefined || directory.isOperator(session, room)) continue
      runFork(Effect.ignore(run(Scripts.unseat, [room, wire.global(session), stamped({ _tag: "Left", room, nick, session, reason: ban.reason ?? "banned", by })])))
    }
  }

  /**
   * Puts a session that Redis let in into this server's copy of the room, with its standing, and
   * (when the room is new here) the room's modes. A copy already here is kept current by the room's events.
   */
  entered(session: SessionId, room: Room, roster: Roster): void {
    const { directory } = this.world
    const fresh = !directory.has(room)
    if (!directory.enter(session, room, roster.created)) return
    const nick = directory.nickOf(session)
    if (fresh) directory.setModes(room, roster.modes, roster.bans)
    directory.status(session, room, "o", roster.operators.some((op) => op === nick))
    directory.status(session, room, "v", roster.voiced.some((v) => v === nick))
    // A change the join's answer may predate: the room is read again.
    if (this.missed.delete(room)) this.world.runFork(Effect.ignore(this.resync([room])))
  }

  /**
   * After the link comes back: sessions that joined, while the servers were apart, a room the
   * others kept shut are taken out of it; then every room this server's sessions are in is made
   * one again (Redis keeps the rules of a room it had; one it lost takes this server's).
   */
  restored(shut: ReadonlyArray<readonly [room: string, session: string, why: string]>): Effect.Effect<void> {
    const { delivery, directory, local, wire } = this.world
    return Effect.suspend(() => {
      for (const [room, global, why] of shut) {
        const session = wire.local(global)
        const nick = directory.nickOf(session)
        if (nick === undefined || !directory.roomsOf(session).includes(room as Room)) continue
        delivery.removed(session, room as Room)
        const reason = why === "banned" ? `the servers are back together, and ${room} bans ${nick}` : `the servers are back together, and ${room} is ${shutText[why] ?? "shut"}`
        local({ _tag: "Left", room, nick, session, reason })
        directory.exit(session, room as Room)
      }
      return this.resync(directory.list().map(({ room }) => room).filter((room) => room !== Lobby))
    })
  }

  /** Makes this server's copy of rooms Redis's, or (where Redis has none) Redis's this server's. */
  private resync(rooms: ReadonlyArray<Room>): Effect.Effect<void> {
    const { directory, rosterOf, run, wire } = this.world
    return Effect.forEach(rooms, (room) => {
      const modes = directory.modes(room)
      const members = directory.membersOf(room)
      if (modes === undefined || members.length === 0) return Effect.void
      return run<RoomScripts.RosterReply | readonly [0]>(Scripts.resync, [
        room,
        String(directory.roster(room)?.created ?? 0),
        modes.invite ? "1" : "",
        modes.key ?? "",
        modes.limit === undefined ? "" : String(modes.limit),
        modes.moderated ? "1" : "",
        modes.topicLock ? "1" : "",
        modes.secret ? "1" : "",
        modes.external ? "1" : "",
        JSON.stringify([...directory.bans(room, "b"), ...directory.bans(room, "q")]),
        ...members.flatMap((session) => [wire.global(session), (directory.isOperator(session, room) ? "o" : "") + (directory.isVoiced(session, room) ? "v" : "")])
      ]).pipe(
        Effect.map((reply) => {
          if (reply[0] === 0) return
          const roster = rosterOf(room, reply as RoomScripts.RosterReply)
          directory.setModes(room, roster.modes, roster.bans)
          for (const session of directory.membersOf(room)) {
            const nick = directory.nickOf(session)
            directory.status(session, room, "o", roster.operators.some((op) => op === nick))
            directory.status(session, room, "v", roster.voiced.some((v) => v === nick))
          }
        }),
        Effect.ignore
      )
    }, { discard: true })
  }

  readonly changeModes: Moderation.Moderation["changeModes"] = (session, room, changes) => {
    const { now, run, stamped, wire } = this.world
    const valid = changes.filter((c) => !(c.mode === "k" && c.on && !validKey(c.arg ?? "")))
    const extra = (c: ModeChange) =>
      c.reason === undefined && c.expires === undefined && c.kick === undefined ? "" : JSON.stringify({ reason: c.reason, expires: c.expires, kick: c.kick })
    return this.acting(session, (by) =>
      run<Answer>(Scripts.modes, [
        room,
        wire.global(session),
        stamped({ _tag: "ModeChanged", room, by, changes: [] }),
        by,
        String(now()),
        ...valid.flatMap((c) => [c.on ? "1" : "0", c.mode, c.mode === "o" || c.mode === "v" ? nickKey(c.arg ?? "") : c.arg ?? "", extra(c)])
      ]), (answer) =>
      answer[1] === "" || answer[1] === undefined
        ? []
        : (JSON.parse(answer[1]) as Array<ModeChange>).map((c) => c.session === undefined ? c : { ...c, session: wire.local(c.session) }), room, () =>
      this.alone.changeModes(session, room, changes))
  }

  readonly kick: Moderation.Moderation["kick"] = (session, room, nick, reason) =>
    this.onMember(nick, (found) =>
      this.acting(
        session,
        (by) =>
          this.world.run<Answer>(Scripts.kick, [
            room,
            this.world.wire.global(session),
            this.world.wire.global(found.session),
            this.world.stamped({ _tag: "Left", room, nick: found.nick, session: found.session, reason, by })
          ]),
        () => undefined,
        room,
        () => this.alone.kick(session, room, nick, reason),
        found.nick
      ), () => this.alone.kick(session, room, nick, reason))

  readonly invite: Moderation.Moderation["invite"] = (session, room, nick, account) =>
    this.onMember(nick, (found) => {
      const { channelOf, run, stamped, wire } = this.world
      return this.acting(
        session,
        (by) =>
          run<Answer>(Scripts.invite, [
            room,
            wire.global(session),
            wire.global(found.session),
            channelOf(wire.nodeOf(found.session)),
            stamped({ _tag: "Invited", to: found.session, nick: found.nick, room, by, ...(account === undefined ? {} : { account }) })
          ]),
        () => found,
        room,
        () => this.alone.invite(session, room, nick, account),
        found.nick
      )
    }, () => this.alone.invite(session, room, nick, account))

  /** The member a nickname names in the cluster (or, while alone, what the server alone says). */
  private onMember<A>(
    nick: string,
    act: (found: Member) => Effect.Effect<A, HubError>,
    alone: () => Effect.Effect<A, HubError>
  ): Effect.Effect<A, HubError> {
    if (!this.world.linkUp()) return alone()
    return Effect.flatMap(this.world.findNick(nick), (found) =>
      found === undefined ? Effect.fail(new HubError({ reason: new NoSuchNick({ nick }) })) : act(found))
  }

  /** Runs an action's script as the session, and reads its answer (while the link is down, or it fails: `alone`). */
  private acting<A>(
    session: SessionId,
    script: (by: string) => Effect.Effect<Answer, unknown>,
    done: (answer: Answer) => A,
    room: Room,
    alone: () => Effect.Effect<A, HubError>,
    nick?: string
  ): Effect.Effect<A, HubError> {
    const by = this.world.directory.nickOf(session)
    if (by === undefined) return Effect.fail(new HubError({ reason: new NotRegistered({ session }) }))
    if (!this.world.linkUp()) return alone()
    return script(by).pipe(
      Effect.matchEffect({
        onFailure: alone,
        onSuccess: (answer) => {
          const reason = refusal(answer, room, nick)
          return reason === undefined ? Effect.succeed(done(answer)) : Effect.fail(new HubError({ reason }))
        }
      })
    )
  }
}

const shutText: Record<string, string> = { invite: "invite only", key: "keyed", full: "full" }

const refusal = ([status, detail]: Answer, room: Room, nick: string | undefined): HubError["reason"] | undefined => {
  switch (status) {
    case "ok":
      return undefined
    case "noroom":
      return new NoSuchRoom({ room })
    case "notin":
      return new NotInRoom({ room })
    case "notop":
      return new NotOperator({ room })
    case "nonick":
      return new NoSuchNick({ nick: detail ?? nick ?? "" })
    default:
      return new NotMember({ nick: detail ?? nick ?? "", room, ...(status === "inside" ? { inside: true } : {}) })
  }
}
