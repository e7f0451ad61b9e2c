import type { Event } from "../protocol/Event.js"
import type { Format, Input, LabelWindow } from "./Codec.js"
import { byteLength } from "./IrcLines.js"
import { control } from "./IrcTags.js"

/**
 * IRCv3 labeled-response: a client that negotiated `labeled-response` and `batch` may send
 * `@label=ID COMMAND ...`, and is shown the answers to that command with `label=ID` on them: one
 * line tagged, several in a `labeled-response` batch whose start is tagged, none an `ACK`.
 */

/** The longest label a client may send; a longer one is read past, as if the line had none. */
export const maxLabelBytes = 64

/** Lines of others' doing held behind a one-line answer before that answer goes in a batch anyway. */
const maxHeld = 32

const utf8 = new TextDecoder()

/** The label of a line's tags (without the `@`), as sent, when it has one a server may repeat. */
export const labelOf = (section: string): string | undefined => {
  for (const tag of section.split(";")) {
    if (!tag.startsWith("label=")) continue
    const label = tag.slice(6)
    return label === "" || byteLength(label) > maxLabelBytes || control.test(label) ? undefined : label
  }
  return undefined
}

/** A labeled line's input: whatever it says (one command, several or none) acted on as one. */
export const labeled = (label: string, input: Input | ReadonlyArray<Input> | undefined): Input => ({
  _tag: "Labeled",
  label,
  inputs: input === undefined ? [] : "_tag" in input ? [input] : input
})

/** Whether a line is one of a batch of its own (a `chathistory` one): it stays as it is inside another. */
const batched = (line: string): boolean => {
  const space = line.indexOf(" ")
  const tags = space === -1 ? line : line.slice(0, space)
  return tags.startsWith("@batch=") || tags.includes(";batch=")
}

/** Each line of `text` with `tag` first among its tags; with `nested`, the lines of a batch inside keep theirs. */
const withTag = (text: string, tag: string, nested: boolean): string => {
  let out = ""
  let at = 0
  while (at < text.length) {
    const end = text.indexOf("\r\n", at)
    const line = text.slice(at, end === -1 ? text.length : end)
    at = end === -1 ? text.length : end + 2
    if (line === "") continue
    if (line.charCodeAt(0) !== 64) out += `@${tag} ${line}\r\n`
    else if (nested && batched(line)) out += `${line}\r\n`
    else out += `@${tag};${line.slice(1)}\r\n`
  }
  return out
}

/**
 * One labeled command's window. What others do meanwhile (a message in one of its channels) is
 * shown where it comes, untagged: before the first line of the answer as it arrives, and after
 * it held with it until it is known whether the answer is that one line (then tagged with the
 * label) or more (then a batch, which lines outside it may come between).
 */
class LabeledResponse implements LabelWindow {
  /** The answer while it is one line, held until it is known to be the only one. */
  private first: string | undefined = undefined
  /** What came after it meanwhile, and in how many events. */
  private after = ""
  private held = 0
  /** The batch's reference, once the answer is more than one line. */
  private batch: string | undefined = undefined

  constructor(
    private readonly server: string,
    private readonly nextBatch: () => string,
    private readonly label: string,
    private readonly self: string,
    /** The session's nickname as it goes: what its doings in its channels are known by. */
    private nick: string | undefined
  ) {}

  answers(event: Event): boolean {
    switch (event._tag) {
      case "Answer":
        if (event.nick !== undefined) this.nick = event.nick
        // The server's own check that the client is there answers nothing the client asked; nor does someone else's knock.
        return event.reply._tag !== "Ping" && !(event.reply._tag === "Knock" && event.reply.what === "asked")
      case "Tagged":
        // One to a nickname (itself included) is answered by its echo alone, as a message is.
        return event.room !== undefined && event.session === this.self
      case "Chat":
      case "Action":
      case "Joined":
        return event.session === this.self
      case "Left":
        return event.by === undefined ? event.session === this.self : event.by === this.nick
      case "Renamed":
        if (event.from === this.nick) this.nick = event.nick
        return event.nick === this.nick
      case "TopicChanged":
      case "ModeChanged":
      case "InviteNoted":
        return event.by === this.nick
      case "MemberChanged":
        return event.nick === this.nick
      case "Wallops":
        return event.from === this.nick
      case "Closing":
        return true
      default:
        // Messages to it (one to itself too: only its echo answers), invitations, the server's notices.
        return false
    }
  }

  add(rendered: string | Uint8Array, answers: boolean): string {
    const text = typeof rendered === "string" ? rendered : utf8.decode(rendered)
    if (text === "") return ""
    if (this.batch !== undefined) return answers ? withTag(text, `batch=${this.batch}`, true) : text
    if (!answers) {
      if (this.first === undefined) return text
      this.after += text
      return ++this.held > maxHeld ? this.open("") : ""
    }
    if (this.first === undefined && text.indexOf("\r\n") === text.length - 2) {
      this.first = text
      return ""
    }
    return this.open(text)
  }

  end(): string {
    if (this.batch !== undefined) return `:${this.server} BATCH -${this.batch}\r\n`
    if (this.first !== undefined) return withTag(this.first, `label=${this.label}`, false) + this.after
    return `@label=${this.label} :${this.server} ACK\r\n`
  }

  /** The batch starts, tagged with the label: what was held, then `text`, an answer, in it. */
  private open(text: string): string {
    const ref = this.batch = this.nextBatch()
    const tag = `batch=${ref}`
    const out = `@label=${this.label} :${this.server} BATCH +${ref} labeled-response\r\n` +
      (this.first === undefined ? "" : withTag(this.first, tag, true)) + this.after + withTag(text, tag, true)
    this.first = undefined
    this.after = ""
    return out
  }
}

/** `Format.labeled` for a server named `server`: its windows' batches are numbered once for all its connections. */
export const labelWindows = (server: string): NonNullable<Format["labeled"]> => {
  let batches = 0
  const nextBatch = () => `l${(++batches).toString(36)}`
  return (label, self, nick) => new LabeledResponse(server, nextBatch, label, self, nick)
}
