import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import { Command } from "../protocol/Command.js"
import type { Reply } from "../protocol/Reply.js"
import type { Input } from "./Codec.js"
import { clean, nameIn, roomOf } from "./IrcParse.js"

/**
 * IRC's channel commands (JOIN, PART, NAMES, TOPIC, MODE, KICK, INVITE) as
 * hubbub's room commands; a command without the parameters it needs is `461`.
 */
const decodeCommand = Schema.decodeUnknownResult(Command)

export const invalid = (reply: Reply): Input => ({ _tag: "Invalid", reply })
export const usage = (command: string): Input => invalid({ _tag: "Usage", command })
/** Validated through the `Command` schema (the decoder has checked its parts already). */
export const command = (input: unknown): Input => {
  const decoded = decodeCommand(input)
  return Result.isSuccess(decoded) ? decoded.success : invalid({ _tag: "UnknownCommand", name: "?" })
}

/** The most targets a command takes in one line (`005`'s `TARGMAX`). */
export const maxTargets = { JOIN: 10, PART: 10, NAMES: 10, KICK: 4, PRIVMSG: 4, NOTICE: 4 } as const

type ListCommand = "JOIN" | "PART" | "NAMES" | "KICK"

/** One input per item of a comma list, up to the command's limit; `407` for the first one past it. */
const each = (list: string, command: ListCommand, f: (item: string, index: number) => Input): ReadonlyArray<Input> => {
  const all = list.split(",")
  const max = maxTargets[command]
  const inputs = all.slice(0, max).map(f)
  return all.length > max ? [...inputs, invalid({ _tag: "TooManyTargets", target: all[max] })] : inputs
}

/** One channel of `NAMES #a,#b`: one 366 ends them all, naming the list (RFC 2812). */
const namesOf = (list: string, room: string, index: number) => {
  const all = list.split(",").slice(0, maxTargets.NAMES)
  if (all.length === 1) return { _tag: "Names", room } as const
  return { _tag: "Names", room, end: index === all.length - 1 ? all.join(",") : "" } as const
}

export type RoomCommandName = "JOIN" | "PART" | "NAMES" | "TOPIC" | "MODE" | "KICK" | "REMOVE" | "INVITE" | "KNOCK"

export const roomCommands: ReadonlySet<string> = new Set<RoomCommandName>(["JOIN", "PART", "NAMES", "TOPIC", "MODE", "KICK", "REMOVE", "INVITE", "KNOCK"])

/** A channel command's inputs, from its parameters. */
export const roomCommand = (name: RoomCommandName, params: ReadonlyArray<string>): Input | ReadonlyArray<Input> => {
  const target = params[0] === undefined ? "" : nameIn(params[0])
  if (target === "" && name !== "NAMES") return usage(name)
  switch (name) {
    case "JOIN": {
      if (target === "0") return command({ _tag: "PartAll" })
      // `JOIN #a,#b key1,key2`: the keys in the order of the channels.
      const keys = params[1] === undefined ? [] : nameIn(params[1]).split(",")
      return each(target, "JOIN", (given, i) => {
        const room = roomOf(given)
        if (room === undefined) return invalid({ _tag: "InvalidRoom", room: given })
        const key = keys[i]
        return command(key === undefined || key === "" ? { _tag: "Join", room } : { _tag: "Join", room, key })
      })
    }
    case "PART": {
      const reason = params[1] === undefined ? {} : { reason: clean(params[1]) }
      return each(target, "PART", (given) => {
        const room = roomOf(given)
        return room === undefined ? invalid({ _tag: "NoSuchRoom", room: given }) : command({ _tag: "Part", room, ...reason })
      })
    }
    case "NAMES":
      return target === ""
        ? command({ _tag: "Names", room: "*" })
        : each(target, "NAMES", (room, i) => command(namesOf(target, room, i)))
    case "TOPIC": {
      const room = roomOf(target)
      if (room === undefined) return invalid({ _tag: "NoSuchRoom", room: target })
      return command(params.length === 1 ? { _tag: "Topic", room } : { _tag: "Topic", room, text: clean(params[1]) })
    }
    case "MODE": {
      // `MODE #a +ok alice key`: the letters, then their arguments in order.
      const change = params[1] === undefined || params[1] === "" ? undefined : params[1]
      if (change === undefined) return command({ _tag: "Mode", target })
      const args = params.slice(2)
      return command(args.length === 0 ? { _tag: "Mode", target, change } : { _tag: "Mode", target, change, args })
    }
    // InspIRCd's REMOVE (WeeChat's /remove), `#channel nick` or `nick #channel`: a kick.
    case "REMOVE":
      if (params[1] === undefined || params[1] === "") return usage("REMOVE")
      return roomCommand("KICK", target.startsWith("#") ? params : [params[1], params[0]!, ...params.slice(2)])
    case "KICK": {
      const nicks = params[1] === undefined ? "" : nameIn(params[1])
      if (nicks === "") return usage("KICK")
      const reason = params[2] === undefined || params[2] === "" ? {} : { reason: clean(params[2]) }
      // `KICK #a,#b alice,bob`: a channel for each nickname, in order (RFC 2812); else one channel for them all.
      const rooms = target.split(",")
      if (rooms.length > 1 && rooms.length !== nicks.split(",").length) return usage("KICK")
      if (rooms.length === 1 && roomOf(target) === undefined) return invalid({ _tag: "NoSuchRoom", room: target })
      return each(nicks, "KICK", (nick, i) => {
        const given = rooms.length > 1 ? rooms[i]! : target
        const room = roomOf(given)
        if (room === undefined) return invalid({ _tag: "NoSuchRoom", room: given })
        return nick === "" ? usage("KICK") : command({ _tag: "Kick", nick, room, ...reason })
      })
    }
    case "INVITE": {
      const given = params[1] === undefined ? "" : nameIn(params[1])
      if (given === "") return usage("INVITE")
      const room = roomOf(given)
      return room === undefined ? invalid({ _tag: "NoSuchRoom", room: given }) : command({ _tag: "Invite", nick: target, room })
    }
    case "KNOCK": {
      const room = roomOf(target)
      if (room === undefined) return invalid({ _tag: "NoSuchRoom", room: target })
      return command(params[1] === undefined || params[1] === "" ? { _tag: "Knock", room } : { _tag: "Knock", room, text: clean(params[1]) })
    }
  }
}
