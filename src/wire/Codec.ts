import * as Context from "effect/Context"
import * as Layer from "effect/Layer"
import type { Command } from "../protocol/Command.js"
import type { Envelope, Event } from "../protocol/Event.js"
import type { Reply } from "../protocol/Reply.js"
import { textFormat } from "./TextCodec.js"

/** A line a client sent, as the session acts on it. */
export type Input =
  | Command
  /** Not a valid command: the client is told this. */
  | { readonly _tag: "Invalid"; readonly reply: Reply }
  /** A line the codec answers itself (a ping, a capability query), in order with everything else. */
  | { readonly _tag: "Reply"; readonly reply: Reply }

/**
 * Reads one client's lines. A codec hands each connection its own (a wire
 * format with a handshake keeps its state here).
 */
export interface Decoder {
  /**
   * One line as the client sent it (framed, not yet sanitized): a command,
   * an error to tell the client, or `undefined` for a line to ignore (blank).
   * Before the session has registered (`registered` false) the line is read
   * as an attempt to choose a nickname.
   */
  readonly decode: (line: string, registered: boolean) => Input | ReadonlyArray<Input> | undefined
  /**
   * The events of a delivery this connection shows its session (`self`):
   * IRC shows no sender its own messages, and a quit or a rename once
   * however many rooms it shares with them. The very same array when
   * nothing is left out (then the room's shared bytes serve). Absent:
   * nothing is ever left out.
   */
  readonly filter?: (events: ReadonlyArray<Envelope>, self: string) => ReadonlyArray<Envelope>
}

/** What a wire format defines; {@link makeCodec} adds the caching. */
export interface Format {
  readonly name: string
  /** Whether its clients may speak telnet (its commands are then taken out of the input). */
  readonly telnet: boolean
  /** A session is in one room at a time (joining moves it, and it starts in `#lobby`), or in any number. */
  readonly rooms: "one" | "many"
  /** The longest line its clients may send, in bytes without the line end (the server's limit when absent). */
  readonly maxLineBytes?: number
  /** Whether the server pings its silent clients (IRC's liveness check) and drops those that do not answer. */
  readonly pings?: boolean
  /**
   * Keep each event's rendering: for a protocol whose members may be shown
   * part of a run (IRC's senders are not shown their own), which then costs
   * a join, not a rendering of every event again.
   */
  readonly separately?: boolean
  /** Its clients choose no nickname: each is registered under its address as it connects (the seed protocol). */
  readonly anonymous?: boolean
  /** What one read brings without a line end is a line of its own (the seed protocol). */
  readonly readEndsLine?: boolean
  /**
   * The longest frame its clients may send, in bytes, for a server whose
   * lines may be `maxLineBytes` (JSON's escaping makes a line's frame longer).
   */
  readonly frameBytes?: (maxLineBytes: number) => number
  /** A connection's reader of lines; `maxLineBytes` is the server's limit on a line's text. */
  readonly decoder: (limits: { readonly maxLineBytes: number }) => Decoder
  /** An event as this wire shows it, line end included; bytes for what is not text. */
  readonly render: (event: Event) => string | Uint8Array
}

/**
 * A wire format: how a client's lines become commands, and how events look
 * on its connection. Every byte the server sends a client goes through one.
 */
export interface CodecShape extends Format {
  /** The event's bytes, computed once per envelope. */
  readonly encode: (envelope: Envelope) => Uint8Array
  /**
   * The bytes of a run of consecutive events of one room, computed once for
   * every member handed the same run (the hub hands them one array).
   */
  readonly encodeRun: (envelopes: ReadonlyArray<Envelope>) => Uint8Array
  /** An event's bytes, for a connection that is not in the hub (a refused one). */
  readonly encodeEvent: (event: Event) => Uint8Array
}

// Node's `Buffer.from` fills small strings into a shared slab: several times cheaper
// per message than `TextEncoder`, which allocates a buffer of its own every time.
const bytesOf = (rendered: string | Uint8Array): Uint8Array =>
  typeof rendered === "string" ? Buffer.from(rendered, "utf8") : rendered

/** A codec for `format`, rendering each envelope, and each run of a room's envelopes, once. */
export const makeCodec = (format: Format): CodecShape => {
  const runs = new WeakMap<ReadonlyArray<Envelope>, Uint8Array>()
  // A room's members are handed its run one after another: the last one answers most lookups.
  let lastRun: ReadonlyArray<Envelope> | undefined = undefined
  let lastBytes: Uint8Array | undefined = undefined
  // For envelopes whose own slots another codec took first (a room of text and IRC users).
  const second = new WeakMap<Envelope, Uint8Array>()
  const secondTexts = new WeakMap<Envelope, string | Uint8Array>()
  const owns = (envelope: Envelope): boolean => {
    if (envelope.encodedBy === codec) return true
    if (envelope.encodedBy !== undefined) return false
    envelope.encodedBy = codec
    return true
  }
  /** The envelope's rendering, kept for a format that renders separately. */
  const rendered = (envelope: Envelope): string | Uint8Array => {
    if (!format.separately) return format.render(envelope.event)
    if (owns(envelope)) return envelope.rendered ??= format.render(envelope.event)
    let text = secondTexts.get(envelope)
    if (text === undefined) secondTexts.set(envelope, text = format.render(envelope.event))
    return text
  }
  // An envelope's bytes; its text is kept only when a run needed it (an envelope is not kept twice over).
  const encode = (envelope: Envelope): Uint8Array => {
    if (owns(envelope)) return envelope.encoded ??= bytesOf(envelope.rendered ?? format.render(envelope.event))
    let bytes = second.get(envelope)
    if (bytes === undefined) second.set(envelope, bytes = bytesOf(secondTexts.get(envelope) ?? format.render(envelope.event)))
    return bytes
  }
  // One string and one encoding for a whole run, not one per event and a copy.
  const joined = (envelopes: ReadonlyArray<Envelope>): string | undefined => {
    let text = ""
    for (const envelope of envelopes) {
      const one = rendered(envelope)
      if (typeof one !== "string") return undefined
      text += one
    }
    return text
  }
  const codec: CodecShape = {
    ...format,
    encode,
    encodeEvent: (event) => bytesOf(format.render(event)),
    encodeRun: (envelopes) => {
      if (envelopes.length === 1) return encode(envelopes[0])
      if (envelopes === lastRun) return lastBytes!
      let bytes = runs.get(envelopes)
      if (bytes === undefined) {
        const text = joined(envelopes)
        bytes = text === undefined ? Buffer.concat(envelopes.map(encode)) : bytesOf(text)
        runs.set(envelopes, bytes)
      }
      lastRun = envelopes
      lastBytes = bytes
      return bytes
    }
  }
  return codec
}

/** The connection's wire format. */
export class Codec extends Context.Service<Codec, CodecShape>()("hubbub/Codec") {
  /** hubbub's line protocol: chat as `<nick> text`, every server notice a `-!-` line. */
  static readonly layerText = Layer.succeed(Codec, makeCodec(textFormat))
}
