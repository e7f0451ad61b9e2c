import type { Input } from "./Codec.js"

/** The longest SASL message hubbub takes (its base64, all chunks together): a PLAIN login is far less. */
const maxBase64 = 2048
/** A chunk of exactly this many characters means more follow (IRCv3 SASL). */
const chunk = 400

const note = (what: "saslContinue" | "saslTooLong" | "saslAborted" | "saslMechanisms" | "saslFailed"): Input => ({
  _tag: "Reply",
  reply: { _tag: "AccountNote", what }
})

/**
 * One connection's SASL exchange (`AUTHENTICATE`, IRCv3 SASL 3.1), PLAIN only:
 * the mechanism, then the base64 of `authzid NUL authcid NUL password` in
 * chunks of 400, which becomes an `identify` for the account check. Replies
 * that need no account (`AUTHENTICATE +`, 905, 906, 908) are made here.
 */
export class SaslExchange {
  private state: "idle" | "plain" = "idle"
  private buffer = ""

  /** One `AUTHENTICATE` parameter. */
  step(param: string): Input | undefined {
    if (param === "*") {
      const was = this.state
      this.reset()
      return was === "idle" ? note("saslFailed") : note("saslAborted")
    }
    if (this.state === "idle") {
      if (param.toUpperCase() !== "PLAIN") return note("saslMechanisms")
      this.state = "plain"
      return note("saslContinue")
    }
    if (param !== "+") this.buffer += param
    if (this.buffer.length > maxBase64) {
      this.reset()
      return note("saslTooLong")
    }
    if (param.length === chunk) return undefined
    const text = Buffer.from(this.buffer, "base64").toString("utf8")
    this.reset()
    const [authzid, authcid, password] = text.split("\0")
    // authzid, when given, must be the account itself: hubbub logs in as no one else.
    if (authcid === undefined || password === undefined || authcid === "" || (authzid !== "" && authzid !== authcid)) {
      return note("saslFailed")
    }
    return { _tag: "Account", action: "identify", name: authcid as never, password, sasl: true }
  }

  private reset() {
    this.state = "idle"
    this.buffer = ""
  }
}
