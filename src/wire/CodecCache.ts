import type { Envelope, Event } from "../protocol/Event.js"
import type { CodecShape, Format } from "./Codec.js"

// Node's `Buffer.from` fills small strings into a shared slab: several times cheaper
// per message than `TextEncoder`, which allocates a buffer of its own every time.
const bytesOf = (rendered: string | Uint8Array): Uint8Array =>
  typeof rendered === "string" ? Buffer.from(rendered, "utf8") : rendered

/**
 * A codec for `format`, rendering each envelope, and each run of a room's
 * envelopes, once. What it keeps of an envelope it keeps itself (weakly,
 * for as long as the envelope lives): the envelope is the hub's, shared by
 * every codec of the server.
 */
export const makeCodec = (format: Format): CodecShape => {
  const runs = new WeakMap<ReadonlyArray<Envelope>, Uint8Array>()
  const bytes = new WeakMap<Envelope, Uint8Array>()
  const texts = new WeakMap<Envelope, string | Uint8Array>()
  // A room's members are handed its run one after another: the last one answers most lookups.
  let lastRun: ReadonlyArray<Envelope> | undefined = undefined
  let lastRunBytes: Uint8Array | undefined = undefined
  let lastEnvelope: Envelope | undefined = undefined
  let lastBytes: Uint8Array | undefined = undefined

  /** The envelope's rendering, kept for a format that renders separately. */
  const rendered = (envelope: Envelope): string | Uint8Array => {
    if (!format.separately) return format.render(envelope.event)
    let text = texts.get(envelope)
    if (text === undefined) texts.set(envelope, text = format.render(envelope.event))
    return text
  }
  // An envelope's bytes; its text is kept only when a run needed it (an envelope is not kept twice over).
  const encode = (envelope: Envelope): Uint8Array => {
    // One session's: nobody asks for it again.
    if (envelope.to !== undefined) return bytesOf(format.render(envelope.event))
    if (envelope === lastEnvelope) return lastBytes!
    let encoded = bytes.get(envelope)
    if (encoded === undefined) bytes.set(envelope, encoded = bytesOf(texts.get(envelope) ?? format.render(envelope.event)))
    lastEnvelope = envelope
    lastBytes = encoded
    return encoded
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
  return {
    ...format,
    encode,
    encodeEvent: (event: Event) => bytesOf(format.render(event)),
    encodeRun: (envelopes) => {
      if (envelopes.length === 1) return encode(envelopes[0])
      if (envelopes === lastRun) return lastRunBytes!
      let encoded = runs.get(envelopes)
      if (encoded === undefined) {
        const text = joined(envelopes)
        encoded = text === undefined ? Buffer.concat(envelopes.map(encode)) : bytesOf(text)
        runs.set(envelopes, encoded)
      }
      lastRun = envelopes
      lastRunBytes = encoded
      return encoded
    }
  }
}
