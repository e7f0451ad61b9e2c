import type * as Arr from "effect/Array"
import type * as Pull from "effect/Pull"
import { BufferedPull } from "../internal/BufferedPull.js"
import { IAC, TelnetFilter, type TelnetSignal } from "./Telnet.js"

/**
 * Bytes to lines. A line ends at LF, CRLF or a bare CR; lines may arrive in
 * any chunking. A line never grows past `maxBytes`: the bytes beyond it are
 * dropped as they arrive and the line is reported once as `TooLong`.
 */
export type Frame = string | Signal

/** What framing reports besides lines. */
export type Signal =
  | { readonly _tag: "TooLong" }
  | { readonly _tag: "Interrupt" }
  | { readonly _tag: "TimingMark" }
  /** Bytes of a read that did not end a line (a line in the making, or one being discarded). */
  | { readonly _tag: "Partial"; readonly bytes: number }

export const TooLong: Signal = { _tag: "TooLong" }
const signals: Record<TelnetSignal, Signal> = {
  interrupt: { _tag: "Interrupt" },
  "timing-mark": { _tag: "TimingMark" }
}

const LF = 10
const CR = 13
const decoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true })
/** Node's own decoding where the bytes are a Buffer (a socket's always are): faster than TextDecoder, same result. */
const text = (bytes: Uint8Array, from: number, to: number): string =>
  Buffer.isBuffer(bytes) ? bytes.toString("utf8", from, to) : decoder.decode(bytes.subarray(from, to))
/** What every splitter holds while no line is split across reads (most of the time). */
const empty = new Uint8Array(0)

/** Splits bytes into lines of at most `maxBytes`; invalid UTF-8 becomes U+FFFD. */
export class LineSplitter {
  private buf: Uint8Array = empty
  private len = 0
  private discarding = false
  private lastWasCR = false
  /** Where the last line of the current `push` ended, to count what did not end one. */
  private ended = 0

  constructor(readonly maxBytes: number) {}

  /** Ends the unfinished line here, as if a line end had come (the seed protocol: a read is a message). */
  flush(out: Array<Frame>): void {
    if (this.discarding) {
      this.discarding = false
      return
    }
    if (this.len === 0) return
    out.push(text(this.buf, 0, this.len))
    this.len = 0
    if (this.buf.length > 256) this.buf = empty
  }

  /** Bytes of an unfinished line held right now (never more than `maxBytes`). */
  get buffered(): number {
    return this.len
  }

  /** Splits `chunk[from, to)` into `out`; returns how many of its bytes came after its last line end. */
  push(chunk: Uint8Array, out: Array<Frame>, from = 0, to = chunk.length): number {
    let start = from
    this.ended = from
    const cr = chunk.indexOf(CR, from)
    if (cr === -1 || cr >= to) {
      // The usual case, LF-terminated lines: let indexOf find the line ends.
      for (let i = chunk.indexOf(LF, start); i !== -1 && i < to; i = chunk.indexOf(LF, start)) {
        if (!(i === from && this.lastWasCR)) this.finish(chunk, start, i, out)
        start = this.ended = i + 1
      }
      if (to > from) this.lastWasCR = false
    } else {
      for (let i = from; i < to; i++) {
        const b = chunk[i]
        if (b === LF) {
          const afterCR = i === from ? this.lastWasCR : chunk[i - 1] === CR
          if (!afterCR) this.finish(chunk, start, i, out)
          start = this.ended = i + 1
        } else if (b === CR) {
          this.finish(chunk, start, i, out)
          start = this.ended = i + 1
        }
      }
      if (to > from) this.lastWasCR = chunk[to - 1] === CR
    }
    this.hold(chunk, start, to, out)
    return to - this.ended
  }

  private finish(chunk: Uint8Array, from: number, to: number, out: Array<Frame>) {
    if (this.discarding) {
      this.discarding = false
      return
    }
    const size = this.len + to - from
    if (size > this.maxBytes) {
      this.len = 0
      out.push(TooLong)
      return
    }
    if (this.len === 0) {
      out.push(text(chunk, from, to))
      return
    }
    this.hold(chunk, from, to, out)
    out.push(text(this.buf, 0, this.len))
    this.len = 0
    if (this.buf.length > 256) this.buf = empty
  }

  private hold(chunk: Uint8Array, from: number, to: number, out: Array<Frame>) {
    if (this.discarding || from === to) return
    const size = this.len + to - from
    if (size > this.maxBytes) {
      this.len = 0
      this.buf = empty
      this.discarding = true
      out.push(TooLong)
      return
    }
    if (size > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.min(this.maxBytes, Math.max(64, size, this.buf.length * 2)))
      grown.set(this.buf.subarray(0, this.len))
      this.buf = grown
    }
    this.buf.set(chunk.subarray(from, to), this.len)
    this.len = size
  }
}

export interface FramingOptions {
  /** Longest line in bytes, without its line end. */
  readonly maxLineBytes: number
  /** Take telnet commands out of the bytes (the text protocol's clients include telnet). */
  readonly telnet: boolean
  /** Report the bytes of a read that ended no line (`Partial`), for flood control to count. */
  readonly partials: boolean
  /** What a read brings after its last line end is a line of its own (the seed protocol's clients send no line ends). */
  readonly readEndsLine?: boolean
  /** At most this many frames per emitted array (one read's lines are otherwise emitted together). */
  readonly maxBatch: number
  /** Where the bytes read are counted. */
  readonly counters?: { bytesIn: number } | undefined
}

/**
 * One connection's framing state: lines, telnet commands, and what a read
 * left unfinished.
 */
export class Framer {
  private readonly splitter: LineSplitter
  /** Made on the first telnet command: most clients never send one. */
  private telnet: TelnetFilter | undefined = undefined

  constructor(readonly options: FramingOptions, private readonly mine?: { bytesIn: number }) {
    this.splitter = new LineSplitter(options.maxLineBytes)
  }

  /** The frames of one read, in order. */
  push(chunks: ReadonlyArray<Uint8Array | string>): Array<Frame> {
    const out: Array<Frame> = []
    for (const item of chunks) {
      const chunk = typeof item === "string" ? Buffer.from(item, "utf8") : item
      if (this.options.counters !== undefined) this.options.counters.bytesIn += chunk.length
      if (this.mine !== undefined) this.mine.bytesIn += chunk.length
      let leftover: number
      if (this.options.telnet && this.telnet === undefined && chunk.indexOf(IAC) !== -1) this.telnet = new TelnetFilter()
      const telnet = this.telnet
      if (telnet === undefined || telnet.clean(chunk, 0, chunk.length)) {
        leftover = this.splitter.push(chunk, out)
      } else {
        // Every byte after the read's last line end counts, those of telnet commands included.
        let lastEnd = 0
        telnet.feed(
          chunk,
          0,
          chunk.length,
          (bytes, from, to) => {
            const after = this.splitter.push(bytes, out, from, to)
            if (after < to - from) lastEnd = to - after
          },
          (signal) => {
            out.push(signals[signal])
          }
        )
        leftover = chunk.length - lastEnd
      }
      if (this.options.readEndsLine) this.splitter.flush(out)
      else if (this.options.partials && leftover > 0) out.push({ _tag: "Partial", bytes: leftover })
    }
    return out
  }
}

/**
 * Framing as a pull transformer: each pull of the result is the next frames
 * of one read (at most `maxBatch` of them), pulling `reads` only when the
 * frames of the last read are all taken.
 */
export const framePull = <E, R>(
  reads: Pull.Pull<Arr.NonEmptyReadonlyArray<Uint8Array | string>, E, void, R>,
  options: FramingOptions,
  /** The connection's own count of the bytes read. */
  mine?: { bytesIn: number }
): Pull.Pull<Arr.NonEmptyReadonlyArray<Frame>, E, void, R> => new FramePull(reads, options, mine).pull

class FramePull<E, R> extends BufferedPull<Uint8Array | string, Frame, Frame, E, R> {
  private readonly framer: Framer

  constructor(reads: Pull.Pull<Arr.NonEmptyReadonlyArray<Uint8Array | string>, E, void, R>, private readonly options: FramingOptions, mine?: { bytesIn: number }) {
    super(reads)
    this.framer = new Framer(options, mine)
  }

  protected split(chunks: Arr.NonEmptyReadonlyArray<Uint8Array | string>): ReadonlyArray<Frame> {
    return this.framer.push(chunks)
  }

  protected take(): Arr.NonEmptyReadonlyArray<Frame> {
    const max = this.options.maxBatch
    const batch = this.at === 0 && this.pending.length <= max ? this.pending : this.pending.slice(this.at, this.at + max)
    this.at += batch.length
    return batch as unknown as Arr.NonEmptyReadonlyArray<Frame>
  }
}
