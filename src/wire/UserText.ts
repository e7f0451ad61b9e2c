import type { Reply } from "../protocol/Reply.js"
import { maxAccepted } from "../protocol/Profile.js"
import { maxSilenced } from "../protocol/Silence.js"
import { utc } from "./RoomText.js"

type UserReply = Extract<Reply, { readonly _tag: "AwayNote" | "AwayIs" | "WhoisIs" | "WhoisEnd" | "UserHosts" | "WasList" | "Silence" | "CallerId" }>

/** `/away`'s and `/whois`'s answers (and IRC's `USERHOST` and `ISON`), in words. */
export const userText = (reply: UserReply): string | undefined => {
  switch (reply._tag) {
    case "AwayNote":
      return reply.away ? "You are marked as away: whoever writes to you is told why." : "You are back."
    case "AwayIs":
      return `${reply.nick} is away: ${reply.text}`
    case "WhoisEnd":
      return undefined
    case "CallerId":
      return callerIdText(reply)
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

const callerIdText = (reply: Extract<Reply, { readonly _tag: "CallerId" }>): string => {
  const nick = reply.nick ?? ""
  switch (reply.what) {
    case "list":
      return (reply.nicks ?? []).length === 0 ? "You accept nobody's private messages yet." : `You accept private messages from: ${reply.nicks!.join(", ")}`
    case "added":
      return `You accept ${nick}'s private messages.`
    case "removed":
      return `You no longer accept ${nick}'s private messages.`
    case "already":
      return `You accept ${nick}'s private messages already.`
    case "absent":
      return `You did not accept ${nick}'s private messages.`
    case "full":
      return `You accept as many as you may (${maxAccepted}).`
    case "blocked":
      return `${nick} takes private messages only from those they accept: they are told you tried.`
    case "messaging":
      return `${nick} tried to send you a private message, which you do not accept (/accept ${nick} lets them).`
    case "on":
      return "Caller-id is on: only those you accept (/accept NICK) may send you private messages; you are told when someone else tries."
    case "off":
      return "Caller-id is off: anyone may send you private messages."
  }
}
