import type { Envelope, Event } from "../protocol/Event.js"
import type { CodecShape, Format } from "./Codec.js"

// Node's `Buffer.from` fills small strings into a shared slab: several times cheaper
// per message than `TextEncoder`, which allocates a buffer of its own every time.
const bytesOf = (rendered: string | Uint8Array): Uint8Array =>
  typeof rendered === "string" ? Buffer.from(rendered, "utf8") : rendered

/**
 * A codec for `format`, rendering each envelope, and each run of a room's
 * envelopes, once for all the members handed it. What it keeps it keeps
 * itself, and only of the last run and envelope it rendered: the envelope
 * is the hub's, shared by every codec of the server, and the members of a
 * room are handed its run one after another.
 *
 * (A cache per envelope in a `Map` or `WeakMap` cost IRC a tenth of its
 * fan-out at N=100 against fields on the envelope, in the collector's time:
 * docs/architecture.md. This keeps nothing that outlives a delivery pass.)
 */
export const makeCodec = (format: Format): CodecShape => {
  const runs = new WeakMap<ReadonlyArray<Envelope>, Uint8Array>()
  let lastRun: ReadonlyArray<Envelope> | undefined = undefined
  let lastRunBytes: Uint8Array | undefined = undefined
  let lastEnvelope: Envelope | undefined = undefined
  let lastBytes: Uint8Array | undefined = undefined
  // The texts of the last whole run rendered one by one (`Format.separately`), for the parts of it.
  let textsOf: ReadonlyArray<Envelope> | undefined = undefined
  let texts: Array<string | Uint8Array> = []

  const encode = (envelope: Envelope): Uint8Array => {
    // One session's: nobody asks for it again.
    if (envelope.to !== undefined) return bytesOf(format.render(envelope.event, envelope.at))
    if (envelope !== lastEnvelope) {
      lastBytes = bytesOf(format.render(envelope.event, envelope.at))
      lastEnvelope = envelope
    }
    return lastBytes!
  }
  /** Each envelope's text, kept with the run for a member shown part of it. */
  const renderAll = (run: ReadonlyArray<Envelope>): void => {
    if (run === textsOf) return
    texts = run.map((envelope) => format.render(envelope.event, envelope.at))
    textsOf = run
  }
  /** The texts of `part`, taken from the last run's where it is part of it (in order), else rendered. */
  const textsFor = (part: ReadonlyArray<Envelope>): ReadonlyArray<string | Uint8Array> => {
    if (part === textsOf) return texts
    const run = textsOf ?? []
    const out: Array<string | Uint8Array> = []
    let j = 0
    for (const envelope of part) {
      while (j < run.length && run[j] !== envelope) j++
      out.push(j < run.length ? texts[j++] : format.render(envelope.event, envelope.at))
    }
    return out
  }
  // One string and one encoding for a whole run, not one per event and a copy.
  const encodeAll = (envelopes: ReadonlyArray<Envelope>): Uint8Array => {
    const parts = format.separately ? textsFor(envelopes) : envelopes.map((envelope) => format.render(envelope.event, envelope.at))
    let text = ""
    for (const part of parts) {
      if (typeof part !== "string") return Buffer.concat(parts.map(bytesOf))
      text += part
    }
    return bytesOf(text)
  }
  const variants = new Map<number, CodecShape>()
  const self: CodecShape = {
    ...format,
    variant: (variant) => {
      if (variant === 0 || format.variant === undefined) return self
      let codec = variants.get(variant)
      if (codec === undefined) variants.set(variant, codec = makeCodec(format.variant(variant)))
      return codec
    },
    encode,
    encodeEvent: (event: Event) => bytesOf(format.render(event)),
    encodeRun: (envelopes, whole) => {
      if (format.separately) renderAll(whole ?? envelopes)
      if (envelopes.length === 1 && envelopes !== textsOf) return format.separately ? bytesOf(textsFor(envelopes)[0]) : encode(envelopes[0])
      if (envelopes === lastRun) return lastRunBytes!
      let encoded = runs.get(envelopes)
      if (encoded === undefined) runs.set(envelopes, encoded = encodeAll(envelopes))
      lastRun = envelopes
      lastRunBytes = encoded
      return encoded
    }
  }
  return self
}
