import type { Event } from "../protocol/Event.js"
import type { Reply } from "../protocol/Reply.js"
import type { Format } from "./Codec.js"
import { action, lines, one, prefix } from "./IrcLines.js"

/**
 * What a tagged connection's capabilities add to its lines, as bits of its codec variant:
 * `server-time` (`@time=`), `message-tags` (`msgid`, client-only tags, `TAGMSG`), `batch`
 * (history as a `chathistory` batch), `account-tag` (`@account=` of an identified sender) and
 * `extended-join` (a `JOIN` with the account and real name).
 */
export const TagBits = { time: 1, tags: 2, batch: 4, account: 8, extendedJoin: 16 } as const

/** What a client's tags may weigh (IRCv3 message-tags): client-only tags, and all of them with `@` and the space. */
export const tagLimits = { client: 4094, all: 8191 } as const

const clientTag = /^\+(?:[A-Za-z0-9.-]+\/)?[A-Za-z0-9-]+$/
/** What no tag value holds as sent (escaped, they are `\\s`, `\\r`, ...): control characters. */
export const control = /[\x00-\x1f\x7f]/

/**
 * The client-only tags (`+name` or `+name=value`) of a line's tag section (without its `@`), as
 * sent, to relay; `undefined` when it has none. Other tags are the server's to set: left out.
 */
export const clientTags = (section: string): string | undefined => {
  let kept: string | undefined = undefined
  for (const tag of section.split(";")) {
    if (tag.charCodeAt(0) !== 43) continue
    const equals = tag.indexOf("=")
    const name = equals === -1 ? tag : tag.slice(0, equals)
    if (!clientTag.test(name) || control.test(tag)) continue
    // An empty value is no value.
    const shown = equals === tag.length - 1 ? name : tag
    kept = kept === undefined ? shown : `${kept};${shown}`
  }
  return kept
}

/**
 * Each line of `text` with `tags` in front of it; a message split into several lines (a text
 * client's long line) has its `msgid` on the first only, as ids are unique.
 */
const tagged = (tags: string, text: string): string => {
  const end = text.indexOf("\r\n")
  if (end === text.length - 2) return `@${tags} ${text}`
  const rest = tags.replace(/(^|;)msgid=[^;]*/, "").replace(/^;/, "")
  let out = ""
  for (const line of text.split("\r\n")) {
    if (line === "") continue
    const these = out === "" ? tags : rest
    out += these === "" ? `${line}\r\n` : `@${these} ${line}\r\n`
  }
  return out
}

/** Times as `time=` gives them, each millisecond's made once: a busy room's lines share theirs, and `toISOString` is slow. */
const timeTexts = (): ((at: number) => string) => {
  let lastAt = Number.NaN
  let lastTime = ""
  return (at) => {
    if (at !== lastAt) {
      lastTime = new Date(at).toISOString()
      lastAt = at
    }
    return lastTime
  }
}

/** The tags an event's lines carry on a connection with `bits`. */
const tagsOf = (event: Event, at: number | undefined, bits: number, timeOf: (at: number) => string): string => {
  let tags = bits & TagBits.time && at !== undefined ? `time=${timeOf(at)}` : ""
  const { id, tags: client, account, bot } = event as { readonly id?: string; readonly tags?: string; readonly account?: string; readonly bot?: boolean }
  if (bits & TagBits.account && account !== undefined) tags = tags === "" ? `account=${account}` : `${tags};account=${account}`
  if (bits & TagBits.tags) {
    if (bot) tags = tags === "" ? "bot" : `${tags};bot`
    if (id !== undefined) tags = tags === "" ? `msgid=${id}` : `${tags};msgid=${id}`
    if (client !== undefined) tags = tags === "" ? client : `${tags};${client}`
  }
  return tags
}

/**
 * `base`'s events on a connection with `bits`: stamped with their time and id, client tags
 * relayed, `TAGMSG` shown, and history in batches. Answers to the session carry no tags but those
 * of history: each variant renders an event once for all its connections.
 */
export const taggedFormat = (base: Format, server: string, bits: number): Format => {
  let batches = 0
  const timeOf = timeTexts()
  const history = (reply: Extract<Reply, { readonly _tag: "History" }>): string => {
    const ref = bits & TagBits.batch ? `h${(++batches).toString(36)}` : undefined
    let out = ref === undefined ? "" : `:${server} BATCH +${ref} chathistory ${reply.room}\r\n`
    for (const entry of reply.entries) {
      let tags = ref === undefined ? "" : `batch=${ref}`
      if (bits & TagBits.time) tags += `${tags === "" ? "" : ";"}time=${timeOf(entry.at)}`
      if (bits & TagBits.tags && entry.id !== undefined) tags += `${tags === "" ? "" : ";"}msgid=${entry.id}`
      const line = lines(`${prefix(entry.from)} PRIVMSG ${reply.room} :`, entry.text, entry.action ? action : undefined)
      out += tags === "" ? line : tagged(tags, line)
    }
    return ref === undefined ? out : `${out}:${server} BATCH -${ref}\r\n`
  }
  const targets = (reply: Extract<Reply, { readonly _tag: "HistoryTargets" }>): string => {
    const ref = `t${(++batches).toString(36)}`
    const shown = reply.entries.map((entry) => `@batch=${ref} :${server} CHATHISTORY TARGETS ${entry.room} ${new Date(entry.at).toISOString()}\r\n`)
    return `:${server} BATCH +${ref} draft/chathistory-targets\r\n${shown.join("")}:${server} BATCH -${ref}\r\n`
  }
  return {
    ...base,
    render: (event, at) => {
      switch (event._tag) {
        case "Answer": {
          const reply = event.reply
          // Shown as they were said: in a batch, or stamped with their time (else the base format's notice block).
          if (reply._tag === "History" && bits & (TagBits.batch | TagBits.time)) return history(reply)
          if (reply._tag === "HistoryTargets" && bits & TagBits.batch) return targets(reply)
          return base.render(event, at)
        }
        case "Closing":
          return base.render(event, at)
        case "Joined": {
          if (!(bits & TagBits.extendedJoin)) break
          const tags = tagsOf(event, at, bits, timeOf)
          const shown = one(`${prefix(event.nick)} JOIN ${event.room} ${event.account ?? "*"} :`, event.realName ?? event.nick)
          return tags === "" ? shown : tagged(tags, shown)
        }
        case "Tagged":
          if (!(bits & TagBits.tags)) return ""
          return `@${tagsOf(event, at, bits, timeOf)} ${prefix(event.from)} TAGMSG ${event.room ?? event.nick ?? "*"}\r\n`
      }
      const shown = base.render(event, at)
      if (typeof shown !== "string" || shown === "") return shown
      const tags = tagsOf(event, at, bits, timeOf)
      return tags === "" ? shown : tagged(tags, shown)
    }
  }
}
