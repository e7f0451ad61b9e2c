import type { Delivery } from "../Delivery.js"
import { addressOf } from "../Delivery.js"
import type { Directory } from "../Directory.js"
import type { Room } from "../../protocol/Names.js"
import type { RedisModeration } from "./RedisModeration.js"
import type { RedisOutbox } from "./RedisOutbox.js"
import type { RedisOwners } from "./RedisOwners.js"
import type { RedisWire } from "./RedisWire.js"
import type { Watchers } from "../Watchers.js"

export interface InboxWorld {
  readonly wire: RedisWire
  readonly outbox: RedisOutbox
  readonly directory: Directory
  readonly delivery: Delivery
  readonly owners: RedisOwners
  readonly moderation: RedisModeration
  readonly watchers: Watchers
}

/**
 * What comes back from Redis: a batch, delivered to this server's sessions as addressed (a
 * leaver gets its own `Left`, though the directory has let it go), after what it changes here.
 */
export const inbox = (world: InboxWorld) => (payload: string): void => {
  const { delivery, directory, outbox, wire } = world
  const batch = wire.decode(payload)
  if (outbox.seen(batch.id)) return
  for (const event of batch.events) {
    // Another server dropped this one for a lapsed lease, yet the session is here: it stays (the lease is put back).
    if (event._tag === "Left" && event.reason === "server lost" && directory.roomsOf(event.session).includes(event.room as Room)) continue
    // Nobody here saw it leave.
    if (event._tag === "Joined" && event.back === true && delivery.has(event.session)) continue
    // Nobody here saw it under the name it lost (this server's user has that name): it joins under its new one.
    if (event._tag === "Renamed" && event.clash !== undefined && !delivery.has(event.clash)) {
      delivery.stamp({ _tag: "Joined", room: event.room, nick: event.nick, session: event.clash }, event.room, undefined, batch.at)
      continue
    }
    if (world.owners.received(event) || world.watchers.received(event)) continue
    // A server operator elsewhere disconnects a session of this server.
    if (event._tag === "Notice" && event.kills !== undefined) {
      if (event.to !== undefined) delivery.killed(event.to, event.kills, event.text)
      continue
    }
    world.moderation.received(event)
    const { room, to } = addressOf(event)
    if (to === undefined || delivery.has(to)) delivery.stamp(event, room, to, batch.at)
  }
}
