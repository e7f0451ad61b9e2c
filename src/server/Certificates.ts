import * as Context from "effect/Context"
import * as Layer from "effect/Layer"
import type * as Tls from "node:tls"

/**
 * The server's TLS listeners (text, IRC, seed, HTTP), so that a reload can give them a renewed
 * certificate: connections made after it get the new one, those already made keep theirs.
 */
export class Certificates extends Context.Service<Certificates, {
  /** Keeps a TLS listener, for the next renewal. */
  readonly serving: (server: Tls.Server) => void
  /** Gives every TLS listener this certificate (chain) and key, in PEM; how many there are. */
  readonly renew: (pair: { readonly cert: string; readonly key: string }) => number
}>()("hubbub/Certificates") {
  static readonly layer = Layer.sync(Certificates, () => {
    const servers = new Set<Tls.Server>()
    return Certificates.of({
      serving: (server) => {
        servers.add(server)
        server.once("close", () => servers.delete(server))
      },
      renew: (pair) => {
        for (const server of servers) server.setSecureContext({ cert: pair.cert, key: pair.key })
        return servers.size
      }
    })
  })
}
