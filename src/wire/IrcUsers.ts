import { shownHost } from "../protocol/Names.js"
import type { Reply } from "../protocol/Reply.js"
import { byteLength, ircLineBytes, prefix } from "./IrcLines.js"
import { monitorLines } from "./IrcMonitor.js"

type UserReply = Extract<Reply, { readonly _tag: "AwayNote" | "AwayIs" | "WhoisIs" | "WhoisEnd" | "UserHosts" | "WasList" | "Monitored" }>

type Numeric = (code: string, rest: string) => string

/** Words joined by spaces into as few lines as fit in 512 bytes, each after `head`. */
const packed = (numeric: Numeric, head: string, words: ReadonlyArray<string>): string => {
  let out = ""
  let line = ""
  for (const word of words) {
    if (line !== "" && byteLength(numeric("000", `${head}${line} ${word}`)) > ircLineBytes) {
      out += numeric("319", `${head}${line}`)
      line = ""
    }
    line = line === "" ? word : `${line} ${word}`
  }
  return line === "" ? out : out + numeric("319", `${head}${line}`)
}

/** `AWAY`'s, `WHOIS`'s, `USERHOST`'s, `ISON`'s and `MONITOR`'s numerics, and a private message's away reply. */
export const ircUsers = (numeric: Numeric, reply: UserReply): string => {
  switch (reply._tag) {
    case "Monitored":
      return monitorLines(numeric, reply)
    case "AwayNote":
      return reply.away ? numeric("306", ":You have been marked as being away") : numeric("305", ":You are no longer marked as being away")
    case "AwayIs":
      return numeric("301", `${reply.nick} :${reply.text}`)
    case "WhoisEnd":
      return numeric("318", `${reply.nick} :End of /WHOIS list`)
    case "WasList":
      return (reply.entries.length === 0 ? numeric("406", `${reply.nick} :There was no such nickname`) : "") +
        reply.entries.map((e) =>
          numeric("314", `${e.nick} ${e.user} ${shownHost} * :${e.realName}`) + numeric("312", `${e.nick} ${e.server} :${new Date(e.at).toUTCString()}`)
        ).join("") +
        numeric("369", `${reply.nick} :End of WHOWAS`)
    case "UserHosts":
      return reply.ison
        ? numeric("303", `:${reply.entries.map((e) => e.nick).join(" ")}`)
        : numeric("302", `:${reply.entries.map((e) => `${e.nick}${e.operator ? "*" : ""}=${e.away ? "-" : "+"}${e.user}@${shownHost}`).join(" ")}`)
    case "WhoisIs": {
      const { nick } = reply
      return numeric("311", `${nick} ${reply.user} ${shownHost} * :${reply.realName}`) +
        (reply.rooms.length === 0 ? "" : packed(numeric, `${nick} :`, reply.rooms)) +
        numeric("312", `${nick} ${reply.server} :hubbub`) +
        (reply.away === undefined ? "" : numeric("301", `${nick} :${reply.away}`)) +
        (reply.operator ? numeric("313", `${nick} :is an IRC operator`) : "") +
        (reply.bot ? numeric("335", `${nick} :is a bot`) : "") +
        (reply.secure ? numeric("671", `${nick} :is using a secure connection`) : "") +
        (reply.account === undefined ? "" : numeric("330", `${nick} ${reply.account} :is logged in as`)) +
        (reply.idle === undefined ? "" : numeric("317", `${nick} ${reply.idle} ${reply.signon} :seconds idle, signon time`))
    }
  }
}

/** `SILENCE`'s answers, as ircu and Unreal give them: 271 a mask, 272 the end; a change echoed from the client; 511 a full list. */
export const ircSilence = (numeric: Numeric, nick: string, reply: Extract<Reply, { readonly _tag: "Silence" }>): string => {
  switch (reply.what) {
    case "list":
      return (reply.masks ?? []).map((mask) => numeric("271", `${nick} ${mask}`)).join("") + numeric("272", ":End of Silence List")
    case "added":
    case "removed":
      return `${prefix(nick)} SILENCE ${reply.what === "added" ? "+" : "-"}${reply.mask}\r\n`
    case "full":
      return numeric("511", `${reply.mask} :Your silence list is full`)
  }
}

/** Caller-id's numerics, as solanum gives them: 281/282 the accept list, 456-458 its refusals, 716/717 to a blocked sender, 718 to its target. */
export const ircCallerId = (numeric: Numeric, reply: Extract<Reply, { readonly _tag: "CallerId" }>): string => {
  const nick = reply.nick ?? "*"
  switch (reply.what) {
    case "list":
      return ((reply.nicks ?? []).length === 0 ? "" : numeric("281", (reply.nicks ?? []).join(" "))) + numeric("282", ":End of /ACCEPT list")
    case "added":
    case "removed":
    case "on":
    case "off":
      return ""
    case "already":
      return numeric("457", `${nick} :is already on your accept list`)
    case "absent":
      return numeric("458", `${nick} :is not on your accept list`)
    case "full":
      return numeric("456", ":Accept list is full")
    case "blocked":
      return numeric("716", `${nick} :is in +g mode (server-side ignore.)`) + numeric("717", `${nick} :has been informed that you messaged them.`)
    case "messaging":
      return numeric("718", `${nick} ${prefix(nick).slice(1)} :is messaging you, and you have umode +g.`)
  }
}
