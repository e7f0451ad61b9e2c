import type { Reply } from "../protocol/Reply.js"

type About = Extract<Reply, { readonly _tag: "About" }>

type Numeric = (code: string, rest: string) => string

/** What the server tells of itself, by the command that asks (a server named after it is this one). */
export const aboutCommands = {
  MOTD: "motd",
  VERSION: "version",
  TIME: "time",
  LUSERS: "lusers",
  ADMIN: "admin",
  INFO: "info",
  LINKS: "links",
  TRACE: "trace",
  MAP: "map"
} as const

/** The commands answered by `disabled`. */
export const disabledCommands: ReadonlySet<string> = new Set([
  "USERS",
  "SUMMON",
  "SERVLIST",
  "SQUERY",
  "SERVICE",
  "RULES",
  "SAJOIN",
  "SAPART",
  "SANICK",
  "SAMODE",
  "SAQUIT",
  "CONNECT",
  "SQUIT",
  "DIE",
  "RESTART",
  "REHASH"
])

/** The message of the day: `375`, a `372` a line, `376`; `422` when there is none. */
export const motd = (numeric: Numeric, server: string, lines: ReadonlyArray<string>): string =>
  lines.length === 0
    ? numeric("422", ":MOTD File is missing")
    : numeric("375", `:- ${server} Message of the day -`) + lines.map((line) => numeric("372", `:- ${line}`)).join("") +
      numeric("376", ":End of /MOTD command")

/** `MOTD`, `VERSION`, `TIME`, `LUSERS`, `ADMIN`, `INFO`, `LINKS`, `TRACE`, `MAP` and `STATS` but K, in their numerics. */
export const ircAbout = (numeric: Numeric, about: About, isupport: ReadonlyArray<string>): string => {
  const { server, version } = about
  switch (about.what) {
    case "motd":
      return motd(numeric, server, about.lines ?? [])
    case "info":
      return (about.lines ?? []).map((line) => numeric("371", `:${line}`)).join("") + numeric("374", ":End of /INFO list")
    case "version":
      return numeric("351", `hubbub-${version}. ${server} :a group chat server`) +
        isupport.map((line) => numeric("005", `${line} :are supported by this server`)).join("")
    case "time":
      return numeric("391", `${server} :${new Date(about.time ?? 0).toUTCString()}`)
    case "lusers": {
      const { local = 0, rooms = 0, servers = 1, users = 0 } = about
      const { maxLocal = local, maxUsers = users } = about
      return numeric("251", `:There are ${users} users and 0 invisible on ${servers} servers`) +
        numeric("254", `${rooms} :channels formed`) +
        numeric("255", `:I have ${local} clients and 1 servers`) +
        numeric("265", `${local} ${maxLocal} :Current local users ${local}, max ${maxLocal}`) +
        numeric("266", `${users} ${maxUsers} :Current global users ${users}, max ${maxUsers}`)
    }
    case "links":
      return numeric("364", `${server} ${server} :0 hubbub ${version}`) + numeric("365", "* :End of /LINKS list")
    case "trace":
      return numeric("262", `${server} hubbub-${version} :End of TRACE`)
    case "map":
      // 006 (RPL_MAP) a server, 007 (RPL_MAPEND): the servers behind one Redis are not linked to each other.
      return numeric("006", `:${server}`) + numeric("007", ":End of /MAP")
    case "uptime": {
      const seconds = about.uptime ?? 0
      const clock = [Math.floor(seconds / 3600) % 24, Math.floor(seconds / 60) % 60, seconds % 60].map((n) => String(n).padStart(2, "0")).join(":")
      return numeric("242", `:Server Up ${Math.floor(seconds / 86_400)} days ${clock}`) + numeric("219", "u :End of /STATS report")
    }
    case "stats":
      return numeric("219", `${about.query ?? "*"} :End of /STATS report`)
    case "admin":
      return numeric("256", `${server} :Administrative info`) +
        numeric("257", `:${server}, a hubbub ${version} server`) +
        numeric("258", ":Run by its server operators (WHOIS marks them)") +
        numeric("259", ":No email is kept")
  }
}

/** A command hubbub has no use for, answered as IRC servers that do not offer it answer it. */
export const disabled = (command: string, numeric: Numeric): string => {
  switch (command) {
    case "USERS":
      return numeric("446", ":USERS has been disabled")
    case "SUMMON":
      return numeric("445", ":SUMMON has been disabled")
    case "SERVLIST":
      return numeric("235", "* * :End of service listing")
    case "SQUERY":
      return numeric("408", "* :No such service (NickServ and ChanServ are reached with PRIVMSG)")
    case "SERVICE":
      // A service registers instead of a user (RFC 2812): a registered user may not again.
      return numeric("462", ":You may not reregister")
    case "RULES":
      return numeric("434", ":RULES File is missing (the MOTD says what this server expects)")
    case "SAJOIN":
    case "SAPART":
    case "SANICK":
    case "SAMODE":
    case "SAQUIT":
      return numeric("481", `:Permission Denied- ${command} is not supported on this server (server operators have KILL and KLINE)`)
    default:
      return numeric("481", `:Permission Denied- ${command} is not available: servers join through Redis, and are stopped and restarted as programs`)
  }
}
