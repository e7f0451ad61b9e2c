import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { Hub, type JoinSeed } from "../hub/Hub.js"
import type { Event } from "../protocol/Event.js"
import { noModes, type Registration } from "../protocol/Modes.js"
import { loadAndReread } from "../store/Reread.js"
import { Store, type StoreError, storeKey } from "../store/Store.js"

/** Whether `account` operates a registered room: its founder, or one it lists. */
export const operates = (registration: Registration, account: string | undefined): boolean => {
  if (account === undefined) return false
  const key = storeKey(account)
  return storeKey(registration.founder) === key || registration.operators.some((name) => storeKey(name) === key)
}

/**
 * Registered rooms (`/room register`, IRC's `ChanServ`): kept in the store, and in every server's
 * memory, where each join looks its room up (a registered room is made again with the modes and
 * bans it keeps, and its founder and listed operators get `@`). A change reaches the other servers
 * through the hub, which hands it to every session, and each server learns it; a server sharing its
 * store reads them again every 30 seconds as well.
 */
export class RoomRegistry extends Context.Service<RoomRegistry, {
  /** A room's registration, if it is registered: a lookup in memory. */
  readonly find: (room: string) => Registration | undefined
  /** What joining a registered room brings a session identified as `account` (`undefined`: it is not registered). */
  readonly seed: (room: string, account: string | undefined) => JoinSeed | undefined
  /** Registers a room, or keeps its new settings: in the store, then on every server. */
  readonly save: (registration: Registration) => Effect.Effect<void, StoreError>
  /** Drops a room's registration: `false` when it had none. */
  readonly drop: (room: string) => Effect.Effect<boolean, StoreError>
  /** An account was dropped: the rooms it founded are registered no more, and the others list it no more. */
  readonly accountDropped: (account: string) => Effect.Effect<void, StoreError>
  /** What the hub handed a session: a room registered, changed or dropped (here or on another server). */
  readonly learn: (note: Extract<Event, { readonly _tag: "RoomRegistered" }>) => void
}>()("hubbub/RoomRegistry") {
  static readonly make = Effect.gen(function*() {
    const store = yield* Store
    const hub = yield* Hub
    const rooms = new Map<string, Registration>()
    yield* loadAndReread(
      store,
      "the registered rooms",
      Effect.map(store.registeredRooms, (stored) => {
        rooms.clear()
        for (const registration of stored) rooms.set(storeKey(registration.room), registration)
      })
    )
    const save = (registration: Registration) =>
      Effect.andThen(store.saveRoom(registration), () => {
        rooms.set(storeKey(registration.room), registration)
        return hub.tellServers({ _tag: "RoomRegistered", room: registration.room, registration })
      })
    const drop = (room: string) =>
      Effect.flatMap(store.dropRoom(room), (dropped) => {
        const known = rooms.delete(storeKey(room))
        return dropped || known ? Effect.as(hub.tellServers({ _tag: "RoomRegistered", room }), true) : Effect.succeed(false)
      })
    const service: RoomRegistry["Service"] = {
      find: (room) => rooms.size === 0 ? undefined : rooms.get(storeKey(room)),
      seed: (room, account) => {
        const registration = rooms.size === 0 ? undefined : rooms.get(storeKey(room))
        return registration === undefined
          ? undefined
          : { modes: { ...noModes, ...registration.modes }, bans: registration.bans, operator: operates(registration, account) }
      },
      save,
      drop,
      accountDropped: (account) =>
        Effect.forEach(Array.from(rooms.values()), (registration) => {
          if (storeKey(registration.founder) === storeKey(account)) return Effect.asVoid(drop(registration.room))
          const operators = registration.operators.filter((name) => storeKey(name) !== storeKey(account))
          return operators.length === registration.operators.length ? Effect.void : save({ ...registration, operators })
        }, { discard: true }),
      learn: (note) => {
        if (note.registration === undefined) rooms.delete(storeKey(note.room))
        else rooms.set(storeKey(note.room), note.registration)
      }
    }
    return service
  })

  static readonly layer: Layer.Layer<RoomRegistry, StoreError, Store | Hub> = Layer.effect(RoomRegistry, RoomRegistry.make)
}
