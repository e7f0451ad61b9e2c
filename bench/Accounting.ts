/**
 * What a benchmark client makes of the bytes it receives. Every benchmark
 * message is a fixed-width payload
 *
 *   ~S0003Q00000042T00000001234567xxxx…   (64 bytes with its line end)
 *
 * (sender 3, its 42nd message, sent 1234567 µs after the run's clock started),
 * wherever the server puts it in a line (`<nick> ~S…` for hubbub, bare for the
 * node:net peer, inside RESP for Redis). Received bytes are searched for
 * payloads; no string is made per line.
 */
export const MESSAGE_BYTES = 64
const TILDE = 0x7e
const PAD = 0x78
const FIELD_S = 1
const FIELD_Q = 6
const FIELD_T = 15
const PAYLOAD_HEAD = 30
const S = 0x53
const Q = 0x51
const T = 0x54
/** How many bytes past a payload are looked at in JavaScript before a native search (a text client's prefix is within). */
const NEAR = 10
const indexOf = Buffer.prototype.indexOf as (this: Uint8Array, value: number, byteOffset: number) => number

/** The payload for one message, without a line end. */
export const encodeMessage = (sender: number, seq: number, micros: number): string =>
  `~S${pad(sender, 4)}Q${pad(seq, 8)}T${pad(micros, 14)}`.padEnd(MESSAGE_BYTES - 1, "x")

const pad = (n: number, width: number) => String(Math.max(0, Math.floor(n))).padStart(width, "0")

const digits = (buf: Uint8Array, at: number, width: number): number => {
  let n = 0
  for (let i = at; i < at + width; i++) n = n * 10 + (buf[i] - 48)
  return n
}

/**
 * Latencies in microseconds, in log-linear buckets (16 per power of two, so
 * within about 6 %): constant memory and a few integer operations per sample.
 */
export class Histogram {
  private readonly counts = new Float64Array(32 * 16)
  count = 0
  max = 0

  record(micros: number): void {
    const v = micros < 1 ? 1 : micros | 0
    const exp = 31 - Math.clz32(v)
    const sub = exp < 4 ? (v << (4 - exp)) & 15 : (v >>> (exp - 4)) & 15
    this.counts[exp * 16 + sub]++
    this.count++
    if (v > this.max) this.max = v
  }

  merge(other: Histogram): void {
    for (let i = 0; i < this.counts.length; i++) this.counts[i] += other.counts[i]
    this.count += other.count
    this.max = Math.max(this.max, other.max)
  }

  /** The latency below which a fraction `p` of the samples fall, in microseconds (a bucket's upper edge). */
  percentile(p: number): number {
    if (this.count === 0) return 0
    const rank = p * this.count
    let seen = 0
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i]
      if (seen >= rank) {
        const exp = Math.floor(i / 16)
        const upper = Math.pow(2, exp) * (1 + ((i % 16) + 1) / 16)
        return Math.min(this.max, upper)
      }
    }
    return this.max
  }
}

/**
 * One receiving connection's books: how many messages arrived, whether each
 * sender's arrived in order, and how long they took.
 */
export class Receiver {
  received = 0
  /** Messages that arrived with a sequence number not above the sender's last one. */
  outOfOrder = 0
  /** Sequence numbers skipped over (lost, unless they arrive later out of order). */
  gaps = 0
  /** Messages received while the measurement window was open. */
  inWindow = 0
  readonly latency = new Histogram()
  private readonly last: Int32Array
  private partial: Uint8Array | undefined = undefined
  /** Called for every message, e.g. so a sender can refill its window. */
  private readonly onMessage: (sender: number, seq: number) => void

  constructor(senders: number, onMessage: (sender: number, seq: number) => void = () => {}) {
    this.last = new Int32Array(senders).fill(-1)
    this.onMessage = onMessage
  }

  /** Of `sent` messages from `sender`, how many never arrived. */
  missingFrom(sender: number, sent: number): number {
    return Math.max(0, sent - (this.last[sender] + 1))
  }

  /** Of the messages the senders sent (`sent[s]` each), how many never arrived. */
  lost(sent: ArrayLike<number>): number {
    let lost = this.gaps - this.outOfOrder
    for (let s = 0; s < sent.length; s++) lost += this.missingFrom(s, sent[s])
    return Math.max(0, lost)
  }

  /** Accounts for a chunk of received bytes; `now` is the run's clock in µs; `counting` says whether the window is open. */
  push(chunk: Uint8Array, now: number, counting: boolean): void {
    const buf = this.partial === undefined ? chunk : Buffer.concat([this.partial, chunk])
    this.partial = undefined
    // From payload to payload: the bytes between (a line end, then the next line's prefix: a text
    // client's `<nick> `, or IRC's `@tags :nick!user@host PRIVMSG #room :`) are skipped unread, a
    // few in JavaScript and the rest by a native search, so that a protocol whose prefix is
    // longer costs the load generator no more per message (it shares the machine with the server).
    const n = buf.length
    let i = 0
    while (i < n) {
      let tilde = -1
      const near = i + NEAR < n ? i + NEAR : n
      for (let j = i; j < near; j++) {
        if (buf[j] === TILDE) {
          tilde = j
          break
        }
      }
      if (tilde === -1 && near < n) tilde = indexOf.call(buf, TILDE, near)
      if (tilde === -1) return
      // A payload cut by the chunk's end is read with the next chunk.
      if (tilde + PAYLOAD_HEAD > n) {
        // A copy: a Buffer's `slice` is a view, and the peers read every socket into one buffer.
        this.partial = Uint8Array.prototype.slice.call(buf, tilde)
        return
      }
      // Other lines may hold a `~` (IRC's 005 does): only a payload's own letters make it one.
      if (buf[tilde + FIELD_S] !== S || buf[tilde + FIELD_Q] !== Q || buf[tilde + FIELD_T] !== T) {
        i = tilde + 1
        continue
      }
      this.message(buf, tilde, now, counting)
      i = tilde + MESSAGE_BYTES - 1 < n && buf[tilde + MESSAGE_BYTES - 2] === PAD ? tilde + MESSAGE_BYTES - 1 : tilde + PAYLOAD_HEAD
    }
  }

  private message(buf: Uint8Array, at: number, now: number, counting: boolean) {
    const sender = digits(buf, at + FIELD_S + 1, 4)
    const seq = digits(buf, at + FIELD_Q + 1, 8)
    const sent = digits(buf, at + FIELD_T + 1, 14)
    if (sender >= this.last.length) return
    this.received++
    if (counting) this.inWindow++
    const last = this.last[sender]
    if (seq <= last) {
      this.outOfOrder++
    } else {
      this.gaps += seq - last - 1
      this.last[sender] = seq
    }
    this.latency.record(now - sent)
    this.onMessage(sender, seq)
  }
}
