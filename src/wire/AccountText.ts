import type { AccountNote } from "../protocol/Reply.js"

/** What became of an account command, or of a registered nickname, in words (NickServ says the same on IRC). */
export const accountText = (note: AccountNote): string => {
  const name = note.name ?? ""
  switch (note.what) {
    case "registered":
      return `Nickname ${name} is now registered to you, and you are identified as ${name}.`
    case "identified":
      return `You are now identified as ${name}.`
    case "loggedOut":
      return "You are no longer identified."
    case "passwordChanged":
      return `The password of ${name} is changed.`
    case "unregistered":
      return `Account ${name} is dropped: its nickname is free for anyone.`
    case "wrongPassword":
      return `Wrong password for ${name}.`
    case "noAccount":
      return note.name === undefined
        ? "No such account (the nickname comes before the password: /identify NICK PASSWORD)."
        : `No account is named ${name}.`
    case "exists":
      return `Nickname ${name} is registered already. If it is yours: /identify ${name} PASSWORD`
    case "notIdentified":
      return "You are not identified (/identify PASSWORD)."
    case "alreadyIdentified":
      return `You are already identified as ${name}.`
    case "badPassword":
      return "A password is 8 to 256 bytes."
    case "wait":
      return `Too many failed logins: try again in ${note.seconds ?? 1} s.`
    case "protected":
      return `Nickname ${name} is registered. Identify with /identify PASSWORD within ${note.seconds ?? 0} s, or you will be renamed.`
    case "reserved":
      return `Nickname ${name} is registered: identify first with /identify ${name} PASSWORD.`
    case "guest":
      return `You did not identify for ${name}: you are now ${note.nick ?? "a guest"}.`
    case "taken":
      return `The owner of ${name} identified: you are now ${note.nick ?? "a guest"}.`
    case "unavailable":
      return "Accounts are unavailable right now; try again later."
    case "services":
      return "NickServ commands: IDENTIFY [NICK] PASSWORD, REGISTER PASSWORD, LOGOUT, PASSWD OLD NEW, DROP PASSWORD."
    case "cleartext":
      return "Warning: your password travelled unencrypted. Connect with TLS to keep it safe."
    case "needsTls":
      return "This server takes passwords only over TLS (or from its own machine); nothing was checked."
    case "saslOk":
      return `You are now logged in as ${name}.`
    case "saslContinue":
    case "saslFailed":
    case "saslTooLong":
    case "saslAborted":
    case "saslAlready":
    case "saslMechanisms":
      return "SASL authentication failed."
  }
}
