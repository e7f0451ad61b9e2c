import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { Hub, type JoinSeed } from "../hub/Hub.js"
import type { Event } from "../protocol/Event.js"
import { maxListed, noModes, type Registration } from "../protocol/Modes.js"
import { loadAndReread } from "../store/Reread.js"
import { Store, type StoreError, storeKey } from "../store/Store.js"

/** Whether `account` operates a registered room: its founder, or one it lists. */
export const operates = (registration: Registration, account: string | undefined): boolean => {
  if (account === undefined) return false
  const key = storeKey(account)
  return storeKey(registration.founder) === key || registration.operators.some((name) => storeKey(name) === key)
}

const names = (list: ReadonlyArray<string> | undefined, account: string | undefined): boolean =>
  account !== undefined && list !== undefined && list.some((name) => storeKey(name) === storeKey(account))

const without = (list: ReadonlyArray<string> | undefined, account: string): ReadonlyArray<string> =>
  (list ?? []).filter((name) => storeKey(name) !== storeKey(account))

/**
 * Registered rooms (`/room register`, IRC's `ChanServ`): kept in the store, and in every server's
 * memory, where each join looks its room up (a registered room is made again with the modes and
 * bans it keeps, and its founder and listed operators get `@`). Servers that share a store (Postgres)
 * share them: a change reaches the others through the hub at once, and each reads them again every
 * 30 seconds as well. Servers with stores of their own keep their own (their accounts are their own too).
 */
export class RoomRegistry extends Context.Service<RoomRegistry, {
  /** A room's registration, if it is registered: a lookup in memory. */
  readonly find: (room: string) => Registration | undefined
  /** How many rooms `account` founded. */
  readonly foundedBy: (account: string) => number
  /** What joining a registered room brings a session identified as `account` (`undefined`: it is not registered). */
  readonly seed: (room: string, account: string | undefined) => JoinSeed | undefined
  /** Registers a room, in the store then on every server sharing it: `false` when it is registered already. */
  readonly register: (registration: Registration) => Effect.Effect<boolean, StoreError>
  /** Keeps a registered room's new settings, in the store then on every server sharing it (not one dropped meanwhile). */
  readonly save: (registration: Registration) => Effect.Effect<void, StoreError>
  /** Keeps an invitation into a registered room for `account` until it joins (the oldest let go past `maxListed`). */
  readonly invite: (room: string, account: string) => Effect.Effect<void, StoreError>
  /** `account` joined a registered room: the invitation it kept for it, if any, is used. */
  readonly joined: (room: string, account: string) => Effect.Effect<void, StoreError>
  /** Drops a room's registration: `false` when it had none. */
  readonly drop: (room: string) => Effect.Effect<boolean, StoreError>
  /** An account was dropped: the rooms it founded are registered no more, and the others list it no more. */
  readonly accountDropped: (account: string) => Effect.Effect<void, StoreError>
  /** A room registered, changed or dropped (here or on another server), as the hub hands it on. */
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
    // Registrations name accounts: servers share them only where they share the accounts (a shared store).
    const tell = (room: string, registration?: Registration) =>
      store.shared ? hub.tellServers({ _tag: "RoomRegistered", room, ...(registration === undefined ? {} : { registration }) }) : Effect.void
    const kept = (registration: Registration) =>
      Effect.suspend(() => {
        rooms.set(storeKey(registration.room), registration)
        return tell(registration.room, registration)
      })
    const forgotten = (room: string) =>
      Effect.suspend(() => {
        rooms.delete(storeKey(room))
        return tell(room)
      })
    const drop = (room: string) =>
      Effect.flatMap(store.dropRoom(room), (dropped) => {
        const known = rooms.has(storeKey(room))
        return dropped || known ? Effect.as(forgotten(room), true) : Effect.succeed(false)
      })
    const save = (registration: Registration) =>
      Effect.flatMap(store.saveRoom(registration), (saved) => saved ? kept(registration) : forgotten(registration.room))
    const service: RoomRegistry["Service"] = {
      find: (room) => rooms.size === 0 ? undefined : rooms.get(storeKey(room)),
      foundedBy: (account) => Array.from(rooms.values()).filter((r) => storeKey(r.founder) === storeKey(account)).length,
      seed: (room, account) => {
        const registration = rooms.size === 0 ? undefined : rooms.get(storeKey(room))
        return registration === undefined
          ? undefined
          : {
            modes: { ...noModes, ...registration.modes, external: registration.modes.external === true },
            bans: registration.bans,
            operator: operates(registration, account),
            invited: names(registration.invited, account)
          }
      },
      register: (registration) =>
        Effect.flatMap(store.registerRoom(registration), (registered) => registered ? Effect.as(kept(registration), true) : Effect.succeed(false)),
      save,
      invite: (room, account) =>
        Effect.suspend(() => {
          const registration = rooms.get(storeKey(room))
          if (registration === undefined) return Effect.void
          return save({ ...registration, invited: [...without(registration.invited, account), account].slice(-maxListed) })
        }),
      joined: (room, account) =>
        Effect.suspend(() => {
          const registration = rooms.get(storeKey(room))
          return registration === undefined || !names(registration.invited, account)
            ? Effect.void
            : save({ ...registration, invited: without(registration.invited, account) })
        }),
      drop,
      accountDropped: (account) =>
        Effect.forEach(Array.from(rooms.values()), (registration) => {
          if (storeKey(registration.founder) === storeKey(account)) return Effect.asVoid(drop(registration.room))
          if (!names(registration.operators, account) && !names(registration.invited, account)) return Effect.void
          return save({ ...registration, operators: without(registration.operators, account), invited: without(registration.invited, account) })
        }, { discard: true }),
      learn: (note) => {
        if (note.registration === undefined) rooms.delete(storeKey(note.room))
        else rooms.set(storeKey(note.room), note.registration)
      }
    }
    // The server's own subscription, in no room: every server learns each change, sessions or none.
    if (store.shared) {
      yield* hub.subscribe("~room-registry", {
        deliver: (events) => {
          for (const { event } of events) if (event._tag === "RoomRegistered") service.learn(event)
        }
      })
    }
    return service
  })

  static readonly layer: Layer.Layer<RoomRegistry, StoreError, Store | Hub> = Layer.effect(RoomRegistry, RoomRegistry.make)
}
