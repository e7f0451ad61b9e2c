import type * as Arr from "effect/Array"
import * as Channel from "effect/Channel"
import type * as Pull from "effect/Pull"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type * as Socket from "effect/socket/Socket"
import * as Stream from "effect/Stream"
import type { ChatConfigShape } from "../ChatConfig.js"
import type { Decoder, Format, Input } from "../wire/Codec.js"
import { type Frame, Framer, frames, type FramingOptions } from "../wire/Framing.js"
import type { Client, CommandEnv, SessionClosed } from "./Client.js"
import { run } from "./Commands.js"
import { floodControl } from "./FloodControl.js"

/** What the reading side needs of its session beyond what the interpreter does. */
export interface ReaderClient extends Client {
  /** When the client last completed a line, in milliseconds (for the idle timeout). */
  lastLine: number
  /** Its codec's reader of lines (a wire format with a handshake keeps its state in it). */
  readonly decoder: Decoder
}

export interface ReaderEnv extends CommandEnv {
  readonly config: ChatConfigShape
  /** How every connection of this server is framed. */
  readonly framing: FramingOptions
  readonly now: () => number
}

/** How connections are framed on a server with `config`. */
export const framingOf = (
  config: ChatConfigShape,
  format: Pick<Format, "telnet" | "maxLineBytes" | "readEndsLine" | "frameBytes">,
  counters: { bytesIn: number }
): FramingOptions => ({
  maxLineBytes: format.maxLineBytes ?? format.frameBytes?.(config.maxLineBytes) ?? config.maxLineBytes,
  telnet: format.telnet,
  readEndsLine: format.readEndsLine === true,
  partials: config.floodRate > 0,
  // A held-back read waits at most for a burst's worth of tokens.
  maxBatch: config.floodRate > 0 ? config.floodBurst : 1024,
  counters
})

/** The socket's reads, as a pull. */
export type Reads = Pull.Pull<Arr.NonEmptyReadonlyArray<Uint8Array | string>, Socket.SocketError, void>

/**
 * One connection's input, read as a Stream: the socket's bytes, then bounded
 * line framing (telnet commands taken out), then flood control
 * (`Stream.throttle`), then sanitizing and decoding by the codec, then the
 * commands, which act on the hub. `open` opens the connection in the
 * stream's scope and gives its reads.
 *
 * It ends when the client leaves (`SessionClosed`) or the connection does
 * (`SocketError`); a close from outside interrupts it wherever it waits.
 * Framing and decoding are pull stages: with flood control off nothing sits
 * between them, and they run as one Stream stage (about 0.6 KiB less per
 * connection; see docs/architecture.md).
 */
export const read = (
  env: ReaderEnv,
  client: ReaderClient,
  open: (scope: Scope.Scope) => Effect.Effect<Reads, Socket.SocketError>
): Effect.Effect<void, SessionClosed | Socket.SocketError> => {
  const { config } = env
  const commands = run(env, client)
  if (config.floodRate === 0) {
    return Stream.fromChannel(Channel.fromTransform((_, scope) =>
      Effect.map(open(scope), (reads) => lineInputs(reads, env, client))
    )).pipe(Stream.runForEachArray(commands))
  }
  return Stream.fromChannel(Channel.fromTransform((_, scope) => open(scope)))
    .pipe(
      frames(env.framing),
      floodControl({
        rate: config.floodRate,
        burst: config.floodBurst,
        lineBytes: config.maxLineBytes,
        timeout: config.floodTimeout,
        heldBack: client.offend(`flood control: holding back a client over ${config.floodRate} lines/s`),
        delayed: () => {
          env.counters.floodDelays++
        }
      }),
      decoded(env, client),
      Stream.runForEachArray(commands)
    )
}

const none: ReadonlyArray<Frame> = []
const isSignal = (frame: Frame) => typeof frame !== "string" && frame._tag !== "TooLong"

/**
 * Decoding as a pull transformer: frames become inputs, through the codec.
 * Before the client has registered, one line at a time, since registering
 * changes how the next line reads.
 */
const decodePull = <E, R>(
  frames: Pull.Pull<Arr.NonEmptyReadonlyArray<Frame>, E, void, R>,
  env: ReaderEnv,
  client: ReaderClient
): Pull.Pull<Arr.NonEmptyReadonlyArray<Input | undefined>, E, void, R> => new DecodePull(frames, undefined, env, client).pull

/** Framing and decoding in one pull, straight from the socket's reads. */
const lineInputs = (reads: Reads, env: ReaderEnv, client: ReaderClient) =>
  new DecodePull(reads, new Framer(env.framing), env, client).pull

class DecodePull<E, R> {
  private pending: ReadonlyArray<Frame> = none
  private at = 0
  readonly pull: Pull.Pull<Arr.NonEmptyReadonlyArray<Input | undefined>, E, void, R>

  constructor(
    /** Frames, or (with a `framer`) the socket's reads to frame. */
    private readonly source: Pull.Pull<Arr.NonEmptyReadonlyArray<Frame | Uint8Array | string>, E, void, R>,
    private readonly framer: Framer | undefined,
    private readonly env: ReaderEnv,
    private readonly client: ReaderClient
  ) {
    this.pull = Effect.suspend(() => this.next())
  }

  private next(): Pull.Pull<Arr.NonEmptyReadonlyArray<Input | undefined>, E, void, R> {
    if (this.at < this.pending.length) return Effect.succeed(this.take())
    this.pending = none
    return Effect.flatMap(this.source, (items) => {
      const frames = this.framer === undefined ? items as ReadonlyArray<Frame> : this.framer.push(items as ReadonlyArray<Uint8Array>)
      if (frames.length === 0) return this.pull
      this.pending = frames
      this.at = 0
      return Effect.succeed(this.take())
    })
  }

  private take(): Arr.NonEmptyReadonlyArray<Input | undefined> {
    const from = this.at
    this.at = this.client.nick === undefined ? this.throughLine(from) : Math.min(this.pending.length, from + this.env.framing.maxBatch)
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
      this.client.lastLine = this.env.now()
      this.env.counters.linesIn += lines
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
    if (typeof frame === "string") return this.client.decoder.decode(frame, this.client.nick !== undefined)
    switch (frame._tag) {
      case "TooLong":
        return { _tag: "Invalid", reply: { _tag: "LineTooLong", max: this.env.framing.maxLineBytes } }
      case "Interrupt":
        return { _tag: "Quit" }
      case "TimingMark":
        return { _tag: "TimingMark" }
      case "Partial":
        return undefined
    }
  }
}

/** The decoding stage. */
const decoded = (env: ReaderEnv, client: ReaderClient) =>
<E, R>(framed: Stream.Stream<Frame, E, R>): Stream.Stream<Input | undefined, E, R> =>
  Stream.transformPull(framed, (pull) => Effect.sync(() => decodePull(pull, env, client)))
