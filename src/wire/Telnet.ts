/**
 * Telnet's in-band commands (RFC 854): `IAC` (255) and what follows it. A
 * telnet client sends them among the text, most visibly on Ctrl-C:
 * `IAC IP` (interrupt) then `IAC DO TIMING-MARK`. They are never text: the
 * filter takes them out of the byte stream and reports the two that mean
 * something to a chat session.
 */
export const IAC = 255
const SE = 240
const IP = 244
const SB = 250
const WILL = 251
const DO = 253
const DONT = 254
const TIMING_MARK = 6

/** What a command asks of the session: an interrupt, or a timing mark to answer. */
export type TelnetSignal = "interrupt" | "timing-mark"

/** `IAC WILL TIMING-MARK`: the answer to `IAC DO TIMING-MARK`. */
export const willTimingMark: Uint8Array = Uint8Array.of(IAC, WILL, TIMING_MARK)

const enum State {
  Data,
  Iac,
  Option,
  Sub,
  SubIac
}

/**
 * Strips telnet commands from a byte stream, across chunk boundaries:
 * option negotiation (`IAC WILL/WONT/DO/DONT x`), subnegotiation
 * (`IAC SB ... IAC SE`) and two-byte commands. `IAC IAC` is a data byte 255.
 */
export class TelnetFilter {
  private state = State.Data
  private command = 0

  /** Whether `chunk` needs the filter at all: no command in it and none in progress. */
  clean(chunk: Uint8Array, from: number, to: number): boolean {
    if (this.state !== State.Data) return false
    const at = chunk.indexOf(IAC, from)
    return at === -1 || at >= to
  }

  /**
   * Feeds `chunk[from, to)`: hands runs of data to `data`, and the commands
   * that mean something to `signal`, in the order they came.
   */
  feed(
    chunk: Uint8Array,
    from: number,
    to: number,
    data: (bytes: Uint8Array, from: number, to: number) => void,
    signal: (signal: TelnetSignal) => void
  ): void {
    let start = from
    for (let i = from; i < to; i++) {
      const b = chunk[i]
      switch (this.state) {
        case State.Data:
          if (b === IAC) {
            if (i > start) data(chunk, start, i)
            this.state = State.Iac
          }
          continue
        case State.Iac:
          if (b === IAC) {
            // A literal 255: keep it as data.
            this.state = State.Data
            start = i
            continue
          }
          if (b >= WILL && b <= DONT) {
            this.command = b
            this.state = State.Option
            continue
          }
          if (b === SB) {
            this.state = State.Sub
            continue
          }
          if (b === IP) signal("interrupt")
          this.state = State.Data
          // IAC before a byte that is no command is dropped; the byte is data.
          start = b >= SE ? i + 1 : i
          continue
        case State.Option:
          if (this.command === DO && b === TIMING_MARK) signal("timing-mark")
          this.state = State.Data
          start = i + 1
          continue
        case State.Sub:
          if (b === IAC) this.state = State.SubIac
          continue
        case State.SubIac:
          this.state = b === SE ? State.Data : State.Sub
          start = i + 1
          continue
      }
    }
    if (this.state === State.Data && start < to) data(chunk, start, to)
  }
}
