import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import { Command } from "../protocol/Command.js"
import { normalizeRoom } from "../protocol/Names.js"
import type { Reply } from "../protocol/Reply.js"
import type { Input } from "./Codec.js"
import { invalid, splitWord, validate } from "./TextParts.js"

/** Account and registered-room commands: the text protocol's words for them, and the services convention (NickServ, ChanServ). */

const decodeCommand = Schema.decodeUnknownResult(Command)

export type AccountAction = "register" | "identify" | "logout" | "password" | "unregister"

/** An account command's words: a password is everything after the command (after the nickname, for `/identify NICK`), spaces and all. */
export const account = (action: AccountAction, rest: string): Result.Result<unknown, Reply> => {
  const usage = Result.fail({ _tag: "Usage", command: action } as const)
  switch (action) {
    case "logout":
      return Result.succeed({ _tag: "Account", action })
    case "register":
    case "unregister":
      return rest === "" ? usage : Result.succeed({ _tag: "Account", action, password: rest })
    case "identify": {
      // One word is a password; more are a nickname, then the password (spaces and all).
      const [name, password] = splitWord(rest)
      if (rest === "") return usage
      return Result.succeed(password === "" ? { _tag: "Account", action, password: name } : { _tag: "Account", action, name, password })
    }
    case "password": {
      const [old, next] = splitWord(rest)
      return old === "" || next === "" ? usage : Result.succeed({ _tag: "Account", action, password: old, newPassword: next })
    }
  }
}

const nickServVerbs: Record<string, AccountAction> = {
  identify: "identify",
  register: "register",
  logout: "logout",
  passwd: "password",
  password: "password",
  drop: "unregister",
  unregister: "unregister"
}

/**
 * The services convention (`PRIVMSG NickServ :IDENTIFY password`), as hubbub's account commands:
 * `IDENTIFY [NICK] PASSWORD`, `REGISTER PASSWORD [EMAIL]` (the email is not kept), `LOGOUT`,
 * `PASSWD OLD NEW`, `DROP PASSWORD`; anything else gets NickServ's list of them.
 */
export const nickServ = (text: string): Input => {
  const line = text.trim()
  const space = line.search(/\s/)
  const verb = nickServVerbs[(space === -1 ? line : line.slice(0, space)).toLowerCase()]
  if (verb === undefined) return invalid({ _tag: "AccountNote", what: "services" })
  const rest = space === -1 ? "" : line.slice(space + 1).trim()
  // Services take `REGISTER password email`: an email at the end is not part of the password.
  const parsed = account(verb, verb === "register" ? rest.replace(/\s+\S+@\S+$/, "") : rest)
  if (Result.isFailure(parsed)) return invalid(parsed.failure)
  const decoded = decodeCommand(parsed.success)
  return Result.isSuccess(decoded) ? decoded.success : invalid({ _tag: "AccountNote", what: "noAccount" })
}

const registrationVerbs = new Set(["register", "drop", "info", "op", "deop"])

/** `/room VERB [ACCOUNT] [#ROOM]`: a registered room's command, for the session's room unless one is named. */
export const roomRegistration = (rest: string): Result.Result<unknown, Reply> => {
  const words = rest.split(/\s+/).filter((word) => word !== "")
  const action = words[0]?.toLowerCase() ?? ""
  const room = words.slice(1).find((word) => word.startsWith("#"))
  const others = words.slice(1).filter((word) => word !== room)
  if (!registrationVerbs.has(action) || others.length !== (action === "op" || action === "deop" ? 1 : 0)) {
    return Result.fail({ _tag: "Usage", command: "room" })
  }
  return Result.succeed({
    _tag: "Registration",
    action,
    ...(room === undefined ? {} : { room: normalizeRoom(room) }),
    ...(others[0] === undefined ? {} : { account: others[0] })
  })
}

/**
 * The services convention for rooms (`PRIVMSG ChanServ :REGISTER #room`), as ergo spells it:
 * `REGISTER #ROOM`, `DROP #ROOM`, `INFO #ROOM`, `AMODE #ROOM +o ACCOUNT` (`-o` to unlist); anything
 * else gets ChanServ's list of them.
 */
export const chanServ = (text: string): Input => {
  const [verb = "", room = "", change = "", account = ""] = text.trim().split(/\s+/)
  const action = verb.toLowerCase()
  if (!room.startsWith("#")) return invalid({ _tag: "Usage", command: "chanserv" })
  if (action === "register" || action === "drop" || action === "info") {
    return validate({ _tag: "Registration", action, room: normalizeRoom(room) })
  }
  if (action === "amode" && (change === "+o" || change === "-o") && account !== "") {
    return validate({ _tag: "Registration", action: change === "+o" ? "op" : "deop", room: normalizeRoom(room), account })
  }
  return invalid({ _tag: "Usage", command: "chanserv" })
}
