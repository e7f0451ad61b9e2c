import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Latch from "effect/Latch"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import type { CloseReason } from "../protocol/CloseReason.js"
import { type Nick, nickKey, type Room, type SessionId } from "../protocol/Names.js"

/** One live connection as the operator sees it. */
export interface SessionHandle {
  readonly id: SessionId
  readonly peer: string
  /** When it connected, in milliseconds since the epoch. */
  readonly since: number
  readonly nick: Nick | undefined
  readonly room: Room | undefined
  /** Bytes waiting for the client in the server. */
  readonly outboxBytes: number
  /** The fiber that serves it (its connection's own, which reads its socket). */
  readonly fiberId: number
  /** Asks the session to close; the first reason wins. */
  readonly close: (reason: CloseReason) => void
}

/**
 * The sessions of this process: what the console lists and kicks, and what a
 * graceful shutdown asks to close and waits for.
 */
export class Sessions extends Context.Service<Sessions, {
  readonly live: ReadonlyMap<SessionId, SessionHandle>
  readonly nextId: () => SessionId
  /** Lists a session for as long as the scope lasts. */
  readonly add: (handle: SessionHandle) => Effect.Effect<void, never, Scope.Scope>
  readonly findNick: (nick: string) => SessionHandle | undefined
  /** Completes when no session is left. */
  readonly awaitEmpty: Effect.Effect<void>
}>()("hubbub/Sessions") {
  static readonly layer: Layer.Layer<Sessions> = Layer.sync(Sessions, () => {
    const live = new Map<SessionId, SessionHandle>()
    const empty = Latch.makeUnsafe(true)
    let seq = 0
    return Sessions.of({
      live,
      nextId: () => `s${++seq}`,
      add: (handle) =>
        Effect.acquireRelease(
          Effect.sync(() => {
            live.set(handle.id, handle)
            empty.closeUnsafe()
          }),
          () =>
            Effect.sync(() => {
              live.delete(handle.id)
              if (live.size === 0) empty.openUnsafe()
            })
        ),
      findNick: (nick) => {
        const key = nickKey(nick)
        for (const handle of live.values()) if (handle.nick !== undefined && nickKey(handle.nick) === key) return handle
        return undefined
      },
      awaitEmpty: empty.await
    })
  })
}
