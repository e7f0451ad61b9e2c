import type { Reply } from "../protocol/Reply.js"

type About = Extract<Reply, { readonly _tag: "About" }>

type Numeric = (code: string, rest: string) => string

/** The message of the day: `375`, a `372` a line, `376`; `422` when there is none. */
export const motd = (numeric: Numeric, server: string, lines: ReadonlyArray<string>): string =>
  lines.length === 0
    ? numeric("422", ":MOTD File is missing")
    : numeric("375", `:- ${server} Message of the day -`) + lines.map((line) => numeric("372", `:- ${line}`)).join("") +
      numeric("376", ":End of /MOTD command")

/** `MOTD`, `VERSION`, `TIME`, `LUSERS`, `ADMIN` and `INFO`, in their numerics. */
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
      return numeric("251", `:There are ${users} users and 0 invisible on ${servers} servers`) +
        numeric("254", `${rooms} :channels formed`) +
        numeric("255", `:I have ${local} clients and 1 servers`) +
        numeric("265", `${local} ${local} :Current local users ${local}, max ${local}`) +
        numeric("266", `${users} ${users} :Current global users ${users}, max ${users}`)
    }
    case "admin":
      return numeric("256", `${server} :Administrative info`) +
        numeric("257", `:${server}, a hubbub ${version} server`) +
        numeric("258", ":Run by its server operators (WHOIS marks them)") +
        numeric("259", ":No email is kept")
  }
}
