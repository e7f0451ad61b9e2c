import * as Effect from "effect/Effect"
import type { EventEmitter } from "node:events"
import type * as Net from "node:net"
import type { Refused } from "../protocol/Reply.js"
import type { Counters } from "../observe/Stats.js"
import type { Sessions } from "../session/Sessions.js"
import { replyText } from "../wire/TextCodec.js"

/** Why a connection was refused, in the words a text client gets. */
const refusedBody = (refusal: typeof Refused.Type): string => `${replyText(refusal) ?? "Refused."}\n`

/** How long a refused socket may take to read its 503 and go. */
const refusedLingerMs = 2000

/**
 * The HTTP port's sockets under the server's connection limits: each counts
 * as a connection from its address from when it is accepted until it closes,
 * or until it becomes a WebSocket session (which then counts itself). One
 * past the limits never reaches Node's HTTP parser (nor, on a TLS port, its
 * handshake): it gets a 503 and is closed, and the log says so at most once a second, with how many. A socket
 * that does not finish a request in time is closed by Node (`timeouts`).
 */
export class HttpAdmission {
  private readonly held = new Map<Net.Socket, () => void>()
  private unlogged: { count: number; refusal: typeof Refused.Type; peer: string } | undefined = undefined
  /** Whether a log line went out less than a second ago (refusals meanwhile wait for the next). */
  private quiet = false

  constructor(
    private readonly sessions: Sessions["Service"],
    private readonly counters: Pick<Counters, "refused">,
    /** Runs an effect of its own (a log line, a clock) in the listener's scope. */
    private readonly run: (effect: Effect.Effect<void>) => unknown
  ) {}

  /** Node's HTTP server options that close a connection which has not sent a whole request within `ms`. */
  static timeouts(ms: number) {
    return { headersTimeout: ms, requestTimeout: ms, connectionsCheckingInterval: Math.max(250, Math.min(1000, Math.floor(ms / 2))) }
  }

  /**
   * Puts `server`'s sockets under the limits, from when they are accepted: Node's own listener
   * sees only the admitted ones. On a TLS port one past the limits is closed before its
   * handshake (it could not read a 503).
   */
  guard<S extends EventEmitter>(server: S, tls: boolean): S {
    const next = server.listeners("connection") as Array<(socket: Net.Socket) => void>
    server.removeAllListeners("connection")
    server.on("connection", (socket: Net.Socket) => {
      if (this.admit(socket, tls)) for (const listener of next) listener.call(server, socket)
    })
    return server
  }

  /** A socket (or the TLS socket over it) becomes a WebSocket session, which counts itself from now on. */
  upgraded(socket: Net.Socket): void {
    // Node's TLS socket keeps the TCP socket it runs over as `_parent`.
    const tcp = (socket as Net.Socket & { readonly _parent?: Net.Socket })._parent ?? socket
    this.held.get(tcp)?.()
  }


  private admit(socket: Net.Socket, tls: boolean): boolean {
    const held = this.sessions.hold(socket.remoteAddress)
    if (typeof held !== "function") {
      this.refuse(socket, held, tls)
      return false
    }
    let release: (() => void) | undefined = held
    this.held.set(socket, () => {
      release?.()
      release = undefined
      this.held.delete(socket)
    })
    socket.once("close", () => this.held.get(socket)?.())
    return true
  }

  private refuse(socket: Net.Socket, refusal: typeof Refused.Type, tls: boolean): void {
    this.counters.refused++
    this.tell(socket, refusal)
    if (tls) return void socket.destroy()
    const body = Buffer.from(refusedBody(refusal), "utf8")
    socket.on("error", () => undefined)
    // A deadline, not an idle timer: a client that keeps sending cannot keep its socket.
    this.run(Effect.sleep(refusedLingerMs).pipe(Effect.ensuring(Effect.sync(() => socket.destroy()))))
    socket.end(
      "HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain; charset=utf-8\r\nconnection: close\r\n" +
        `content-length: ${body.length}\r\n\r\n${body.toString("utf8")}`
    )
    // What it sends is read and dropped, so that its end arrives.
    socket.resume()
  }

  /** Logs a refusal: at once when none was logged in the last second, else with the others of that second. */
  private tell(socket: Net.Socket, refusal: typeof Refused.Type): void {
    const peer = socket.remoteAddress ?? "unknown"
    this.unlogged = { count: (this.unlogged?.count ?? 0) + 1, refusal, peer }
    if (this.quiet) return
    this.quiet = true
    this.flushLog()
    this.run(Effect.sleep(1000).pipe(Effect.ensuring(Effect.sync(() => {
      this.quiet = false
      this.flushLog()
    }))))
  }

  private flushLog(): void {
    const unlogged = this.unlogged
    if (unlogged === undefined) return
    this.unlogged = undefined
    const { count, peer, refusal } = unlogged
    this.run(
      Effect.logWarning(`refused ${count} HTTP connection${count === 1 ? "" : "s"}: ${refusedBody(refusal).trim()}`).pipe(
        Effect.annotateLogs({ peer })
      )
    )
  }
}
