import type { Knock } from "../protocol/ModeReply.js"
import type { RoomNote } from "../protocol/Reply.js"
import { maxFounded, maxListed } from "../protocol/Modes.js"

/** A time to the minute, as people read it: `2026-12-06 09:30 UTC`. */
export const utc = (millis: number) => `${new Date(millis).toISOString().slice(0, 16).replace("T", " ")} UTC`

/** What became of a registered room's command, in words (ChanServ says the same on IRC). */
export const roomText = (note: RoomNote): string => {
  const { account = "", founder = "", room } = note
  switch (note.what) {
    case "registered":
      return `${room} is registered to you: its modes, bans, topic and operators stay while nobody is in it, and you get @ whenever you join identified.`
    case "dropped":
      return `${room} is registered no more.`
    case "info": {
      const operators = note.operators ?? []
      return `${room} is registered to ${founder} since ${utc(note.at ?? 0)}; ${operators.length === 0 ? "no other operators" : `its operators: ${operators.join(", ")}`}.`
    }
    case "listed":
      return `${account} is an operator of ${room}: @ whenever they join identified.`
    case "unlisted":
      return `${account} is listed as an operator of ${room} no more.`
    case "already":
      return `${room} is registered already (to ${founder}).`
    case "notRegistered":
      return `${room} is not registered.`
    case "notFounder":
      return `Only the founder of ${room} (${founder}) may do that.`
    case "identifyFirst":
      return "Identify first: a registered room belongs to an account (/identify PASSWORD)."
    case "noAccount":
      return `${account} is no registered account.`
    case "notListed":
      return `${account} is not listed as an operator of ${room}.`
    case "tooMany":
      return note.account === undefined
        ? `You found as many rooms as an account may (${maxFounded}): drop one first.`
        : `${room} lists as many operators as it may (${maxListed}): take one out first.`
    case "founderListed":
      return `${account} founded ${room}: a founder is always its operator.`
  }
}

/** A knock, in words: to the room's operators, or to the knocker. */
export const knockText = (knock: Knock): string => {
  const { room } = knock
  switch (knock.what) {
    case "asked":
      return `${knock.nick} knocks on ${room}, asking to be invited${knock.text === undefined ? "" : `: ${knock.text}`} (/invite ${knock.nick} ${room})`
    case "delivered":
      return `Your knock on ${room} reached its operators.`
    case "open":
      return `${room} is open: /join it.`
    case "member":
      return `You are in ${room} already.`
    case "often":
      return knock.limit === "channel"
        ? `Someone knocked on ${room} less than a minute ago: wait a little.`
        : "You (or your address) knocked less than a minute ago: wait a little."
  }
}
