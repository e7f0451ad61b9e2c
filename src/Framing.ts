/**
 * Bytes to lines. A line ends at LF, CRLF or a bare CR; lines may arrive in any
 * chunking. A line never grows past `maxBytes`: the bytes beyond it are dropped
 * as they arrive and the line is reported once as {@link TooLong}.
 */
export const TooLong: unique symbol = Symbol.for("hubbub/Framing/TooLong")
export type Frame = string | typeof TooLong

const LF = 10
const CR = 13
const decoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true })
/** Node's own decoding where the bytes are a Buffer (a socket's always are): faster than TextDecoder, same result. */
const text = (bytes: Uint8Array, from: number, to: number): string =>
  Buffer.isBuffer(bytes) ? bytes.toString("utf8", from, to) : decoder.decode(bytes.subarray(from, to))
/** What every splitter holds while no line is split across reads (most of the time). */
const empty = new Uint8Array(0)

export class LineSplitter {
  private buf: Uint8Array = empty
  private len = 0
  private discarding = false
  private lastWasCR = false

  constructor(readonly maxBytes: number) {}

  /** Bytes of an unfinished line held right now (never more than `maxBytes`). */
  get buffered(): number {
    return this.len
  }

  /** Splits one chunk; invalid UTF-8 becomes U+FFFD. */
  push(chunk: Uint8Array): Array<Frame> {
    const out: Array<Frame> = []
    const n = chunk.length
    let start = 0
    if (chunk.indexOf(CR) === -1) {
      // The usual case, LF-terminated lines: let indexOf find the line ends.
      for (let i = chunk.indexOf(LF); i !== -1; i = chunk.indexOf(LF, start)) {
        if (!(i === 0 && this.lastWasCR)) this.finish(chunk, start, i, out)
        start = i + 1
      }
      if (n > 0) this.lastWasCR = false
      this.hold(chunk, start, n, out)
      return out
    }
    for (let i = 0; i < n; i++) {
      const b = chunk[i]
      if (b === LF) {
        const afterCR = i === 0 ? this.lastWasCR : chunk[i - 1] === CR
        if (!afterCR) this.finish(chunk, start, i, out)
        start = i + 1
      } else if (b === CR) {
        this.finish(chunk, start, i, out)
        start = i + 1
      }
    }
    if (n > 0) this.lastWasCR = chunk[n - 1] === CR
    this.hold(chunk, start, n, out)
    return out
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
