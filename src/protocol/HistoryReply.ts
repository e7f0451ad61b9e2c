import * as Schema from "effect/Schema"

/** What a room's past looks like to a client, and IRCv3's standard `FAIL` reply. */
const S = Schema.String
const N = Schema.Number

/**
 * A room's message from before one joined it: when it was sent (milliseconds since the epoch), by
 * whom; `id` its message id (none for what was kept before messages had ids).
 */
export const HistoryEntry = Schema.Struct({ at: N, from: S, text: S, action: Schema.optional(Schema.Boolean), id: Schema.optional(S) })
export type HistoryEntry = typeof HistoryEntry.Type
/** A room's messages, oldest first, for one who has just joined it, or (`asked`) in answer to `CHATHISTORY` or `/history`. */
export const History = Schema.TaggedStruct("History", { room: S, entries: Schema.Array(HistoryEntry), asked: Schema.optional(Schema.Boolean) })
/** The session's rooms that have messages in the time asked, each with its latest message's time. */
export const HistoryTargets = Schema.TaggedStruct("HistoryTargets", { entries: Schema.Array(Schema.Struct({ room: S, at: N })) })
/**
 * IRCv3's standard reply `FAIL`: `command` could not be done, for the reason `code` (upper case,
 * as the spec names it), about `context` (its parameters), explained in `text`.
 */
export const Failed = Schema.TaggedStruct("Failed", { command: S, code: S, context: Schema.Array(S), text: S })

/** A history entry as one line: `[12:03] <alice> text`, the time as the server's clock shows it. */
export const historyLine = (entry: HistoryEntry): string => {
  const time = new Date(entry.at).toTimeString().slice(0, 5)
  return entry.action ? `[${time}] * ${entry.from} ${entry.text}` : `[${time}] <${entry.from}> ${entry.text}`
}
