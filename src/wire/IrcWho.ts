import { shownHost } from "../protocol/Names.js"
import type { Reply } from "../protocol/Reply.js"

type WhoList = Extract<Reply, { readonly _tag: "WhoList" }>
type Entry = WhoList["entries"][number]

/** WHOX's fields, in the order its `354` lines give them whatever order they were asked in. */
const order = "tcuihsnfdlaor"

/**
 * `WHO`'s answer: a `352` line a member (or, for WHOX's `%fields`, a `354` line of those fields),
 * then `315`. `server` is this server's name, for members with none of their own.
 */
export const whoLines = (numeric: (code: string, rest: string) => string, server: string, reply: WhoList): string => {
  const flags = (e: Entry) =>
    `${e.away ? "G" : "H"}${e.ircop ? "*" : ""}${e.bot ? "B" : ""}${e.operator ? "@" : ""}${e.voiced && (reply.multiPrefix || !e.operator) ? "+" : ""}`
  const fields = reply.fields === undefined ? undefined : [...order].filter((field) => reply.fields!.includes(field))
  const field = (e: Entry, letter: string): string => {
    switch (letter) {
      case "t":
        return reply.token ?? "0"
      case "c":
        return e.room ?? "*"
      case "u":
        return e.user ?? e.nick
      case "i":
        return "255.255.255.255"
      case "h":
        return shownHost
      case "s":
        return e.server ?? server
      case "n":
        return e.nick
      case "f":
        return flags(e)
      case "d":
      case "l":
        return "0"
      case "a":
        return e.account ?? "0"
      case "o":
        return "n/a"
      default:
        return `:${e.realName ?? e.nick}`
    }
  }
  const line = (e: Entry) =>
    fields === undefined
      ? numeric("352", `${e.room ?? "*"} ${e.user ?? e.nick} ${shownHost} ${e.server ?? server} ${e.nick} ${flags(e)} :0 ${e.realName ?? e.nick}`)
      : numeric("354", fields.map((letter) => field(e, letter)).join(" "))
  return reply.entries.map(line).join("") + numeric("315", `${reply.mask} :End of /WHO list`)
}
