import type { Reply } from "../protocol/Reply.js"
import { maxSilenced } from "../protocol/Silence.js"
import { utc } from "./RoomText.js"

type UserReply = Extract<Reply, { readonly _tag: "AwayNote" | "AwayIs" | "WhoisIs" | "WhoisEnd" | "UserHosts" | "WasList" | "Silence" }>

/** `/away`'s and `/whois`'s answers (and IRC's `USERHOST` and `ISON`), in words. */
export const userText = (reply: UserReply): string | undefined => {
  switch (reply._tag) {
    case "AwayNote":
      return reply.away ? "You are marked as away: whoever writes to you is told why." : "You are back."
    case "AwayIs":
      return `${reply.nick} is away: ${reply.text}`
    case "WhoisEnd":
      return undefined
    case "Silence":
      return reply.what === "list"
        ? (reply.masks ?? []).length === 0 ? "You silence nobody." : `You silence: ${reply.masks!.join(", ")}`
        : reply.what === "added"
        ? `You silence ${reply.mask}: their private messages, notices and invitations no longer reach you.`
        : reply.what === "removed"
        ? `You no longer silence ${reply.mask}.`
        : `You silence as many as you may (${maxSilenced}): /silence -MASK first.`
    case "WasList":
      return reply.entries.length === 0
        ? `Nobody was called ${reply.nick} lately.`
        : reply.entries.map((e) => `${e.nick} was ${e.user} (${e.realName}), on ${e.server}, until ${utc(e.at)}`).join("\n")
    case "UserHosts":
      return reply.entries.length === 0
        ? "None of them is here."
        : `Here: ${reply.entries.map((e) => `${e.nick}${e.away ? " (away)" : ""}`).join(", ")}`
    case "WhoisIs":
      return [
        `${reply.nick} is ${reply.user} (${reply.realName}), on ${reply.server} since ${utc(reply.signon * 1000)}` +
        (reply.idle === undefined ? "" : `, idle ${reply.idle} s`),
        ...(reply.account === undefined ? [] : [`  identified as ${reply.account}`]),
        ...(reply.bot ? ["  is a bot"] : []),
        ...(reply.rooms.length === 0 ? [] : [`  in ${reply.rooms.join(", ")}`]),
        ...(reply.away === undefined ? [] : [`  away: ${reply.away}`]),
        ...(reply.operator ? ["  a server operator"] : []),
        ...(reply.secure ? ["  connected over TLS"] : [])
      ].join("\n")
  }
}
