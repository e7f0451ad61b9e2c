import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type { Registration } from "../protocol/Modes.js"
import type { HistoryEntry } from "../protocol/Reply.js"
import type { TopicSetter } from "../protocol/Topic.js"

/** One message kept in a room's history. */
export interface StoredLine {
  readonly room: string
  /** When it was published, in milliseconds since the epoch. */
  readonly at: number
  readonly from: string
  readonly text: string
  readonly action: boolean
  /** Its message id; none for a line kept before lines had ids. */
  readonly id?: string
}

export type { LineRange } from "../protocol/HistoryRange.js"

/** A registered account: its name is the nickname it protects. */
export interface Account {
  /** The nickname as it was registered (its case kept); accounts are unique ignoring case. */
  readonly name: string
  /** The password's hash with its parameters (`Password.hash`), never the password. */
  readonly password: string
  /** When it was registered, in milliseconds since the epoch. */
  readonly created: number
}

/** A server ban (`/kline`, the console's `ban`): whom it is for, why, who set it and when, and until when. */
export interface ServerBan {
  /** As `normalizeServerMask` keeps it: an address, a network (`10.0.0.0/8`), a mask or `~a:ACCOUNT`. */
  readonly mask: string
  readonly reason: string
  readonly by: string
  /** When it was set, and when it runs out (`undefined`: never), in milliseconds since the epoch. */
  readonly at: number
  readonly expires: number | undefined
}

/** One write to a room's record, in the order they happened. */
export type RoomWrite =
  | ({ readonly _tag: "Line" } & StoredLine)
  | { readonly _tag: "Topic"; readonly room: string; readonly topic: string | undefined; readonly at: number; readonly by?: string }

/**
 * Writes in the order they happened, a column a field (no object a message: a busy room writes
 * tens of thousands a second), in parts of a few thousand: V8 grows an array past about 16,000
 * elements some thirty times slower a push than a smaller one (measured: 89 against 3 ns), and a
 * busy room's half second is 35,000 lines. `PendingWrites` makes them, and `PendingWrites.of`
 * from a list.
 */
export interface RoomWrites {
  readonly parts: ReadonlyArray<WritesPart>
  /** How many writes the parts hold. */
  readonly length: number
}

/**
 * Part of {@link RoomWrites}: its `i`th write (of `length`) is a line, an action or a topic (`text`
 * undefined: cleared) in `room(i)`, at `at(i)`.
 */
export interface WritesPart {
  readonly length: number
  readonly kind: (i: number) => WriteKind
  readonly room: (i: number) => string
  readonly at: (i: number) => number
  /** The sender; for a topic, who set it (empty: not known). */
  readonly from: (i: number) => string
  readonly text: (i: number) => string | undefined
  /** The message's id; empty for a topic or a line without one. */
  readonly id: (i: number) => string
  /**
   * `text` and `id` for a reader done with them before the part is (packing a row): cheaper, as
   * they share one string with the part's other texts, which each keeps alive while it lives.
   */
  readonly peekText: (i: number) => string | undefined
  readonly peekId: (i: number) => string
}

export const WriteKind = { line: 0, action: 1, topic: 2 } as const
export type WriteKind = typeof WriteKind[keyof typeof WriteKind]

/** What a room kept: its topic (who set it and when, when kept) and its last messages, oldest first. */
export interface RoomRecord {
  readonly topic: string | undefined
  readonly topicSetter?: TopicSetter | undefined
  readonly history: ReadonlyArray<HistoryEntry>
}

export class Unreachable extends Schema.TaggedClass<Unreachable>()("Unreachable", { detail: Schema.String }) {}
export class Unreadable extends Schema.TaggedClass<Unreadable>()("Unreadable", { detail: Schema.String }) {}
export class Locked extends Schema.TaggedClass<Locked>()("Locked", { path: Schema.String }) {}
export class NewerSchema extends Schema.TaggedClass<NewerSchema>()("NewerSchema", {
  found: Schema.Number,
  known: Schema.Number,
  writtenBy: Schema.String,
  running: Schema.String
}) {}
export class Failed extends Schema.TaggedClass<Failed>()("Failed", { operation: Schema.String, detail: Schema.String }) {}

/** What went wrong with the store, and why; its message is one line for the operator. */
export class StoreError extends Schema.TaggedError<StoreError>()("StoreError", {
  /** Where: the database file, or the Postgres server (never its password). */
  where: Schema.String,
  reason: Schema.Union([Unreachable, Unreadable, Locked, NewerSchema, Failed])
}) {
  override get message(): string {
    const reason = this.reason
    switch (reason._tag) {
      case "Unreachable":
        return `cannot reach the database ${this.where}: ${reason.detail}`
      case "Unreadable":
        return `cannot read the database ${this.where}: ${reason.detail} (restore it from a backup, or move it away to start afresh)`
      case "Locked":
        return `the data folder ${reason.path} is in use by another hubbub (one server per folder; give this one its own --data-dir)`
      case "NewerSchema":
        return `the database ${this.where} was written by hubbub ${reason.writtenBy} (schema ${reason.found}); ` +
          `this is hubbub ${reason.running} (schema ${reason.known}): run that version or newer, or restore a backup`
      case "Failed":
        return `the database ${this.where} failed to ${reason.operation}: ${reason.detail}`
    }
  }
}

/**
 * What hubbub keeps: accounts, server bans, registered rooms, and each room's topic and history. Nothing
 * here is on a message's way: the hub writes through `RoomArchive`, in
 * batches, and reads only when a room comes back to life.
 *
 * The contract every store keeps (`test/store/contract.ts` checks it):
 * - writes are applied in the order given; a room's history comes back
 *   oldest first, the last `limit` of it; `lines` gives a range of it, oldest first;
 * - rooms and accounts are found ignoring case (`#Room` is `#room`);
 * - an account name is registered once: a second `createAccount` is `false`;
 * - a server ban is kept by its mask (exactly as given): a second with that mask replaces the first;
 * - a registered room is kept by its name (ignoring case): registered once, its settings saved in
 *   place of what it had, and never saved back once dropped.
 *
 * Its layers come with their implementations: `StoreMemory.layer` (nothing
 * on disk), `StoreSqlite.layer` (a data folder), `StorePostgres.layer`.
 */
export class Store extends Context.Service<Store, {
  /** What it is, for the log: `memory`, the SQLite file, or the Postgres server. */
  readonly describe: string
  /** Whether other servers write to it too (Postgres): then what this one remembers of it may be out of date. */
  readonly shared: boolean
  readonly write: (writes: RoomWrites) => Effect.Effect<void, StoreError>
  readonly room: (room: string, limit: number) => Effect.Effect<RoomRecord, StoreError>
  /** A room's lines in `range`, oldest first: what `CHATHISTORY` and `/history` page through. */
  readonly lines: (room: string, range: import("../protocol/HistoryRange.js").LineRange) => Effect.Effect<ReadonlyArray<HistoryEntry>, StoreError>
  /** Forgets the messages published before `before` (milliseconds since the epoch); how many went. */
  readonly prune: (before: number) => Effect.Effect<number, StoreError>
  /** `false` when an account of that name (ignoring case) exists already. */
  readonly createAccount: (account: Account) => Effect.Effect<boolean, StoreError>
  readonly account: (name: string) => Effect.Effect<Account | undefined, StoreError>
  /** `false` when there is no such account. */
  readonly setPassword: (name: string, password: string) => Effect.Effect<boolean, StoreError>
  /** `false` when there is no such account. */
  readonly deleteAccount: (name: string) => Effect.Effect<boolean, StoreError>
  /** Whether the store answers (`SELECT 1`): what `/readyz` asks. */
  readonly ping: Effect.Effect<void, StoreError>
  /** Every account's name: what the server protects, looked up in memory. */
  readonly accountNames: Effect.Effect<ReadonlyArray<string>, StoreError>
  /** Every server ban not run out at `now` (those that have are forgotten), oldest first. */
  readonly serverBans: (now: number) => Effect.Effect<ReadonlyArray<ServerBan>, StoreError>
  /** Sets a server ban, in place of one with the same mask. */
  readonly addServerBan: (ban: ServerBan) => Effect.Effect<void, StoreError>
  /** `false` when no ban has that mask. */
  readonly removeServerBan: (mask: string) => Effect.Effect<boolean, StoreError>
  /** Every registered room. */
  readonly registeredRooms: Effect.Effect<ReadonlyArray<Registration>, StoreError>
  /** Registers a room: `false` when it (ignoring case) is registered already. */
  readonly registerRoom: (registration: Registration) => Effect.Effect<boolean, StoreError>
  /** Keeps a registered room's settings anew (in place of what it had): `false` when it is registered no more. */
  readonly saveRoom: (registration: Registration) => Effect.Effect<boolean, StoreError>
  /** `false` when the room (ignoring case) was not registered. */
  readonly dropRoom: (room: string) => Effect.Effect<boolean, StoreError>
}>()("hubbub/Store") {}

/** How rooms and accounts are compared: ignoring case, as nicknames and rooms are. */
export const storeKey = (name: string): string => name.toLowerCase()
