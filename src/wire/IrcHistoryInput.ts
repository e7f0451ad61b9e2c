import type { HistoryPoint } from "../protocol/Command.js"
import type { Input } from "./Codec.js"
import { roomOf } from "./IrcParse.js"
import { command, invalid } from "./IrcRoomInput.js"

/** How many parameters each `CHATHISTORY` subcommand takes, itself included. */
const subcommands = { LATEST: 4, BEFORE: 4, AFTER: 4, AROUND: 4, BETWEEN: 5, TARGETS: 4 } as const

const failed = (code: string, context: ReadonlyArray<string>, text: string): Input =>
  invalid({ _tag: "Failed", command: "CHATHISTORY", code, context, text })

/** `msgid=ID` or `timestamp=ISO`; `undefined` for neither. */
const pointOf = (param: string): HistoryPoint | undefined => {
  if (param.startsWith("msgid=") && param.length > 6) return { _tag: "Id", id: param.slice(6) }
  if (!param.startsWith("timestamp=")) return undefined
  const at = Date.parse(param.slice(10))
  return Number.isFinite(at) ? { _tag: "Time", at } : undefined
}

/** IRCv3's `CHATHISTORY` (draft/chathistory) as a command; what is wrong with it as a `FAIL`. */
export const chatHistory = (params: ReadonlyArray<string>): Input => {
  const sub = (params[0] ?? "").toUpperCase()
  if (!(sub in subcommands)) return failed("INVALID_PARAMS", [sub === "" ? "*" : sub], "Unknown CHATHISTORY subcommand")
  const kind = sub as keyof typeof subcommands
  if (params.length < subcommands[kind]) return failed("NEED_MORE_PARAMS", [kind], "Not enough parameters for CHATHISTORY")
  const limit = Number(params[subcommands[kind] - 1])
  if (!Number.isSafeInteger(limit) || limit < 1) return failed("INVALID_PARAMS", [kind], "The limit must be a whole number, 1 or more")
  const lower = kind.toLowerCase() as Lowercase<typeof kind>
  if (kind === "TARGETS") {
    const [from, to] = [pointOf(params[1]!), pointOf(params[2]!)]
    if (from?._tag !== "Time" || to?._tag !== "Time") return failed("INVALID_PARAMS", [kind], "TARGETS takes two timestamps")
    return command({ _tag: "ChatHistory", kind: lower, from, to, limit })
  }
  const target = params[1]!
  const room = roomOf(target)
  // Private messages are not kept: a query window asks, and is given nothing.
  if (!target.startsWith("#")) return { _tag: "Reply", reply: { _tag: "History", room: target, entries: [], asked: true } }
  if (room === undefined) return failed("INVALID_TARGET", [kind, target], "No such channel")
  const refs = params.slice(2, subcommands[kind] - 1)
  const points: Array<HistoryPoint> = []
  for (const ref of refs) {
    if (ref === "*" && kind === "LATEST") continue
    const point = pointOf(ref)
    if (point === undefined) return failed("INVALID_PARAMS", [kind, ref], "A reference is msgid=ID or timestamp=TIME")
    points.push(point)
  }
  const [from, to] = points
  return command({ _tag: "ChatHistory", kind: lower, room, ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }), limit })
}
