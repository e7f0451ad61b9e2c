import * as Effect from "effect/Effect"
import type { ChatHistory, HistoryPoint } from "../protocol/Command.js"
import { maxHistory } from "../protocol/HistoryRange.js"
import { timeOfId } from "../protocol/MessageId.js"
import type { Room } from "../protocol/Names.js"
import type { HistoryEntry } from "../protocol/Reply.js"
import { reply } from "./Answer.js"
import type { Client, CommandEnv } from "./Client.js"


/** How far from the time in a message id its message is looked for (a server's clock and the hub's stamp differ by little). */
const idSlack = { before: 5_000, after: 60_000 }
/** When hubbub began to give messages ids: no id of its own says it was made before. */
const idsSince = Date.UTC(2026, 0, 1)
/** The most messages of that window looked through for it: a busier window's reference stands for its time. */
const idSearch = 2_000

type Asked = typeof ChatHistory.Type

const failed = (env: CommandEnv, client: Client, code: string, context: ReadonlyArray<string>, text: string) =>
  reply(env, client, { _tag: "Failed", command: "CHATHISTORY", code, context, text })

/**
 * A point of a room's history: a time, and for a message id found there, the message and how many
 * others share its millisecond before and after it (a burst: their order is the store's, not the clock's).
 */
interface Located {
  readonly at: number
  readonly id: string | undefined
  readonly entry: HistoryEntry | undefined
  readonly sameBefore: number
  readonly sameAfter: number
}

const end = Number.MAX_SAFE_INTEGER
const start: Located = { at: 0, id: undefined, entry: undefined, sameBefore: 0, sameAfter: 0 }
const finish: Located = { at: end, id: undefined, entry: undefined, sameBefore: 0, sameAfter: 0 }

/** Where a point is; `undefined` for an id no message of this server's could have. */
const locate = (env: CommandEnv, room: Room, point: HistoryPoint) =>
  Effect.gen(function*() {
    if (point._tag === "Time") return { at: point.at, id: undefined, entry: undefined, sameBefore: 0, sameAfter: 0 }
    const near = timeOfId(point.id)
    // No id of ours begins with a time before ids were given, or more than a day ahead.
    if (near === undefined || near < idsSince || near > env.now() + 86_400_000) return undefined
    const around = yield* env.hub.backlog(room, { from: near - idSlack.before, to: near + idSlack.after, limit: idSearch, newest: false })
    const index = around.findIndex((entry) => entry.id === point.id)
    // Gone (forgotten, or never here): its time stands for it.
    if (index === -1) return { at: near, id: undefined, entry: undefined, sameBefore: 0, sameAfter: 0 }
    const entry = around[index]!
    const same = (other: HistoryEntry) => other.at === entry.at
    return { at: entry.at, id: point.id, entry, sameBefore: around.slice(0, index).filter(same).length, sameAfter: around.slice(index + 1).filter(same).length }
  })

/**
 * The messages strictly between two points, at most `limit`, the newest of them or the oldest:
 * a time bound is exclusive, and a message named is left out with all that shares its millisecond
 * on the far side of it.
 */
const between = Effect.fnUntraced(function*(env: CommandEnv, room: Room, low: Located, high: Located, limit: number, newest: boolean) {
  if (limit <= 0) return []
  const from = low.id === undefined ? (low === start ? 0 : low.at + 1) : low.at
  const to = high.id === undefined ? (high === finish ? end : high.at - 1) : high.at
  if (from > to) return []
  const wanted = limit + low.sameBefore + high.sameAfter + 2
  let entries = yield* env.hub.backlog(room, { from, to, limit: wanted, newest })
  // A full window taken from the far end may stop short of the near point: all it holds is past it
  // (a burst in one millisecond, cut by time, would lose what follows the point in its millisecond).
  const full = entries.length >= wanted
  const lowAt = low.id === undefined ? -1 : entries.findIndex((entry) => entry.id === low.id)
  if (low.id !== undefined && !(lowAt === -1 && newest && full)) {
    entries = lowAt === -1 ? entries.filter((entry) => entry.at > low.at) : entries.slice(lowAt + 1)
  }
  const highAt = high.id === undefined ? -1 : entries.findIndex((entry) => entry.id === high.id)
  if (high.id !== undefined && !(highAt === -1 && !newest && full)) {
    entries = highAt === -1 ? entries.filter((entry) => entry.at < high.at) : entries.slice(0, highAt)
  }
  return newest ? entries.slice(-limit) : entries.slice(0, limit)
})

/** A room's messages as asked; `undefined` when a reference is no message id of this server's. */
const messages = Effect.fnUntraced(function*(env: CommandEnv, room: Room, asked: Asked) {
  const limit = Math.max(1, Math.min(maxHistory, asked.limit))
  const from = asked.from === undefined ? undefined : yield* locate(env, room, asked.from)
  const to = asked.to === undefined ? undefined : yield* locate(env, room, asked.to)
  if ((asked.from !== undefined && from === undefined) || (asked.to !== undefined && to === undefined)) return undefined
  switch (asked.kind) {
    case "latest":
      return yield* between(env, room, from ?? start, finish, limit, true)
    case "before":
      return yield* between(env, room, start, from!, limit, true)
    case "after":
      return yield* between(env, room, from!, finish, limit, false)
    case "around": {
      // The message itself in the middle, when it is one; a time's own millisecond on its earlier side.
      const own = from!.entry === undefined ? [] : [from!.entry]
      const upTo = from!.id === undefined ? { ...from!, at: from!.at + 1 } : from!
      const before = yield* between(env, room, start, upTo, Math.ceil((limit - own.length) / 2), true)
      const after = yield* between(env, room, from!, finish, limit - own.length - before.length, false)
      return [...before, ...own, ...after]
    }
    case "between":
    case "targets": {
      // Within one millisecond, their order in the history says which comes first.
      const backwards = from!.at > to!.at || (from!.at === to!.at && from!.sameBefore > to!.sameBefore)
      return yield* between(env, room, backwards ? to! : from!, backwards ? from! : to!, limit, backwards)
    }
  }
})

/** `CHATHISTORY` and `/history`: a room the session is in, or (`targets`) its rooms with messages in the time asked. */
export const chatHistory = Effect.fnUntraced(function*(env: CommandEnv, client: Client, asked: Asked) {
  if (asked.kind === "targets") {
    // Each of its rooms' latest message between the two times (both exclusive), if it has one.
    const [a, b] = [asked.from?._tag === "Time" ? asked.from.at : 0, asked.to?._tag === "Time" ? asked.to.at : 0]
    const range = { from: Math.min(a, b) + 1, to: Math.max(a, b) - 1, limit: 1, newest: true }
    const found: Array<{ room: string; at: number }> = []
    for (const room of client.rooms) {
      const [latest] = yield* env.hub.backlog(room, range)
      if (latest !== undefined) found.push({ room, at: latest.at })
    }
    found.sort((a, b) => a.at - b.at)
    return yield* reply(env, client, { _tag: "HistoryTargets", entries: found.slice(0, Math.max(1, Math.min(maxHistory, asked.limit))) })
  }
  const room = asked.room ?? client.rooms[0]
  if (room === undefined) return yield* reply(env, client, { _tag: "NoRoom" })
  // Only a member reads a room's past: the same rule as its present.
  if (!client.rooms.includes(room)) return yield* failed(env, client, "INVALID_TARGET", [asked.kind.toUpperCase(), room], "You are not in that channel")
  const entries = yield* messages(env, room, asked)
  if (entries === undefined) return yield* failed(env, client, "INVALID_PARAMS", [asked.kind.toUpperCase()], "That is no message id of this server")
  yield* reply(env, client, { _tag: "History", room, entries, asked: true })
})
