import * as Context from "effect/Context"
import type { Command } from "../protocol/Command.js"
import type { Envelope, Event } from "../protocol/Event.js"
import type { Reply } from "../protocol/Reply.js"

/** A line a client sent, as the session acts on it. */
export type Input =
  | Command
  /** Not a valid command: the client is told this. */
  | { readonly _tag: "Invalid"; readonly reply: Reply }
  /** A line the codec answers itself (a ping, a capability query), in order with everything else. */
  | { readonly _tag: "Reply"; readonly reply: Reply }
  /** A line sent with a label (IRCv3 labeled-response): what it says, whose answers the client is shown with the label. */
  | { readonly _tag: "Labeled"; readonly label: string; readonly inputs: ReadonlyArray<Input> }

/**
 * Reads one client's lines. A codec hands each connection its own (a wire
 * format with a handshake keeps its state here).
 */
export interface Decoder {
  /**
   * One line as the client sent it (framed, not yet sanitized): a command,
   * an error to tell the client, or `undefined` for a line to ignore (blank).
   * Before the session has registered (`registered` false) the line is read
   * as an attempt to choose a nickname.
   */
  readonly decode: (line: string, registered: boolean) => Input | ReadonlyArray<Input> | undefined
  /** The session's nickname, whenever it is given or changes: what its messages are relayed under. */
  readonly named?: (nick: string) => void
  /**
   * The events of a delivery this connection shows its session (`self`):
   * IRC shows no sender its own messages, and a quit or a rename once
   * however many rooms it shares with them. The very same array when
   * nothing is left out (then the room's shared bytes serve). Absent:
   * nothing is ever left out.
   */
  readonly filter?: (events: ReadonlyArray<Envelope>, self: string) => ReadonlyArray<Envelope>
  /**
   * Which of its format's variants shows this connection its events (`Format.variant`): IRC's
   * tagged ones, for what its capabilities add. 0 or absent: the format itself.
   */
  readonly variant?: number
}

/**
 * How long a listener's lines may be, worked out once (`lineLimits`):
 * framing holds a line up to `frameBytes`, and every reply and log line
 * that names the limit names `lineBytes`.
 */
export interface LineLimits {
  /** The longest line's text a client may send, in bytes without its line end. */
  readonly lineBytes: number
  /** The longest frame that carries one line (longer than `lineBytes` where the wire wraps the text: JSON). */
  readonly frameBytes: number
}

/**
 * The answers to one labeled command (IRCv3 labeled-response) as they arrive, between its two
 * `Label` answers: what its session is shown meanwhile goes through here, in order, and comes out
 * when it may, the answers with the label on them.
 */
export interface LabelWindow {
  /** Whether `event`, shown to the session meanwhile, answers the command (not someone else's doing). */
  readonly answers: (event: Event) => boolean
  /** An event's rendering for the session: what may be shown of it (and of what was held) now. */
  readonly add: (rendered: string | Uint8Array, answers: boolean) => string
  /** The command's answers are all there: the rest (an `ACK` when there were none). */
  readonly end: () => string
}

/** What a wire format defines; `makeCodec` (`CodecCache.ts`) adds the caching. */
export interface Format {
  readonly name: string
  /** Whether its clients may speak telnet (its commands are then taken out of the input). */
  readonly telnet: boolean
  /** A session is in one room at a time (joining moves it, and it starts in `#lobby`), or in any number. */
  readonly rooms: "one" | "many"
  /** The longest line its clients may send, in bytes without the line end (the server's limit when absent). */
  readonly maxLineBytes?: number
  /** Whether the server pings its silent clients (IRC's liveness check) and drops those that do not answer. */
  readonly pings?: boolean
  /**
   * Keep each event's rendering: for a protocol whose members may be shown
   * part of a run (IRC's senders are not shown their own), which then costs
   * a join, not a rendering of every event again.
   */
  readonly separately?: boolean
  /** Its clients choose no nickname: each is registered under its address as it connects (the seed protocol). */
  readonly anonymous?: boolean
  /** What one read brings without a line end is a line of its own (the seed protocol). */
  readonly readEndsLine?: boolean
  /**
   * The longest frame its clients may send, in bytes, for a server whose
   * lines may be `maxLineBytes` (JSON's escaping makes a line's frame longer).
   */
  readonly frameBytes?: (maxLineBytes: number) => number
  /** A connection's reader of lines, within its listener's limits. */
  readonly decoder: (limits: LineLimits) => Decoder
  /**
   * An event as this wire shows it, line end included; bytes for what is not text. `at`: when it
   * was published (milliseconds since the epoch), for a wire that shows it (IRC's `server-time`).
   */
  readonly render: (event: Event, at?: number) => string | Uint8Array
  /** The format for connections whose decoder names `variant` (non-zero): each is a codec of its own, shared by them all. */
  readonly variant?: (variant: number) => Format
  /** A window for the answers to a command labeled `label` by the session `self` (known as `nick`), for a wire with labels. */
  readonly labeled?: (label: string, self: string, nick: string | undefined) => LabelWindow
}

/**
 * A wire format: how a client's lines become commands, and how events look
 * on its connection. Every byte the server sends a client goes through one.
 */
export interface CodecShape extends Format {
  /** The event's bytes, computed once per envelope. */
  readonly encode: (envelope: Envelope) => Uint8Array
  /**
   * The bytes of a run of consecutive events of one room, computed once for
   * every member handed the same run (the hub hands them one array). A
   * member shown part of a run (`Decoder.filter`) gives the `whole` run too:
   * its part is joined from the texts rendered for the whole.
   */
  readonly encodeRun: (envelopes: ReadonlyArray<Envelope>, whole?: ReadonlyArray<Envelope>) => Uint8Array
  /** An event's bytes, for a connection that is not in the hub (a refused one). */
  readonly encodeEvent: (event: Event) => Uint8Array
  /** The codec of a variant of its format (`Format.variant`), made once; itself for 0 or a format with none. */
  readonly variant: (variant: number) => CodecShape
}

/**
 * The connection's wire format: `makeCodec(format)` for any `Format`
 * (`TextCodec.layer` is the text protocol's, the default listener's).
 */
export class Codec extends Context.Service<Codec, CodecShape>()("hubbub/Codec") {}
