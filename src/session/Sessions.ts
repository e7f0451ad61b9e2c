import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Latch from "effect/Latch"
import * as Layer from "effect/Layer"
import type { CloseReason } from "../protocol/CloseReason.js"
import { type Nick, nickKey, type Room, type SessionId } from "../protocol/Names.js"
import type { Refused } from "../protocol/Reply.js"
import { Admission } from "../observe/Admission.js"
import { Tuning } from "./Tuning.js"

/** One live connection as the operator sees it. */
export interface SessionHandle {
  readonly id: SessionId
  readonly peer: string
  /** Its wire format: `text`, `irc`, `seed`, `json` (the WebSocket). */
  readonly protocol: string
  /** The client's address, when the transport knows it. */
  readonly ip: string | undefined
  /** When it connected, and when it last said something (`WHOIS` shows how long ago), in milliseconds since the epoch. */
  readonly since: number
  readonly spoke: number
  readonly nick: Nick | undefined
  /** The rooms it is in. */
  readonly rooms: ReadonlyArray<Room>
  /** Bytes waiting for the client in the server. */
  readonly outboxBytes: number
  /** Bytes read from it and written to it; messages it sent (chat, actions, private) and events delivered to it. */
  readonly bytesIn: number
  readonly bytesOut: number
  readonly messagesIn: number
  readonly messagesOut: number
  /** The fiber that serves it (its connection's own, which reads its socket). */
  readonly fiberId: number
  /** The account it identified as, if any. */
  readonly account: string | undefined
  /** Renames it to a free `GuestNNNN`, telling it that the account `name` took its nickname back. */
  readonly loseNick: (name: string) => Effect.Effect<void>
  /** Forgets that it is identified, telling it so, if it was identified as the account `name` (just dropped). */
  readonly accountDropped: (name: string) => Effect.Effect<void>
  /** Asks the session to close; the first reason wins. */
  readonly close: (reason: CloseReason) => void
  /** Lets its connection go at once: a shutdown that ran out of time. */
  readonly abort: () => void
}

/**
 * The sessions of this process: which connections the server takes (its
 * connection limits), what the console lists and kicks, and what a graceful
 * shutdown asks to close and waits for.
 */
export class Sessions extends Context.Service<Sessions, {
  readonly live: ReadonlyMap<SessionId, SessionHandle>
  readonly nextId: () => SessionId
  /** Why a new connection from `ip` must be refused, if it must. */
  readonly refusal: (ip: string | undefined) => typeof Refused.Type | undefined
  /** Refuses every new connection from now on. */
  readonly stop: () => void
  /** Whether `stop` was called: the server is shutting down. */
  readonly stopping: () => boolean
  readonly add: (handle: SessionHandle) => void
  /**
   * Counts a connection that is no session (an HTTP one) against the limits, until what it
   * returns is called; or why it is over them (a server that is stopping still takes it).
   */
  readonly hold: (ip: string | undefined) => (() => void) | typeof Refused.Type
  readonly remove: (handle: Pick<SessionHandle, "id" | "ip">) => void
  readonly findNick: (nick: string) => SessionHandle | undefined
  /** A session registered: counted among the users, for their peak. */
  readonly registered: (id: SessionId) => void
  /** The most users registered here at once since the start, and the most in the whole (`users` now among them), as IRC's LUSERS says them. */
  readonly peaks: (users: number) => { readonly local: number; readonly global: number }
  /** Completes when no session is left. */
  readonly awaitEmpty: Effect.Effect<void>
}>()("hubbub/Sessions") {
  static readonly layer: Layer.Layer<Sessions, never, Tuning> = Layer.effect(Sessions, Effect.gen(function*() {
    // The limits as a reload leaves them, read at each connection.
    const admission = new Admission(yield* Tuning)
    const live = new Map<SessionId, SessionHandle>()
    const users = new Set<SessionId>()
    let localPeak = 0
    let globalPeak = 0
    const empty = Latch.makeUnsafe(true)
    let seq = 0
    return Sessions.of({
      live,
      nextId: () => `s${++seq}`,
      refusal: (ip) => admission.refusal(ip),
      stop: () => {
        admission.stopping = true
      },
      stopping: () => admission.stopping,
      add: (handle) => {
        live.set(handle.id, handle)
        admission.add(handle.ip)
        empty.closeUnsafe()
      },
      hold: (ip) => {
        const over = admission.over(ip)
        if (over !== undefined) return over
        admission.add(ip)
        return () => admission.remove(ip)
      },
      remove: (handle) => {
        users.delete(handle.id)
        if (!live.delete(handle.id)) return
        admission.remove(handle.ip)
        if (live.size === 0) empty.openUnsafe()
      },
      findNick: (nick) => {
        const key = nickKey(nick)
        for (const handle of live.values()) if (handle.nick !== undefined && nickKey(handle.nick) === key) return handle
        return undefined
      },
      registered: (id) => {
        users.add(id)
        localPeak = Math.max(localPeak, users.size)
      },
      peaks: (now) => {
        globalPeak = Math.max(globalPeak, localPeak, now)
        return { local: localPeak, global: globalPeak }
      },
      awaitEmpty: empty.await
    })
  }))
}
