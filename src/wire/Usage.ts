/** The text protocol's usage lines (what `/help` and a misused command name) and its durations. */

/** The arguments each command needs, as `/help` and usage errors name them. */
const usage: Record<string, string> = {
  nick: "/nick NAME",
  join: "/join ROOM [KEY]",
  me: "/me ACTION",
  mode: "/mode [#ROOM] [+/-MODES [ARGS]]",
  op: "/op NICK",
  deop: "/deop NICK",
  voice: "/voice NICK",
  devoice: "/devoice NICK",
  kick: "/kick NICK [REASON]",
  ban: "/ban MASK [DURATION] [REASON]",
  quiet: "/quiet MASK [DURATION] [REASON]",
  unban: "/unban MASK",
  unquiet: "/unquiet MASK",
  kill: "/kill NICK [REASON]",
  wallops: "/wallops TEXT",
  kline: "/kline MASK|ADDRESS[/BITS] [DURATION] [REASON]",
  unkline: "/unkline MASK",
  invite: "/invite NICK [ROOM]",
  knock: "/knock ROOM [MESSAGE]",
  silence: "/silence [+MASK|-MASK]",
  accept: "/accept [on|off|NICK|-NICK]",
  room: "/room register | drop | info | op ACCOUNT | deop ACCOUNT  (then #ROOM, or yours)",
  chanserv: "ChanServ commands: REGISTER #ROOM, DROP #ROOM, INFO #ROOM, AMODE #ROOM +o ACCOUNT (or -o)",
  msg: "/msg NICK TEXT",
  whois: "/whois NICK",
  whowas: "/whowas NICK",
  history: "/history [COUNT]  (1 to 100)",
  register: "/register PASSWORD",
  identify: "/identify [NICK] PASSWORD",
  password: "/password OLD NEW",
  unregister: "/unregister PASSWORD"
}

/** `30s`, `10m`, `2h`, `7d`, `1w` (a bare number is minutes) as seconds, up to a year; `undefined` for anything else. */
export const durationSeconds = (text: string): number | undefined => {
  const parsed = /^(\d{1,6})([smhdw]?)$/.exec(text.toLowerCase())
  if (parsed === null) return undefined
  const unit = { s: 1, m: 60, "": 60, h: 3600, d: 86400, w: 604800 }[parsed[2] as "s" | "m" | "" | "h" | "d" | "w"]
  const seconds = Number(parsed[1]) * unit
  return seconds > 0 && seconds <= 365 * 86400 ? seconds : undefined
}

/** `/cmd ARGS` usage line for a command used wrongly. */
export const usageOf = (command: string): string => usage[command] ?? `/${command}`
