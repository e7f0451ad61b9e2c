import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { Event } from "../protocol/Event.js"
import { merged } from "../protocol/HistoryRange.js"
import type { Room } from "../protocol/Names.js"
import { RoomArchive } from "../store/RoomArchive.js"
import { Hub, type RoomKept } from "./Hub.js"

/**
 * A hub whose rooms' messages and topics are kept in a {@link RoomArchive}
 * too: for a hub that keeps them somewhere it may lose them (the Redis hub
 * keeps them in Redis, which may restart empty). Each server archives what
 * its own sessions say and set, so a message is written once. A session
 * joining a room for which the hub gives no history or no topic is given
 * the archive's (its last `history` messages), and they are put back in the
 * hub (`Hub.restoreRoom`), so the next one to join finds them there.
 */
/** How long a join waits for the archive. */
const askWithin = Duration.seconds(1)
const empty: RoomKept = { topic: undefined, history: [] }

export const archived = (hub: Hub["Service"], archive: RoomArchive["Service"], history: number) =>
  Effect.gen(function*() {
    const clock = yield* Clock.Clock
    const runFork = Effect.runForkWith(yield* Effect.context<never>())
    const keep = (event: Event) => {
      if (event._tag === "Chat" || event._tag === "Action") {
        archive.said(event.room, clock.currentTimeMillisUnsafe(), event.from, event.text, event._tag === "Action", event.id)
      }
    }
    // One question to the archive a room at a time: a reconnect storm that joins thousands shares it.
    // Asked by a fiber of its own, so a joiner that goes meanwhile takes the answer from nobody else.
    const asking = new Map<Room, Deferred.Deferred<RoomKept>>()
    const recall = (room: Room) =>
      Effect.suspend(() => {
        let answer = asking.get(room)
        if (answer === undefined) {
          const made = Deferred.makeUnsafe<RoomKept>()
          asking.set(room, answer = made)
          runFork(
            archive.recall(room, history).pipe(
              // A store that does not answer soon holds no join up: the room comes back without it.
              Effect.timeoutOrElse({ duration: askWithin, orElse: () => Effect.as(Effect.logWarning(`the store did not answer within ${Duration.format(askWithin)}: ${room} joined without what it kept`), empty) }),
              Effect.tap((kept) => kept.topic !== undefined || kept.history.length > 0 ? hub.restoreRoom(room, kept) : Effect.void),
              Effect.onExit((exit) =>
                Effect.sync(() => {
                  asking.delete(room)
                  Deferred.doneUnsafe(made, exit)
                })
              )
            )
          )
        }
        return Deferred.await(answer)
      })
    const archivedHub: Hub["Service"] = {
      ...hub,
      publish: (event) =>
        Effect.suspend(() => {
          keep(event)
          return hub.publish(event)
        }),
      publishAll: (events) =>
        Effect.suspend(() => {
          events.forEach(keep)
          return hub.publishAll(events)
        }),
      // Redis keeps the last messages of every server's sessions; the store, all of this one's (or all of everyone's, when shared).
      backlog: (room, range) =>
        Effect.map(Effect.all([hub.backlog(room, range), archive.lines(room, range)]), ([kept, stored]) => merged(kept, stored, range)),
      setTopic: (session, room, topic) =>
        Effect.tap(hub.setTopic(session, room, topic), (setter) => Effect.sync(() => setter !== undefined && archive.topic(room, topic, setter.at, setter.by))),
      join: (session, room, key, seed) =>
        Effect.flatMap(hub.join(session, room, key, seed), (joined) =>
          joined.already || ((joined.history.length > 0 || history === 0) && joined.topic !== undefined)
            ? Effect.succeed(joined)
            : Effect.map(recall(room), (kept) => ({
              ...joined,
              ...(joined.topic !== undefined ? { topic: joined.topic, topicSetter: joined.topicSetter } : { topic: kept.topic, topicSetter: kept.topicSetter }),
              history: joined.history.length > 0 || history === 0 ? joined.history : kept.history
            })))
    }
    return archivedHub
  })

/** `inner`'s hub, archived: its rooms' messages and topics kept in the {@link RoomArchive} too. */
export const layer = <E, R>(inner: Layer.Layer<Hub, E, R>, history: number): Layer.Layer<Hub, E, R | RoomArchive> =>
  Layer.effect(
    Hub,
    Effect.gen(function*() {
      const archive = yield* RoomArchive
      return yield* archived(yield* Hub, archive, history)
    })
  ).pipe(Layer.provide(inner))
