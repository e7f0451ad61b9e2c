import * as Schema from "effect/Schema"

/** The replies about modes: a room's or a nickname's, their changes refused, a room's ban and quiet lists; knocks on it. */
const S = Schema.String
const N = Schema.Number

/**
 * A room's or a nickname's modes (`+iklmnst`), the key and limit in `params`; `created`, in seconds
 * since the epoch, for a room; `changed`: a nickname's modes just changed, `modes` the change (`+B`).
 */
export const Modes = Schema.TaggedStruct("Modes", {
  target: S,
  modes: S,
  params: Schema.optional(Schema.Array(S)),
  created: Schema.optional(N),
  changed: Schema.optional(Schema.Boolean)
})
/** A mode hubbub does not have, or a mode of another nickname. */
export const NoSuchMode = Schema.TaggedStruct("NoSuchMode", { target: S, mode: S })
/** A room's bans (`b`) or quiets (`q`): each mask, who set it and when (ms since the epoch), why, until when. */
export const BanList = Schema.TaggedStruct("BanList", {
  room: S,
  kind: Schema.Literals(["b", "q"]),
  entries: Schema.Array(Schema.Struct({
    mask: S,
    by: S,
    at: N,
    reason: Schema.optional(S),
    expires: Schema.optional(N)
  }))
})
/** A room's ban (`b`) or quiet (`q`) list holds all it may (`maxBans`): IRC's 478. */
export const BanListFull = Schema.TaggedStruct("BanListFull", { room: S, mode: Schema.Literals(["b", "q"]) })
/** No ban (`b`) or quiet (`q`) of the room has that mask: nothing to take out. */
export const NotBanned = Schema.TaggedStruct("NotBanned", { room: S, mask: S, mode: Schema.Literals(["b", "q"]) })
/** A mode's parameter it does not take (IRC's 696): a key (shown as `*`) or a limit (`param` as given). */
export const InvalidModeParam = Schema.TaggedStruct("InvalidModeParam", { target: S, mode: S, param: S })

/** What a mode's parameter has to be, as an invalid one is answered. */
export const modeParamRule = (mode: string): string =>
  mode === "k"
    ? "A key is 1 to 23 printable characters, with no space, comma or colon"
    : mode === "l"
    ? "A limit is a whole number of members from 1 to 100000"
    : "Invalid mode parameter"

/**
 * A knock (IRC's `KNOCK`): `asked`, to each of the room's operators, `nick` asks to be invited in,
 * saying `text`; to the knocker, `delivered`, or refused: the room is
 * `open` (it may just join), it is a `member` already, or it knocked too `often`.
 */
export const Knock = Schema.TaggedStruct("Knock", {
  room: S,
  what: Schema.Literals(["asked", "delivered", "open", "member", "often"]),
  nick: Schema.optional(S),
  text: Schema.optional(S),
  /** What knocked too often: the session or its address (`user`), or the room was knocked on (`channel`). */
  limit: Schema.optional(Schema.Literals(["user", "channel"]))
})
export type Knock = typeof Knock.Type
