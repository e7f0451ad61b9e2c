/** IRC's HELP (and HELPOP): modern.ircdocs.horse's 704 RPL_HELPSTART, 705 RPL_HELPTXT, 706 RPL_ENDOFHELP, 524 ERR_HELPNOTFOUND. */

/** The lines `HELP` without a subject answers. */
export const helpLines = [
  "hubbub speaks IRC: JOIN, PART, PRIVMSG, NOTICE, NAMES, TOPIC, WHO, LIST, MODE (+iklmnst, +o, +v), KICK, INVITE, KNOCK, PING, QUIT,",
  "WHOIS, WHOWAS, AWAY, SILENCE, ACCEPT, USERHOST, ISON, MONITOR, MOTD, VERSION, TIME, LUSERS, ADMIN, INFO, MAP, STATS u; server operators: OPER, KILL, KLINE, UNKLINE, STATS K, WALLOPS.",
  "Channels are hubbub's rooms: #lobby is everyone's, whatever they connect with.",
  "Accounts: /msg NickServ REGISTER PASSWORD, /msg NickServ IDENTIFY [NICK] PASSWORD (also LOGOUT, PASSWD OLD NEW, DROP PASSWORD).",
  "Registered channels: /msg ChanServ REGISTER #CHANNEL (also DROP, INFO, AMODE #CHANNEL +o ACCOUNT).",
  "HELP <command> tells more of one command."
]

/** One line for each command `HELP <command>` knows. */
const topics: Record<string, string> = {
  JOIN: "JOIN <#channel>{,<#channel>} [<key>{,<key>}]: joins channels; JOIN 0 parts them all.",
  PART: "PART <#channel>{,<#channel>} [:<reason>]: leaves channels.",
  PRIVMSG: "PRIVMSG <target>{,<target>} :<text>: sends a message to channels (@#channel, +#channel: their operators, voiced) or nicknames.",
  NOTICE: "NOTICE <target>{,<target>} :<text>: as PRIVMSG, never answered with an error.",
  TAGMSG: "TAGMSG <target>: sends tags alone (IRCv3 message-tags).",
  NAMES: "NAMES [<#channel>{,<#channel>}]: who is in a channel.",
  TOPIC: "TOPIC <#channel> [:<topic>]: shows a channel's topic, sets it, or clears it with an empty one.",
  WHO: "WHO <mask> [%<fields>[,<token>]]: who is in a channel, or matches a mask (WHOX).",
  LIST: "LIST [<#channel>{,<#channel>}|<mask>|!<mask>|>N|<N]: the channels with members.",
  MODE: "MODE <#channel> [+/-<modes> [<params>]]: a channel's modes (i, k, l, m, n, s, t, o, v, b, q); MODE <nick> [+/-B]: yours (B: a bot).",
  KICK: "KICK <#channel> <nick>{,<nick>} [:<reason>]: puts members out of a channel.",
  INVITE: "INVITE <nick> <#channel>: invites someone into a channel.",
  KNOCK: "KNOCK <#channel> [:<message>]: asks the operators of an invite-only, keyed or full channel to invite you (once a minute).",
  PING: "PING <token>: answered with PONG and the token.",
  QUIT: "QUIT [:<reason>]: ends the connection.",
  WHOIS: "WHOIS <nick>: who someone is.",
  WHOWAS: "WHOWAS <nick> [<count>]: who held a nickname.",
  AWAY: "AWAY [:<message>]: says you are away, or back without a message.",
  ACCEPT: "ACCEPT [<nick>|-<nick>{,...}|*]: with user mode +g (caller-id), whose private messages you take; * lists them.",
  SILENCE: "SILENCE [+<mask>|-<mask>{,...}]: your silence list (its senders' private messages, notices and invites are dropped), or a change to it.",
  SETNAME: "SETNAME :<realname>: changes your real name (IRCv3 setname).",
  USERHOST: "USERHOST <nick>{ <nick>}: who they are.",
  ISON: "ISON <nick>{ <nick>}: who of them is online.",
  MONITOR: "MONITOR +|-<nick>{,<nick>}, MONITOR C|L|S: watches nicknames come and go.",
  MOTD: "MOTD: the message of the day.",
  VERSION: "VERSION: the server's version.",
  TIME: "TIME: the server's time.",
  LUSERS: "LUSERS: how many are connected.",
  ADMIN: "ADMIN: who runs the server.",
  INFO: "INFO: about the server.",
  OPER: "OPER <name> <password>: server operator powers, for an identified operator's account.",
  KILL: "KILL <nick> [:<reason>]: disconnects someone (server operators).",
  KLINE: "KLINE [<duration>] <mask> [:<reason>]: bans from the server (server operators); UNKLINE <mask> lifts it.",
  WALLOPS: "WALLOPS :<text>: a message to every server operator, and to users who set +w (server operators).",
  CHATHISTORY: "CHATHISTORY LATEST|BEFORE|AFTER|AROUND|BETWEEN|TARGETS ...: a channel's past messages (IRCv3 chathistory).",
  HELP: "HELP [<command>]: this help."
}

/** `HELP [subject]` as lines: `numeric(code, rest)` writes one to the session. */
export const ircHelp = (numeric: (code: string, rest: string) => string, subject: string | undefined): string => {
  const key = subject?.toUpperCase()
  if (key === undefined || key === "" || key === "INDEX") {
    return numeric("704", "index :hubbub help") + helpLines.map((line) => numeric("705", `index :${line}`)).join("") +
      numeric("706", "index :End of /HELP")
  }
  // The subject as a word, so that the line parses (`*` for anything else).
  const shown = /^[!-9;-~][!-~]*$/.test(subject!) ? subject!.slice(0, 32) : "*"
  const topic = topics[key]
  if (topic === undefined) return numeric("524", `${shown} :No help available on this topic`)
  return numeric("704", `${shown} :${topic}`) + numeric("706", `${shown} :End of /HELP`)
}
