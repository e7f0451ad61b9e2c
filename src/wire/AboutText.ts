import * as Duration from "effect/Duration"
import type { Reply } from "../protocol/Reply.js"

type About = Extract<Reply, { readonly _tag: "About" }>

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`

/** What the server says of itself, in words (`/motd`, `/version`; the page shows the same). */
export const aboutText = (about: About): string => {
  const { server, version } = about
  switch (about.what) {
    case "motd": {
      const lines = about.lines ?? []
      return lines.length === 0 ? `${server} has no message of the day.` : [`Message of the day of ${server}:`, ...lines.map((l) => `  ${l}`)].join("\n")
    }
    case "info":
      return (about.lines ?? []).join("\n")
    case "version":
      return `${server} runs hubbub ${version}.`
    case "time":
      return `Time on ${server}: ${new Date(about.time ?? 0).toUTCString()}`
    case "lusers":
      return `${plural(about.users ?? 0, "user")} on ${plural(about.servers ?? 1, "server")} (${about.local ?? 0} on this one), in ${plural(about.rooms ?? 0, "room")}.`
    case "admin":
      return `${server} runs hubbub ${version}; its server operators run it (WHOIS marks them).`
    case "uptime":
      return `${server} has been up for ${Duration.format(Duration.seconds(about.uptime ?? 0))}.`
    case "stats":
      return `${server} keeps no report ${about.query ?? ""}.`
    case "links":
    case "trace":
    case "map":
      return `${server} (hubbub ${version}); the servers behind the same Redis share its chat and are not linked otherwise.`
  }
}
