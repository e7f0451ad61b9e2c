import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import { Command } from "../protocol/Command.js"
import { Room as RoomName } from "../protocol/Names.js"
import type { Reply } from "../protocol/Reply.js"
import type { Input } from "./Codec.js"

/** What the text protocol's readers share: words, and input validated through the `Command` schema. */

const decodeCommand = Schema.decodeUnknownResult(Command)

export const invalid = (reply: Reply): Input => ({ _tag: "Invalid", reply })

export const splitWord = (text: string): readonly [string, string] => {
  const space = text.search(/\s/)
  return space === -1 ? [text, ""] : [text.slice(0, space), text.slice(space + 1).trim()]
}

/** Validates raw input through the `Command` schema; the error says which part is wrong. */
export const validate = (input: unknown): Input => {
  const decoded = decodeCommand(input)
  if (Result.isSuccess(decoded)) return decoded.success
  const given = input as { _tag: string; nick?: string; room?: string; name?: string }
  switch (given._tag) {
    case "Nick":
      return invalid({ _tag: "InvalidNick", nick: given.nick! })
    case "Join":
    case "Invite":
      return invalid({ _tag: "InvalidRoom", room: given.room! })
    case "Msg":
      return invalid({ _tag: "NoSuchNick", nick: given.nick! })
    case "Account":
      return invalid({ _tag: "AccountNote", what: "noAccount" })
    case "Registration":
      return given.room !== undefined && !Schema.is(RoomName)(given.room)
        ? invalid({ _tag: "InvalidRoom", room: given.room })
        : invalid({ _tag: "RoomNote", what: "noAccount", room: given.room ?? "", account: (input as { account?: string }).account ?? "" })
    default:
      return invalid({ _tag: "UnknownCommand", name: given._tag.toLowerCase() })
  }
}
