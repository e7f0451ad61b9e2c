import * as Effect from "effect/Effect"
import { answer, type Event } from "../../protocol/Event.js"
import { type Nick, nickKey, type SessionId } from "../../protocol/Names.js"
import type { Delivery } from "../Delivery.js"
import type { Directory } from "../Directory.js"
import type { RedisWire } from "./RedisWire.js"
import * as Scripts from "./RedisScripts.js"

export interface OwnersWorld {
  readonly directory: Directory
  readonly delivery: Delivery
  /** Runs an effect on its own: what a message from Redis sets off. */
  readonly runFork: (effect: Effect.Effect<void>) => void
  /** A batch of events, as Redis carries them. */
  readonly encode: (event: Event) => string
  readonly wire: RedisWire
  readonly nickKeyOf: (nick: string) => string
  readonly linkUp: () => boolean
  readonly run: <A>(script: string, args: ReadonlyArray<string>) => Effect.Effect<A, unknown>
  readonly publish: (event: Event) => void
  /** Renames a session to a free `GuestNNNN` (`apart`: as a clash the other servers never saw); which one, if any. */
  readonly toGuest: (session: SessionId, apart: boolean) => Effect.Effect<Nick | undefined>
}

/**
 * Who, of this server's sessions, is identified as their nickname's account,
 * for the cluster: Redis keeps it (the hash `owned`, which `Scripts.claim`
 * and `Presence.restore` read), so that an identified owner takes its
 * nickname back from an unidentified holder on any server, and keeps it when
 * servers that were apart both gave it out. The holder's server is told
 * with a `Notice` that `yields` the nickname, and renames its session. An
 * account dropped here is no one's on the other servers either: each is told
 * with a `Notice` that `drops` it, and logs out its sessions identified as it.
 */
export class RedisOwners {
  /** The accounts this server's sessions are identified as. */
  private readonly accounts = new Map<SessionId, string>()

  constructor(private readonly world: OwnersWorld) {}

  /** Whether a session is identified as the account of `nick`: then it keeps it against anyone who is not. */
  owns(session: SessionId, nick: string): boolean {
    const account = this.accounts.get(session)
    return account !== undefined && nickKey(account) === nickKey(nick)
  }

  identified(session: SessionId, account: string | undefined): Effect.Effect<void> {
    const { directory, linkUp, nickKeyOf, run, wire } = this.world
    return Effect.suspend(() => {
      if (account === undefined) this.accounts.delete(session)
      else this.accounts.set(session, account)
      const nick = directory.nickOf(session)
      if (nick === undefined || !linkUp()) return Effect.void
      return run(Scripts.own, [nickKeyOf(nick), wire.global(session), this.owns(session, nick) ? "1" : ""]).pipe(Effect.ignore)
    })
  }

  left(session: SessionId): void {
    this.accounts.delete(session)
  }

  /** Tells every server that `account` was dropped here. */
  accountDropped(account: string): Effect.Effect<void> {
    const { linkUp, run } = this.world
    return Effect.suspend(() =>
      linkUp() ? Effect.ignore(run(Scripts.everyone, [this.world.encode({ _tag: "Notice", text: "", drops: account })])) : Effect.void
    )
  }

  /** Whether an event from Redis was one of these servers' words to each other (then it is not shown), acted on. */
  received(event: Event): boolean {
    if (event._tag !== "Notice") return false
    const { delivery, runFork } = this.world
    if (event.yields !== undefined) {
      if (event.to !== undefined && delivery.has(event.to)) runFork(this.yieldNick(event.to as SessionId, event.yields, event.apart === true))
      return true
    }
    if (event.drops === undefined) return false
    for (const [session, account] of this.accounts) {
      if (nickKey(account) !== nickKey(event.drops)) continue
      this.accounts.delete(session)
      runFork(delivery.loggedOut(session, account))
    }
    return true
  }

  /** Tells the server of `holder` (a cluster name) that its session gives `nick` up to its account, identified here. */
  displace(holder: string, nick: Nick, apart: boolean): void {
    this.world.publish({ _tag: "Notice", to: this.world.wire.local(holder), text: "", yields: nick, ...(apart ? { apart } : {}) })
  }

  /** This server's `session`, which held `nick`, gives it up to its account, identified on another server. */
  yieldNick(session: SessionId, nick: string, apart: boolean): Effect.Effect<void> {
    const { directory, publish, toGuest } = this.world
    return Effect.gen(function*() {
      const held = directory.nickOf(session)
      if (held === undefined || nickKey(held) !== nickKey(nick)) return
      const guest = yield* toGuest(session, apart)
      yield* Effect.logInfo("a nickname went back to its account, identified on another server").pipe(
        Effect.annotateLogs({ nick, session, now: guest ?? nick })
      )
      publish(answer(session, { _tag: "AccountNote", what: "taken", name: nick, ...(guest === undefined ? {} : { nick: guest }) }, guest ?? nick))
    })
  }
}
