// A room operator's tools on the page: a menu on each member, and the room's settings.
import type { ClientMessage } from "../src/protocol/Json.js"

/** A room's settings as the page edits them. */
export interface Settings {
  readonly moderated: boolean
  readonly invite: boolean
  readonly topicLock: boolean
  readonly secret: boolean
  readonly key: string
  readonly limit: string
}

export const noSettings: Settings = { moderated: false, invite: false, topicLock: false, secret: false, key: "", limit: "" }

/** A `modes` answer (`+klmnt`, the key and limit in that order) as settings. */
export const settingsOf = (modes: string, params: ReadonlyArray<string>): Settings => {
  let next = 0
  const key = modes.includes("k") ? params[next++] ?? "" : ""
  const limit = modes.includes("l") ? params[next++] ?? "" : ""
  return {
    moderated: modes.includes("m"),
    invite: modes.includes("i"),
    topicLock: modes.includes("t"),
    secret: modes.includes("s"),
    key,
    limit
  }
}

/** The `mode` message that takes a room from `from` to `to`, or nothing when they are the same. */
export const changeTo = (from: Settings, to: Settings): ClientMessage | undefined => {
  let on = ""
  let off = ""
  const args: Array<string> = []
  const offArgs: Array<string> = []
  for (const [letter, field] of [["m", "moderated"], ["i", "invite"], ["t", "topicLock"], ["s", "secret"]] as const) {
    if (from[field] !== to[field]) {
      if (to[field]) on += letter
      else off += letter
    }
  }
  if (from.key !== to.key) {
    if (to.key === "") {
      off += "k"
      offArgs.push("*")
    } else {
      on += "k"
      args.push(to.key)
    }
  }
  if (from.limit !== to.limit) {
    if (to.limit === "") off += "l"
    else {
      on += "l"
      args.push(to.limit)
    }
  }
  if (on === "" && off === "") return undefined
  return { type: "mode", change: (on === "" ? "" : `+${on}`) + (off === "" ? "" : `-${off}`), args: [...args, ...offArgs] }
}

/** What an operator may do to a member: each an item of the member's menu. */
export const memberActions = (
  nick: string,
  operator: boolean,
  voiced: boolean
): ReadonlyArray<readonly [label: string, message: ClientMessage]> => [
  operator
    ? [`Take operator status from ${nick}`, { type: "mode", change: "-o", args: [nick] }]
    : [`Make ${nick} an operator`, { type: "mode", change: "+o", args: [nick] }],
  voiced
    ? [`Take ${nick}'s voice`, { type: "mode", change: "-v", args: [nick] }]
    : [`Give ${nick} a voice`, { type: "mode", change: "+v", args: [nick] }],
  [`Kick ${nick}`, { type: "kick", nick }],
  [`Ban ${nick}`, { type: "line", text: `/ban ${nick}` }]
]
