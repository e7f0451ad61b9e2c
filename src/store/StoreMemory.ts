import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { Registration } from "../protocol/Modes.js"
import type { HistoryEntry } from "../protocol/Reply.js"
import { inRange } from "../protocol/HistoryRange.js"
import { writesOf } from "./PendingWrites.js"
import { type Account, type RoomWrite, type ServerBan, type StoredLine, Store, storeKey } from "./Store.js"

/** A {@link Store} in this process's memory: nothing survives it (`--store memory`, tests, the library). */
export const make = Effect.sync(() => {
  const accounts = new Map<string, Account>()
  const topics = new Map<string, { readonly topic: string; readonly by: string | undefined; readonly at: number }>()
  const lines = new Map<string, Array<StoredLine>>()
  const bans = new Map<string, ServerBan>()
  const rooms = new Map<string, Registration>()

  const apply = (write: RoomWrite) => {
    if (write._tag === "Topic") {
      const key = storeKey(write.room)
      if (write.topic === undefined) topics.delete(key)
      else topics.set(key, { topic: write.topic, by: write.by, at: write.at })
      return
    }
    const key = storeKey(write.room)
    let kept = lines.get(key)
    if (kept === undefined) lines.set(key, kept = [])
    kept.push(write)
  }

  const store: Store["Service"] = {
    describe: "in memory",
    shared: false,
    write: (writes) => Effect.sync(() => writesOf(writes).forEach(apply)),
    room: (room, limit) =>
      Effect.sync(() => {
        const key = storeKey(room)
        const kept = limit > 0 ? lines.get(key)?.slice(-limit) ?? [] : []
        const topic = topics.get(key)
        const topicSetter = topic?.by === undefined ? {} : { topicSetter: { by: topic.by, at: topic.at } }
        return { topic: topic?.topic, ...topicSetter, history: kept.map(entryOf) }
      }),
    lines: (room, range) => Effect.sync(() => inRange(lines.get(storeKey(room)) ?? [], range).map(entryOf)),
    prune: (before) =>
      Effect.sync(() => {
        let gone = 0
        for (const [key, kept] of lines) {
          const left = kept.filter((line) => line.at >= before)
          gone += kept.length - left.length
          if (left.length === 0) lines.delete(key)
          else lines.set(key, left)
        }
        return gone
      }),
    createAccount: (account) =>
      Effect.sync(() => {
        const key = storeKey(account.name)
        if (accounts.has(key)) return false
        accounts.set(key, account)
        return true
      }),
    account: (name) => Effect.sync(() => accounts.get(storeKey(name))),
    setPassword: (name, password) =>
      Effect.sync(() => {
        const account = accounts.get(storeKey(name))
        if (account === undefined) return false
        accounts.set(storeKey(name), { ...account, password })
        return true
      }),
    deleteAccount: (name) => Effect.sync(() => accounts.delete(storeKey(name))),
    accountNames: Effect.sync(() => Array.from(accounts.values(), (account) => account.name)),
    ping: Effect.void,
    serverBans: (now) =>
      Effect.sync(() => {
        for (const [mask, ban] of bans) if (ban.expires !== undefined && ban.expires <= now) bans.delete(mask)
        return Array.from(bans.values()).sort((a, b) => a.at - b.at)
      }),
    addServerBan: (ban) =>
      Effect.sync(() => {
        bans.delete(ban.mask)
        bans.set(ban.mask, ban)
      }),
    removeServerBan: (mask) => Effect.sync(() => bans.delete(mask)),
    registeredRooms: Effect.sync(() => Array.from(rooms.values())),
    registerRoom: (registration) =>
      Effect.sync(() => {
        if (rooms.has(storeKey(registration.room))) return false
        rooms.set(storeKey(registration.room), registration)
        return true
      }),
    saveRoom: (registration) =>
      Effect.sync(() => {
        if (!rooms.has(storeKey(registration.room))) return false
        rooms.set(storeKey(registration.room), registration)
        return true
      }),
    dropRoom: (room) => Effect.sync(() => rooms.delete(storeKey(room)))
  }
  return store
})

/** A history line as a joining client is shown it. */
export const entryOf = (line: StoredLine): HistoryEntry => {
  const entry: { at: number; from: string; text: string; action?: boolean; id?: string } = { at: line.at, from: line.from, text: line.text }
  if (line.action) entry.action = true
  if (line.id !== undefined) entry.id = line.id
  return entry
}

export const layer: Layer.Layer<Store> = Layer.effect(Store, make)
