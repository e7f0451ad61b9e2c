import type * as Arr from "effect/Array"
import * as Cause from "effect/Cause"
import * as Channel from "effect/Channel"
import * as Effect from "effect/Effect"
import type * as Pull from "effect/Pull"
import type * as Scope from "effect/Scope"
import type * as Socket from "effect/socket/Socket"
import * as Stream from "effect/Stream"
import { BufferedPull } from "../internal/BufferedPull.js"
import { CloseReasons } from "../protocol/CloseReason.js"
import type { Decoder, Input } from "../wire/Codec.js"
import { type Frame, Framer, framePull } from "../wire/Framing.js"
import { type Client, SessionClosed } from "./Client.js"
import { run } from "./Commands.js"
import { floodControl } from "./FloodControl.js"
import type { Listener } from "./Listener.js"

/** What reading needs of its session beyond what the interpreter does. */
export interface Reading extends Client {
  /** `address:port`, for logs. */
  readonly peer: string
  /** When the client last completed a line, in milliseconds (for the idle and ping clocks). */
  lastLine: number
  /** Its codec's reader of lines. */
  readonly decoder: Decoder
  readonly connection: { readonly pull: Reads }
  /** Bytes read from its connection. */
  bytesIn: number
}

/** The socket's reads, as a pull. */
export type Reads = Pull.Pull<Arr.NonEmptyReadonlyArray<Uint8Array | string>, Socket.SocketError, void>

/** A read's inputs, acted on: what the connection's fiber pulls. */
export type Acted = Pull.Pull<Arr.NonEmptyReadonlyArray<Input | undefined>, Socket.SocketError | SessionClosed, void>

/**
 * A session's input, from its socket's reads, in the connection's scope:
 * bounded line framing (telnet commands taken out), then flood control
 * (`Stream.throttle`), then sanitizing and decoding by the codec, then the
 * commands, which act on the hub. Each pull reads, decodes and acts.
 *
 * It ends when the client leaves (`SessionClosed`) or the connection does
 * (`SocketError`); a close from outside interrupts it wherever it waits.
 * Framing and decoding are pull stages: with flood control off they run as
 * one, with nothing between them (about 0.6 KiB less per connection; see
 * docs/architecture.md).
 */
export const inputs = (listener: Listener, session: Reading, scope: Scope.Scope): Effect.Effect<Acted> => {
  // Whether flood control is on is the listener's (its framing follows); its budget is as a reload leaves it.
  const { config, tuning } = listener
  const reads = session.connection.pull
  const act = (inputs: Arr.NonEmptyReadonlyArray<Input | undefined>) =>
    run(listener, session, inputs).pipe(Effect.catchDefect((defect) => failed(session, defect)), Effect.as(inputs))
  if (config.floodRate === 0) {
    return Effect.succeed(Effect.flatMap(new DecodePull(reads, new Framer(listener.framing, session), listener, session).pull, act))
  }
  const decoded = Stream.fromPull(Effect.succeed(framePull(reads, listener.framing, session))).pipe(
    floodControl({
      rate: tuning.floodRate,
      burst: tuning.floodBurst,
      // A flood budget is counted in the server's lines, whatever the listener (an IRC line is shorter).
      lineBytes: config.maxLineBytes,
      timeout: tuning.floodTimeout,
      heldBack: session.offend(`flood control: holding back a client over ${tuning.floodRate} lines/s`),
      delayed: () => {
        listener.counters.floodDelays++
      }
    }),
    (frames) => Stream.transformPull(frames, (pull) => Effect.sync(() => new DecodePull(pull, undefined, listener, session).pull))
  )
  return Effect.map(Channel.toPullScoped(Stream.toChannel(decoded), scope), (pull) => Effect.flatMap(pull, act))
}

/** A bug met while acting for a client: one line in the log, and the session ends as if its connection had. */
const failed = (session: Reading, defect: unknown) =>
  Effect.andThen(
    Effect.logWarning("session failed", Cause.die(defect)).pipe(Effect.annotateLogs({ peer: session.peer })),
    Effect.fail(new SessionClosed({ reason: CloseReasons.Reset }))
  )

const isSignal = (frame: Frame) => typeof frame !== "string" && frame._tag !== "TooLong"

/**
 * Decoding as a pull transformer: frames (or, with a `framer`, the socket's
 * reads to frame) become inputs, through the codec. Before the client has
 * registered, one line at a time, since registering changes how the next
 * line reads.
 */
class DecodePull<E, R> extends BufferedPull<Frame | Uint8Array | string, Frame, Input | undefined, E, R> {
  constructor(
    source: Pull.Pull<Arr.NonEmptyReadonlyArray<Frame | Uint8Array | string>, E, void, R>,
    private readonly framer: Framer | undefined,
    private readonly listener: Listener,
    private readonly session: Reading
  ) {
    super(source)
  }

  protected split(items: Arr.NonEmptyReadonlyArray<Frame | Uint8Array | string>): ReadonlyArray<Frame> {
    return this.framer === undefined ? items as ReadonlyArray<Frame> : this.framer.push(items as ReadonlyArray<Uint8Array>)
  }

  protected take(): Arr.NonEmptyReadonlyArray<Input | undefined> {
    const from = this.at
    this.at = this.session.nick === undefined ? this.throughLine(from) : Math.min(this.pending.length, from + this.listener.framing.maxBatch)
    const out: Array<Input | undefined> = []
    let lines = 0
    for (let i = from; i < this.at; i++) {
      const frame = this.pending[i]
      if (typeof frame === "string" || frame._tag === "TooLong") lines++
      const input = this.input(frame)
      // A line may be several commands (IRC's `JOIN #a,#b`), or none.
      if (!Array.isArray(input)) out.push(input as Input | undefined)
      else if (input.length === 0) out.push(undefined)
      else out.push(...input)
    }
    if (lines > 0) {
      this.session.lastLine = this.listener.now()
      this.listener.counters.linesIn += lines
    }
    return out as unknown as Arr.NonEmptyReadonlyArray<Input | undefined>
  }

  /** Where the frames up to and including the next line end (telnet's signals change nothing and go along). */
  private throughLine(from: number): number {
    let i = from
    while (i < this.pending.length - 1 && isSignal(this.pending[i])) i++
    return i + 1
  }

  private input(frame: Frame): Input | ReadonlyArray<Input> | undefined {
    if (typeof frame === "string") return this.session.decoder.decode(frame, this.session.nick !== undefined)
    switch (frame._tag) {
      case "TooLong":
        return { _tag: "Invalid", reply: { _tag: "LineTooLong", max: this.listener.limits.lineBytes } }
      case "Interrupt":
        return { _tag: "Quit" }
      case "TimingMark":
        return { _tag: "TimingMark" }
      case "Partial":
        return undefined
    }
  }
}
