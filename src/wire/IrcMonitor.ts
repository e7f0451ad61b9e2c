import * as Schema from "effect/Schema"
import { maxMonitored, type Monitored } from "../protocol/MonitorReply.js"
import { Nick, nickKey, shownHost } from "../protocol/Names.js"
import type { Input } from "./Codec.js"
import { byteLength, ircLineBytes } from "./IrcLines.js"
import { command, invalid, usage } from "./IrcRoomInput.js"

const isNick = Schema.is(Nick)

/**
 * IRC's `MONITOR` (IRCv3 monitor) as a command: `+ a,b` and `- a,b` (each target once, ignoring
 * case; those that are no nickname are left out, as a watched target is one), `C`, `L` and `S`. A
 * line of targets is bounded by the line itself (510 bytes); a session's list, by `maxMonitored`.
 */
export const monitorCommand = (params: ReadonlyArray<string>): Input => {
  const action = (params[0] ?? "").toUpperCase()
  switch (action) {
    case "+":
    case "-": {
      const targets = params[1] ?? ""
      if (targets === "") return usage("MONITOR")
      const seen = new Set<string>()
      const nicks = targets.split(",").filter((nick) => {
        if (!isNick(nick) || seen.has(nickKey(nick))) return false
        seen.add(nickKey(nick))
        return true
      })
      return command({ _tag: "Monitor", action, nicks })
    }
    case "C":
    case "L":
    case "S":
      return command({ _tag: "Monitor", action })
    case "":
      return usage("MONITOR")
    default:
      return invalid({ _tag: "Failed", command: "MONITOR", code: "INVALID_PARAMS", context: [action], text: "MONITOR takes +, -, C, L or S" })
  }
}

type Numeric = (code: string, rest: string) => string

/** A comma list after `head` and before `tail`, in as many lines as keep each within 512 bytes. */
const packed = (numeric: Numeric, code: string, head: string, items: ReadonlyArray<string>, tail = ""): string => {
  const room = ircLineBytes - byteLength(numeric(code, head + tail))
  let out = ""
  let line = ""
  for (const item of items) {
    if (line !== "" && byteLength(line) + 1 + byteLength(item) > room) {
      out += numeric(code, head + line + tail)
      line = ""
    }
    line = line === "" ? item : `${line},${item}`
  }
  return line === "" ? out : out + numeric(code, head + line + tail)
}

/** `730` online (each `nick!user@host`), `731` offline, `732` the list then `733`, `734` those that did not fit. */
export const monitorLines = (numeric: Numeric, reply: Monitored): string => {
  switch (reply.what) {
    case "online":
      return packed(numeric, "730", ":", reply.nicks.map((nick) => `${nick}!${nick}@${shownHost}`))
    case "offline":
      return packed(numeric, "731", ":", reply.nicks)
    case "list":
      return packed(numeric, "732", ":", reply.nicks) + numeric("733", ":End of MONITOR list")
    case "full":
      return packed(numeric, "734", `${maxMonitored} `, reply.nicks, " :Monitor list is full.")
  }
}
