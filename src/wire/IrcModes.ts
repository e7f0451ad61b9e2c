import { modeParamRule } from "../protocol/ModeReply.js"
import type { Reply } from "../protocol/Reply.js"
import { one, prefix } from "./IrcLines.js"

type ModeReply = Extract<Reply, { readonly _tag: "Modes" | "NoSuchMode" | "InvalidModeParam" | "BanList" | "BanListFull" | "CannotJoin" }>

/** A refused join's numeric, and the mode that refused it. */
const cannotJoin = {
  invite: { code: "473", mode: "+i" },
  key: { code: "475", mode: "+k" },
  full: { code: "471", mode: "+l" },
  banned: { code: "474", mode: "+b" }
} as const

/** The IRC numerics about modes: `numeric(code, rest)` writes one to the session. */
export const ircModes = (numeric: (code: string, rest: string) => string, nick: string | undefined, reply: ModeReply): string => {
  switch (reply._tag) {
    case "Modes": {
      // A nickname's own change is echoed as a MODE from it (IRCv3 bot-mode's `+B`).
      if (reply.changed === true) return `${prefix(nick ?? reply.target)} MODE ${reply.target} :${reply.modes}\r\n`
      if (!reply.target.startsWith("#")) return numeric("221", reply.modes)
      const shown = numeric("324", [reply.target, reply.modes, ...(reply.params ?? [])].join(" "))
      return reply.created === undefined ? shown : shown + numeric("329", `${reply.target} ${reply.created}`)
    }
    case "NoSuchMode":
      return reply.target.startsWith("#")
        ? numeric("472", `${reply.mode} :is unknown mode char to me`)
        : numeric("502", ":Can't change mode for other users")
    case "InvalidModeParam":
      return numeric("696", `${reply.target} ${reply.mode} ${reply.param} :${modeParamRule(reply.mode)}`)
    case "BanList":
      return reply.kind === "b"
        ? reply.entries.map((e) => numeric("367", `${reply.room} ${e.mask} ${e.by} ${Math.floor(e.at / 1000)}`)).join("") +
          numeric("368", `${reply.room} :End of channel ban list`)
        : reply.entries.map((e) => numeric("728", `${reply.room} q ${e.mask} ${e.by} ${Math.floor(e.at / 1000)}`)).join("") +
          numeric("729", `${reply.room} q :End of channel quiet list`)
    case "BanListFull":
      return numeric("478", `${reply.room} ${reply.mode} :Channel list is full`)
    case "CannotJoin":
      return numeric(cannotJoin[reply.why].code, `${reply.room} :Cannot join channel (${cannotJoin[reply.why].mode})`)
  }
}

/** A knock's numerics (710 to the room's operators; 711 to the knocker, or 712 to 714 refused), as solanum gives them. */
export const ircKnock = (server: string, nick: string | undefined, reply: Extract<Reply, { readonly _tag: "Knock" }>): string => {
  const head = (code: string) => `:${server} ${code} ${nick ?? "*"} ${reply.room} `
  switch (reply.what) {
    case "asked":
      return one(`${head("710")}${prefix(reply.nick ?? "*").slice(1)} :`, `has asked for an invite${reply.text === undefined ? "" : `: ${reply.text}`}`)
    case "delivered":
      return `${head("711")}:Your KNOCK has been delivered.\r\n`
    case "often":
      return `${head("712")}:Too many KNOCKs (${reply.limit ?? "user"}).\r\n`
    case "open":
      return `${head("713")}:Channel is open.\r\n`
    case "member":
      return `${head("714")}:You're already on that channel.\r\n`
  }
}
