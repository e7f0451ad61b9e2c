import type * as Arr from "effect/Array"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type * as Socket from "effect/socket/Socket"
import * as Stream from "effect/Stream"
import type { ChatConfigShape } from "../ChatConfig.js"
import type { Connection } from "../transport/Connection.js"
import type { Decoder, Input } from "../wire/Codec.js"
import { type Frame, frames } from "../wire/Framing.js"
import { type Client, type CommandEnv, run, type SessionClosed } from "./Commands.js"
import { floodControl } from "./FloodControl.js"

/** What the reading side needs of its session beyond what the interpreter does. */
export interface ReaderClient extends Client {
  /** When the client last completed a line, in milliseconds (for the idle timeout). */
  lastLine: number
}

export interface ReaderEnv extends CommandEnv {
  readonly config: ChatConfigShape
  readonly telnet: boolean
  readonly decoder: Decoder
  readonly now: () => number
}

/**
 * One connection's input, read as a Stream: the socket's bytes, then bounded
 * line framing (telnet commands taken out), then flood control, then
 * sanitizing and decoding by the codec, then the commands, which act on the
 * hub. It ends when the client leaves (`SessionClosed`) or the connection
 * does (`SocketError`); a close from outside interrupts it wherever it waits.
 */
export const read = (
  env: ReaderEnv,
  client: ReaderClient,
  connection: Connection
): Effect.Effect<void, SessionClosed | Socket.SocketError, Scope.Scope> => {
  const { config } = env
  const flood = config.floodRate > 0
  const lines = Stream.fromPull(Effect.succeed(connection.pull)).pipe(
    frames({
      maxLineBytes: config.maxLineBytes,
      telnet: env.telnet,
      partials: flood,
      // A held-back read waits at most for a burst's worth of tokens.
      maxBatch: flood ? config.floodBurst : 1024,
      counters: env.counters
    })
  )
  const limited = flood
    ? floodControl({
      rate: config.floodRate,
      burst: config.floodBurst,
      lineBytes: config.maxLineBytes,
      timeout: config.floodTimeout,
      heldBack: client.offend(`flood control: holding back a client over ${config.floodRate} lines/s`)
    })(lines)
    : lines
  return decoded(env, client)(limited).pipe(Stream.runForEachArray(run(env, client)))
}

/**
 * The decoding stage: frames become inputs, through the codec. Before the
 * client has registered, one line at a time, since registering changes how
 * the next line reads.
 */
const decoded = (env: ReaderEnv, client: ReaderClient) =>
<E, R>(framed: Stream.Stream<Frame, E, R>): Stream.Stream<Input | undefined, E, R> =>
  Stream.transformPull(framed, (pull) =>
    Effect.sync(() => {
      let pending: ReadonlyArray<Frame> = []
      let at = 0
      const tooLong: Input = { _tag: "Invalid", reply: { _tag: "LineTooLong", max: env.config.maxLineBytes } }
      const input = (frame: Frame): Input | undefined => {
        if (typeof frame === "string") return env.decoder.decode(frame, client.nick !== undefined)
        switch (frame._tag) {
          case "TooLong":
            return tooLong
          case "Interrupt":
            return { _tag: "Quit" }
          case "TimingMark":
            return { _tag: "TimingMark" }
          case "Partial":
            return undefined
        }
      }
      const take = (): Arr.NonEmptyReadonlyArray<Input | undefined> => {
        const from = at
        at = client.nick === undefined ? at + 1 : pending.length
        const out: Array<Input | undefined> = []
        let completed = false
        for (let i = from; i < at; i++) {
          const frame = pending[i]
          if (typeof frame === "string" || frame._tag === "TooLong") completed = true
          out.push(input(frame))
        }
        if (completed) client.lastLine = env.now()
        return out as unknown as Arr.NonEmptyReadonlyArray<Input | undefined>
      }
      return Effect.suspend(() => {
        if (at < pending.length) return Effect.succeed(take())
        return Effect.map(pull, (arr) => {
          pending = arr
          at = 0
          return take()
        })
      })
    }))
