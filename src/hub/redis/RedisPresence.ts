import { identityArg } from "../Bans.js"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Semaphore from "effect/Semaphore"
import type { Event } from "../../protocol/Event.js"
import type { Nick, Room, SessionId } from "../../protocol/Names.js"
import type { Directory } from "../Directory.js"
import { NodeIdInUse, shownUrl } from "../HubError.js"
import type { RedisHubOptions } from "../HubOptions.js"
import { describe } from "./RedisConnect.js"
import { isRefusal, type RedisLink } from "./RedisLink.js"
import { RedisOutbox } from "./RedisOutbox.js"
import * as Presence from "./RedisPresenceScripts.js"
import type { Dropped } from "./RedisScripts.js"
import * as Scripts from "./RedisScripts.js"
import type { RedisWire } from "./RedisWire.js"

/** What the parts of a Redis hub share: its names in Redis, its link, its directory, and how it delivers. */
export interface Cluster {
  readonly options: RedisHubOptions
  readonly node: string
  readonly prefix: string
  /** This server's channel (events for its sessions). */
  readonly own: string
  readonly roomChannel: (room: string) => string
  readonly nickKeyOf: (nick: string) => string
  readonly link: RedisLink
  readonly wire: RedisWire
  readonly directory: Directory
  readonly outbox: RedisOutbox
  /** Delivers on this server alone, as the memory hub would. */
  readonly local: (event: Event) => void
  /** Publishes through Redis (or here alone while the link is down). */
  readonly publish: (event: Event) => void
  /** Whether comings and goings are announced in a room of this many members. */
  readonly announced: (members: number) => boolean
  readonly run: <A>(script: string, args: ReadonlyArray<string>) => Effect.Effect<A, unknown>
  readonly follow: (channel: string) => Effect.Effect<void, unknown>
  /** Renames a session to a free `GuestNNNN` (telling its rooms); the nickname it got, if one was free. */
  readonly toGuest: (session: SessionId) => Effect.Effect<Nick | undefined>
  /** Whether a session is identified as the account of `nick`. */
  readonly owns: (session: SessionId, nick: string) => boolean
  /** Tells the server of `holder` (a cluster name) that its session gives `nick` up to its account, identified here. */
  readonly displace: (holder: string, nick: Nick) => Effect.Effect<void>
  /** Puts this server's sessions' profiles back in Redis, as it has them. */
  readonly profilesBack: Effect.Effect<void>
  /** Settles the rooms after a restore: those sessions that joined a shut room while apart out of it, every room's rules one again. */
  readonly restored: (shut: ReadonlyArray<readonly [room: string, session: string, why: string]>) => Effect.Effect<void>
}

export const linkLost = "The link to the other servers is lost: until it is back, only the people on this server see your messages."

const refusing = "Redis refuses what this server sends: until it accepts it again, your messages may not reach the people on other servers."

/**
 * A server's place in the cluster: its lease (renewed, and reaping the
 * servers whose leases ran out), its sessions put (back) into Redis when the
 * link comes up, what its sessions are told when the link is lost and back,
 * and its release when it stops.
 */
export class RedisPresence {
  /** Whether the sessions were told that the link is lost, and not yet that it is back. */
  told = false
  /** Whether Redis refuses what this server sends (an error reply), until a lease is written again. */
  degraded = false
  /** Commands Redis refused, and the batches it published without keeping them in their room's history. */
  refusals = 0
  private logged = -Infinity
  /** Whether it linked up once (begun), and finished doing so: then it keeps its lease. */
  private started = false
  private settled = false
  private readonly leaseMs: number

  constructor(
    private readonly cluster: Cluster,
    /** This run's mark on its lease: a lease held under another mark is another server's with the same node id. */
    private readonly token: string
  ) {
    this.leaseMs = Math.round(Duration.toMillis(cluster.options.presenceTtl) * 2 / 3)
  }

  /** A notice for every session with a nickname (a connection still choosing one has no part in the cluster yet). */
  private tellRegistered(text: string): void {
    for (const [session] of this.cluster.directory.registered()) this.cluster.local({ _tag: "Notice", to: session, text })
  }

  /** The link is lost: its sessions are told, once. */
  down(why: string): Effect.Effect<void> {
    return Effect.suspend(() => {
      if (this.told) return Effect.void
      this.told = true
      this.tellRegistered(linkLost)
      return Effect.logWarning(`lost the link to Redis (${why}); chat stays on this server until it is back`)
    })
  }

  /**
   * Redis answered a command with an error (out of memory, a read-only replica, ...): the link is
   * degraded. Its users are told once, the log says so (at most every 10 s), and each upkeep tries
   * the lease again: once Redis takes it, {@link keep} puts this server back as after an outage.
   */
  refused(why: string): Effect.Effect<void> {
    return Effect.suspend(() => {
      this.refusals++
      const first = !this.degraded
      this.degraded = true
      if (first) this.tellRegistered(refusing)
      return this.warn(`Redis refused a command (${why}); what it was for stays on this server until Redis accepts it again`, first)
    })
  }

  /** Redis refused one command (a room's history, out of memory; a script's error): counted, and logged at most every 10 s. */
  refusedOne(text: string): Effect.Effect<void> {
    return Effect.suspend(() => {
      this.refusals++
      return this.warn(text, false)
    })
  }

  private warn(text: string, always: boolean): Effect.Effect<void> {
    const now = Date.now()
    if (!always && now - this.logged < 10_000) return Effect.void
    this.logged = now
    return Effect.logWarning(text)
  }

  /** Tells the rooms of sessions that are gone, without leaving themselves, that they left. */
  lost(dropped: Dropped, reason = "server lost"): Effect.Effect<void> {
    return Effect.sync(() => {
      for (const [room, session, nick, size] of dropped) {
        if (this.cluster.announced(size)) this.cluster.publish({ _tag: "Left", room, nick, session, reason, quit: true })
      }
    })
  }

  /**
   * Puts this server (again) in the cluster: its lease, and its sessions' nicknames and rooms as
   * they are now, all sent in one burst, so that a join or a rename made meanwhile is sent after
   * them. Sessions Redis had of it that are gone (a previous run that was killed, sessions that
   * left while the link was down) are dropped, and their rooms see them leave.
   */
  readonly up: Effect.Effect<void, NodeIdInUse> = Effect.suspend(() => this.restore)

  /** One restore at a time: a link that comes back during one waits for it, and does not rename a clash twice. */
  private readonly oneAtATime = Semaphore.makeUnsafe(1)

  private get restore(): Effect.Effect<boolean, NodeIdInUse> {
    return this.oneAtATime.withPermit(this.linkUp())
  }

  private linkUp = Effect.fnUntraced(function*(this: RedisPresence) {
    const { directory, link, node, options, outbox, wire } = this.cluster
    const first = !this.started
    this.started = true
    if (first) {
      yield* this.awaitLease
      yield* Effect.logInfo(`in a cluster through Redis at ${shownUrl(options.redisUrl)}, as ${node}`)
    }
    const sessions = Array.from(directory.registered(), ([session, nick]) => [session, nick, directory.roomsOf(session)] as const)
    // The lease first: another server putting its own back after this one sees that this one's nicknames are held.
    const leased = outbox.send(Scripts.alive, [node, String(this.leaseMs), this.token])
    const restored = outbox.send(Presence.restore, [
      node,
      String(Date.now()),
      ...sessions.flatMap(([session, nick, rooms]) => {
        const who = directory.identityOf(session)
        return [
          wire.global(session),
          this.cluster.nickKeyOf(nick),
          nick,
          this.cluster.owns(session, nick) ? "1" : "",
          identityArg(who),
          who?.account ?? "",
          String(rooms.length),
          ...rooms
        ]
      })
    ])
    yield* Effect.tryPromise(() => link.resubscribe()).pipe(Effect.ignore)
    yield* this.cluster.follow(this.cluster.own).pipe(Effect.ignore)
    for (const [, , rooms] of sessions) for (const room of rooms) yield* this.cluster.follow(this.cluster.roomChannel(room)).pipe(Effect.ignore)
    yield* RedisOutbox.answer(leased).pipe(Effect.ignore)
    const answer = yield* RedisOutbox.answer(restored).pipe(
      Effect.tapError((error) => isRefusal(error) ? this.refused(describe(error)) : Effect.void),
      Effect.option
    )
    if (answer._tag === "Some") {
      const [dropped, taken, returned, displaced, shut] = answer.value as readonly [
        Dropped,
        ReadonlyArray<string>,
        Dropped,
        ReadonlyArray<readonly [string, string]>,
        ReadonlyArray<readonly [string, string, string]>
      ]
      yield* this.lost(dropped, first ? "server lost" : "left while the servers were apart")
      // The others showed them leaving when they dropped this server: they are shown coming back.
      for (const [room, session, nick, size] of returned) {
        if (this.cluster.announced(size)) this.cluster.publish({ _tag: "Joined", room, nick, session: wire.local(session), back: true })
      }
      yield* this.cluster.restored(shut)
      yield* this.cluster.profilesBack
      // A session identified as its nickname's account took it back from another server's unidentified holder.
      for (const [holder, nick] of displaced) yield* this.cluster.displace(holder, nick as Nick)
      // Otherwise Redis settles which server keeps a nickname both gave out while apart: the first to put it back.
      for (const session of taken) {
        const id = wire.local(session) as SessionId
        const nick = directory.nickOf(id)
        if (nick === undefined) continue
        const guest = yield* this.cluster.toGuest(id)
        const now = guest === undefined ? "choose another with /nick" : `you are now ${guest} (choose another with /nick)`
        this.cluster.publish({ _tag: "Notice", to: id, text: `Someone on another server had the nickname ${nick} while the servers were apart; ${now}.` })
        yield* Effect.logWarning("a nickname was given out on two servers while they were apart").pipe(
          Effect.annotateLogs({ nick, session: id, now: guest ?? nick })
        )
      }
    }
    this.settled = true
    // Refused: still degraded, and nobody is told it is back.
    if (answer._tag === "None" && this.degraded) return false
    // Back, unless it was lost again meanwhile (then this says nothing, and the next return will).
    if (this.told && link.up) {
      this.told = false
      this.tellRegistered("The link to the other servers is back.")
      yield* Effect.logInfo("the link to Redis is back")
    }
    return true
  })

  /**
   * Waits for a lease this node id still holds to run out: a previous run that was killed (it stops
   * being renewed), or another server under the same id (it is renewed, and this one must not start).
   */
  private get awaitLease(): Effect.Effect<void, NodeIdInUse> {
    const { link, node, prefix } = this.cluster
    const leaseMs = this.leaseMs
    return Effect.gen(function*() {
      const key = prefix + "alive:" + node
      const ttl = () => Effect.tryPromise(() => link.send<number>(["PTTL", key])).pipe(Effect.orElseSucceed(() => -2))
      let left = yield* ttl()
      if (left < 0) return
      yield* Effect.logWarning(`node ${node} still holds a lease for ${left} ms: waiting for a previous run's to run out`)
      let waited = 0
      while (left >= 0) {
        if (waited > leaseMs + 1000) return yield* new NodeIdInUse({ node })
        yield* Effect.sleep(Math.min(left + 10, 250))
        waited += Math.min(left + 10, 250)
        const next = yield* ttl()
        // Renewed: someone holds it.
        if (next > left + 100) return yield* new NodeIdInUse({ node })
        left = next
      }
    })
  }

  /** One round of upkeep (every fifth of the TTL): the lease, the reaping of servers that lost theirs, and channels no session here needs any more. */
  readonly upkeep: Effect.Effect<void, unknown> = Effect.suspend(() => this.keep())

  private keep = Effect.fnUntraced(function*(this: RedisPresence) {
    const { directory, link, node, own, roomChannel, run, wire } = this.cluster
    if (!link.up || !this.settled) return
    const held = yield* run<string | null>(Scripts.alive, [node, String(this.leaseMs), this.token])
    if (this.degraded) {
      // Redis takes writes again: what this server did meanwhile is put back, as after an outage.
      if (!(yield* this.restore)) return
      this.degraded = false
      this.tellRegistered("Redis accepts what this server sends again: your messages reach everyone.")
      yield* Effect.logInfo("Redis accepts commands again")
    } else if (held === null) {
      // Its lease ran out while the link stayed up (it was too slow to renew it), and another server dropped it.
      yield* Effect.logWarning("this server's lease in Redis ran out and the others dropped it; putting it back")
      yield* this.restore
    } else if (held !== this.token) {
      yield* Effect.logError(`another server runs as node ${node}: give each server its own --node-id`)
    }
    const reaped = yield* run<Dropped>(Presence.reap, [node])
    const servers = new Set(reaped.map(([, session]) => wire.nodeOf(session)))
    for (const server of servers) {
      const sessions = new Set(reaped.filter(([, session]) => wire.nodeOf(session) === server).map(([, session]) => session))
      yield* Effect.logInfo(`dropped server ${server}: its lease ran out; ${sessions.size} of its users left`)
    }
    yield* this.lost(reaped)
    for (const channel of link.following()) {
      if (channel !== own && directory.size(channel.slice(roomChannel("").length) as Room) === 0) link.unfollow(channel)
    }
  })

  /** Leaving: this server's sessions have left; its lease and anything left of it go at once. */
  get release(): Effect.Effect<void> {
    return this.cluster.run<Dropped>(Presence.release, [this.cluster.node]).pipe(
      Effect.flatMap((dropped) => this.lost(dropped, "server shutting down")),
      Effect.andThen(this.cluster.run(Scripts.ping, [])),
      Effect.ignore
    )
  }
}
