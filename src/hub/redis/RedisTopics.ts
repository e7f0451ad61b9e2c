import * as Effect from "effect/Effect"
import type { Event } from "../../protocol/Event.js"
import type { Nick, Room, SessionId } from "../../protocol/Names.js"
import type { Directory } from "../Directory.js"
import type { Hub } from "../Hub.js"
import { HubError, NotOperator } from "../HubError.js"
import * as RoomScripts from "./RedisRoomScripts.js"
import * as Scripts from "./RedisScripts.js"
import type { RedisWire } from "./RedisWire.js"

export interface TopicsWorld {
  readonly directory: Directory
  readonly wire: RedisWire
  readonly run: <A>(script: string, args: ReadonlyArray<string>) => Effect.Effect<A, unknown>
  /** An event as a script publishes it: a batch of its own, that this server knows it sent. */
  readonly stamped: (event: Event) => string
  /** Delivers here alone (the link is down, or Redis did not answer). */
  readonly local: (event: Event) => void
  readonly nickOf: (session: SessionId) => Effect.Effect<Nick, HubError>
  /** Why a session cannot act in a room it is not in here. */
  readonly notIn: (room: Room) => Effect.Effect<never, HubError>
  readonly now: () => number
}

/**
 * Rooms' topics for a cluster. The topic, who set it and when are fields of `info:<room>`
 * (`topic`, `topicBy`, `topicAt`, `topicFor`), set and cleared together by one script that also publishes the
 * change: every server answers a join or a `TOPIC` query with the same three. While the link is
 * down, this server's own copy (its {@link Directory}) is set instead.
 */
export const topics = (world: TopicsWorld): Pick<Hub["Service"], "setTopic" | "restoreRoom"> => {
  const { directory } = world
  return {
    setTopic: Effect.fn("Hub.setTopic")(function*(session: SessionId, room: Room, topic: string | undefined) {
      const nick = yield* world.nickOf(session)
      if (!directory.roomsOf(session).includes(room)) return yield* world.notIn(room)
      const setter = { by: nick, at: world.now() }
      const changed: Event = { _tag: "TopicChanged", room, by: nick, ...(topic === undefined ? {} : { topic }) }
      const args = [room, world.wire.global(session), topic ?? "", topic === undefined ? "0" : "1", world.stamped(changed), nick, String(setter.at)]
      const set = yield* world.run<number>(RoomScripts.topic, args).pipe(
        Effect.orElseSucceed(() =>
          directory.modes(room)?.topicLock && !directory.isOperator(session, room) ? -1 : topic !== undefined && directory.topic(room) === topic ? 2 : 0
        )
      )
      if (set === -1) return yield* Effect.fail(new HubError({ reason: new NotOperator({ room }) }))
      // The same topic again: no change, its setter stays.
      if (set === 2) return undefined
      directory.setTopic(room, topic, setter)
      if (set !== 1) world.local(changed)
      return setter
    }),
    restoreRoom: (room, kept) =>
      Effect.ignore(world.run(Scripts.revive, [
        room,
        kept.topic ?? "",
        kept.topicSetter?.by ?? "",
        kept.topicSetter === undefined ? "" : String(kept.topicSetter.at),
        ...kept.history.map((entry) => JSON.stringify(entry))
      ]))
  }
}
