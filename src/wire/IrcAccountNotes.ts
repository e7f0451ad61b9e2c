import { shownHost } from "../protocol/Names.js"
import type { AccountNote } from "../protocol/Reply.js"
import { accountText } from "./AccountText.js"
import { one } from "./IrcLines.js"

/** SASL's numerics; anything else as the services convention has it: NickServ answers, in its own syntax. */
export const accountNote = (server: string, note: AccountNote, nick: string | undefined): string => {
  const numeric = (code: string, nick: string | undefined, rest: string) => `:${server} ${code} ${nick ?? "*"} ${rest}\r\n`
  switch (note.what) {
    case "saslContinue":
      return "AUTHENTICATE +\r\n"
    case "saslOk": {
      const who = nick ?? "*"
      return numeric("900", nick, `${who}!${who}@${shownHost} ${note.name} :You are now logged in as ${note.name}`) +
        numeric("903", nick, ":SASL authentication successful")
    }
    case "saslFailed":
      return numeric("904", nick, ":SASL authentication failed")
    case "saslTooLong":
      return numeric("905", nick, ":SASL message too long")
    case "saslAborted":
      return numeric("906", nick, ":SASL authentication aborted")
    case "saslAlready":
      return numeric("907", nick, ":You have already authenticated using SASL")
    case "saslMechanisms":
      return numeric("908", nick, "PLAIN :are available SASL mechanisms") + numeric("904", nick, ":SASL authentication failed")
    default:
      return one(`:NickServ!NickServ@services NOTICE ${nick ?? "*"} :`, accountText(note).replaceAll("/identify", "/msg NickServ IDENTIFY"))
  }
}
