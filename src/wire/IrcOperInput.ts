import type { Input } from "./Codec.js"
import { clean, nameIn } from "./IrcParse.js"
import { command, usage } from "./IrcRoomInput.js"
import { durationSeconds } from "./Usage.js"

/** IRC's commands for server operators: `KILL`, `KLINE`, `UNKLINE`, `STATS K`, `OPER` and `WALLOPS`. */
export const operCommand = (name: string, params: ReadonlyArray<string>): Input => {
  const target = params[0] === undefined ? undefined : nameIn(params[0])
  switch (name) {
    case "KILL":
      if (target === undefined || target === "") return usage("KILL")
      return command(params[1] === undefined || params[1] === "" ? { _tag: "Kill", nick: target } : { _tag: "Kill", nick: target, reason: clean(params[1]) })
    case "STATS": {
      // K (the server bans, for server operators) and u (the uptime) are kept; any other letter's report is empty.
      const query = (target ?? "").slice(0, 1)
      if (!/^[A-Za-z]$/.test(query)) return usage("STATS")
      if (query.toUpperCase() === "K") return command({ _tag: "KLines" })
      return query === "u" ? { _tag: "About", what: "uptime" } : { _tag: "About", what: "stats", query }
    }
    case "OPER":
      return params.length < 2 ? usage("OPER") : command({ _tag: "Oper", name: params[0], password: params[1] })
    case "WALLOPS":
      return params[0] === undefined || clean(params[0]).trim() === "" ? usage("WALLOPS") : command({ _tag: "Wallops", text: clean(params[0]) })
    default:
      return serverBan(name, params)
  }
}

/**
 * `KLINE [DURATION] MASK :REASON` (charybdis's order) or `KLINE MASK [DURATION] :REASON`
 * (InspIRCd's), a duration of `0` for ever; `UNKLINE MASK`.
 */
const serverBan = (name: string, params: ReadonlyArray<string>): Input => {
  const [first = "", second = "", third] = params.map(clean)
  if (first === "") return usage(name)
  if (name === "UNKLINE") return command({ _tag: "KLine", mask: first, on: false })
  const forever = (text: string) => text === "0"
  const timeFirst = params.length >= 2 && (forever(first) || durationSeconds(first) !== undefined)
  const [mask, time, reason] = timeFirst ? [second, first, third] : params.length >= 3 ? [first, second, third] : [first, "", second]
  const seconds = time === "" || forever(time) ? undefined : durationSeconds(time)
  if (mask === "" || (time !== "" && !forever(time) && seconds === undefined)) return usage(name)
  return command({ _tag: "KLine", mask, on: true, ...(seconds === undefined ? {} : { seconds }), ...(reason === undefined || reason === "" ? {} : { reason }) })
}
