import * as Schema from "effect/Schema"
import { silenceChanges } from "../protocol/Silence.js"
import { cut } from "../protocol/Text.js"
import { Nick } from "../protocol/Names.js"
import { maxAccepted, maxRealNameBytes, userName } from "../protocol/Profile.js"
import type { Input } from "./Codec.js"
import { clean, nameIn } from "./IrcParse.js"
import { byteLength } from "./IrcLines.js"
import { command, invalid, usage } from "./IrcRoomInput.js"

/** IRC's commands about users: `AWAY`, `WHOIS`, `USERHOST`, `ISON`, `SETNAME`, `SILENCE` and `ACCEPT`; and what `USER` says. */

export const userCommands: ReadonlyArray<string> = ["AWAY", "WHOIS", "WHOWAS", "USERHOST", "ISON", "SETNAME", "SILENCE", "ACCEPT"]

/** `USER name mode unused :real name`: the name kept as a prefix may hold it (else the nickname stands for it). */
export const userOf = (user: string, realName: string): { readonly user?: string; readonly realName: string } => {
  const name = userName(user)
  const real = cut(clean(realName).trim(), maxRealNameBytes)
  return { ...(name === undefined ? {} : { user: name }), realName: real }
}

const isNick = Schema.is(Nick)

export const userCommand = (name: string, params: ReadonlyArray<string>): Input => {
  switch (name) {
    case "SETNAME": {
      const realName = clean(params[0] ?? "").trim()
      if (realName === "" || byteLength(realName) > maxRealNameBytes) {
        return invalid({ _tag: "Failed", command: "SETNAME", code: "INVALID_REALNAME", context: [], text: `A real name is 1 to ${maxRealNameBytes} bytes` })
      }
      return { _tag: "SetName", realName }
    }
    case "ACCEPT": {
      // `ACCEPT alice,-bob`; `ACCEPT *` (or nothing) lists them.
      const given = params[0] === undefined ? "" : nameIn(params[0])
      if (given === "" || given === "*") return command({ _tag: "Accept" })
      const changes = given.split(",").filter((part) => part !== "").slice(0, maxAccepted).map((part) => ({ on: !part.startsWith("-"), nick: part.replace(/^-/, "") }))
      const bad = changes.find((change) => !isNick(change.nick))
      return bad !== undefined ? invalid({ _tag: "NoSuchNick", nick: bad.nick }) : command({ _tag: "Accept", changes })
    }
    case "SILENCE": {
      // A mask with no sign is ircu's question for someone's list: hubbub shows only one's own.
      if (params[0] === undefined || params[0] === "" || !/^[-+]/.test(params[0])) return command({ _tag: "Silence" })
      const changes = silenceChanges(nameIn(params[0]))
      return changes === undefined ? usage("SILENCE") : command({ _tag: "Silence", changes })
    }
    case "AWAY":
      return params[0] === undefined || params[0] === "" ? { _tag: "Away" } : { _tag: "Away", text: clean(params[0]) }
    case "WHOIS": {
      // `WHOIS [server] nick[,nick]`: the nickname is the last parameter; the first of a list is answered.
      const nicks = params.length === 0 ? "" : nameIn(params[params.length - 1])
      const nick = nicks.split(",")[0]
      // 431, as for a NICK without one.
      return nick === "" ? usage("NICK") : command({ _tag: "Whois", nick })
    }
    case "WHOWAS": {
      const nick = params[0] === undefined ? "" : nameIn(params[0]).split(",")[0]
      const count = Number(params[1])
      if (nick === "") return usage("NICK")
      return command(Number.isInteger(count) && count > 0 ? { _tag: "Whowas", nick, count } : { _tag: "Whowas", nick })
    }
    default: {
      // `USERHOST a b c`, `ISON a b c` (or `ISON :a b c`): the nicknames, space-separated.
      const nicks = params.flatMap((p) => p.split(" ")).filter((n) => n !== "")
      return nicks.length === 0 ? usage(name) : command({ _tag: "Userhost", nicks, ...(name === "ISON" ? { ison: true } : {}) })
    }
  }
}
