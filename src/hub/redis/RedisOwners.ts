import * as Effect from "effect/Effect"
import { answer, type Event } from "../../protocol/Event.js"
import { type Nick, nickKey, type SessionId } from "../../protocol/Names.js"
import type { Directory } from "../Directory.js"
import type { RedisWire } from "./RedisWire.js"
import * as Scripts from "./RedisScripts.js"

export interface OwnersWorld {
  readonly directory: Directory
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
 * with a `Notice` that `yields` the nickname, and renames its session.
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
