import * as Context from "effect/Context"
import * as Layer from "effect/Layer"
import type { Envelope, Event } from "./Event.js"

/**
 * A wire format: how events look on a client's connection. The text codec
 * is the default listener's; an IRC or WebSocket listener brings its own.
 */
export interface CodecShape {
  readonly name: string
  readonly render: (event: Event) => string
  /** The event's bytes for this codec, computed once per envelope. */
  readonly encode: (envelope: Envelope) => Uint8Array
  /**
   * The bytes of a run of consecutive events of one room, computed once for
   * every member that takes the same run (the same first and last event).
   */
  readonly encodeRun: (envelopes: ReadonlyArray<Envelope>) => Uint8Array
}

// Node's `Buffer.from` fills small strings into a shared slab: several times cheaper
// per message than `TextEncoder`, which allocates a buffer of its own every time.
const bytesOf = (text: string): Uint8Array => Buffer.from(text, "utf8")

export const makeCodec = (name: string, render: (event: Event) => string): CodecShape => {
  const runs = new WeakMap<Envelope, { readonly last: Envelope; readonly bytes: Uint8Array }>()
  const encode = (envelope: Envelope) => {
    if (envelope.encodedBy === codec) return envelope.encoded!
    const bytes = bytesOf(render(envelope.event))
    if (envelope.encodedBy === undefined) {
      envelope.encoded = bytes
      envelope.encodedBy = codec
    }
    return bytes
  }
  const codec: CodecShape = {
    name,
    render,
    encode,
    encodeRun: (envelopes) => {
      if (envelopes.length === 1) return encode(envelopes[0])
      const first = envelopes[0]
      const last = envelopes[envelopes.length - 1]
      const known = runs.get(first)
      if (known !== undefined && known.last === last) return known.bytes
      // One string and one encoding for the whole run, not one per event and a copy.
      let text = ""
      for (const envelope of envelopes) text += render(envelope.event)
      const bytes = bytesOf(text)
      runs.set(first, { last, bytes })
      return bytes
    }
  }
  return codec
}

/** hubbub's line protocol: chat as `<nick> text`, every server notice as `-!- text`, LF-terminated. */
export const renderText = (event: Event): string => {
  switch (event._tag) {
    case "Chat":
      return `<${event.from}> ${event.text}\n`
    case "Action":
      return `* ${event.from} ${event.text}\n`
    case "Private":
      return `*${event.from}* ${event.text}\n`
    case "Joined":
      return `-!- ${event.nick} has joined ${event.room}\n`
    case "Left":
      return `-!- ${event.nick} has left ${event.room} (${event.reason})\n`
    case "Renamed":
      return `-!- ${event.from} is now known as ${event.nick}\n`
    case "Notice":
    case "Closing":
      return `-!- ${event.text}\n`
  }
}

export class Codec extends Context.Service<Codec, CodecShape>()("hubbub/Codec") {
  static readonly layerText = Layer.succeed(Codec, makeCodec("text", renderText))
}
