import { inRange } from "../protocol/HistoryRange.js"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { type Event, renamed } from "../protocol/Event.js"
import { Lobby, type Nick, type Room, type SessionId } from "../protocol/Names.js"
import { topicFields } from "../protocol/Topic.js"
import { RoomArchive } from "../store/RoomArchive.js"
import { Profiles } from "./Profiles.js"
import { Watchers } from "./Watchers.js"
import { Directory } from "./Directory.js"
import { addressOf, Delivery } from "./Delivery.js"
import { RoomHistory } from "./History.js"
import { Hub, type JoinSeed, type RoomKept } from "./Hub.js"
import { CannotJoin, HubError, NickInUse, NoSuchRoom, NotInRoom, NotOperator, NotRegistered } from "./HubError.js"
import * as Moderation from "./Moderation.js"
import type { HubOptions } from "./HubOptions.js"

/**
 * A hub for one process: a {@link Directory} for who is where, and a
 * {@link Delivery} (an Effect `PubSub` and its dispatcher) for what happens.
 */
export const make = Effect.fnUntraced(function*(config: HubOptions, archive?: RoomArchive["Service"]) {
  const delivery = yield* Delivery.make
  const clock = yield* Clock.Clock
  const directory = new Directory(() => clock.currentTimeMillisUnsafe(), (session, before, after) => watchers.named(session, before, after))
  const watchers = new Watchers(directory, delivery)
  const profiles = new Profiles(directory)
  const history = new RoomHistory(config.history)
  let renames = 0

  /** A room about to exist again gets what it kept (its topic, its last messages), when there is an archive. */
  const recall = (room: Room) =>
    archive === undefined || directory.has(room) ? Effect.succeed(undefined) : archive.recall(room, config.history)
  const revive = (room: Room, kept: RoomKept) => {
    history.seed(room, kept.history)
    if (directory.topic(room) === undefined) directory.setTopic(room, kept.topic, kept.topicSetter)
  }
  if (archive !== undefined) revive(Lobby, yield* archive.recall(Lobby, config.history))

  /** Hands an event to the bus, addressed as its fields say; an event for a room that does not exist, or a session that is not subscribed, goes nowhere. */
  const route = (event: Event): void => {
    const { room, to } = addressOf(event)
    if (room !== undefined) {
      if (!directory.has(room as Room)) return
      const envelope = delivery.stamp(event, room, undefined)
      if (event._tag === "Chat" || event._tag === "Action") {
        history.add(room, envelope)
        archive?.message(envelope)
      }
    } else if (to !== undefined) {
      if (delivery.has(to)) delivery.stamp(event, undefined, to)
    } else {
      delivery.stamp(event, undefined, undefined)
    }
  }
  /** A session left a room; a room left empty is gone, and its history with it. */
  const exited = (session: SessionId, room: Room) => {
    directory.exit(session, room)
    if (!directory.has(room)) history.drop(room)
  }

  /** Whether comings and goings are announced in a room of this many members. */
  const announced = (members: number) => config.announceMaxMembers === 0 || members <= config.announceMaxMembers
  const fail = (reason: HubError["reason"]) => Effect.fail(new HubError({ reason }))
  const nickOf = (session: SessionId) => {
    const nick = directory.nickOf(session)
    return nick === undefined ? fail(new NotRegistered({ session })) : Effect.succeed(nick)
  }
  /** Takes a session out of a room, telling the room (or, in a large room, the session alone) why. */
  const exit = (session: SessionId, nick: Nick, room: Room, reason: string) => {
    const quiet = !announced(directory.size(room))
    route({ _tag: "Left", room, nick, session, reason, ...(quiet ? { quiet } : {}) })
    exited(session, room)
  }

  const hub: Hub["Service"] = {
    claimNick: Effect.fn("Hub.claimNick")(function*(session: SessionId, nick: Nick) {
      const previous = directory.claim(session, nick)
      if (previous === false) return yield* fail(new NickInUse({ nick }))
      if (previous === undefined || previous === nick) return
      profiles.renamed(session, previous, clock.currentTimeMillisUnsafe())
      const rooms = directory.roomsOf(session).filter((room) => announced(directory.size(room)))
      renamed(session, previous, nick, String(++renames), rooms).forEach(route)
    }),
    join: Effect.fn("Hub.join")(function*(session: SessionId, room: Room, key?: string, seed?: JoinSeed) {
      const nick = yield* nickOf(session)
      const kept = yield* recall(room)
      const created = !directory.has(room)
      const refused = directory.admits(session, room, key, seed)
      if (refused !== undefined) return yield* fail(new CannotJoin({ room, why: refused }))
      const entered = directory.enter(session, room, yield* Clock.currentTimeMillis, seed)
      // Another session may have brought the room back while this one waited for what it kept.
      if (kept !== undefined && created) revive(room, kept)
      if (entered) {
        const quiet = !announced(directory.size(room))
        route({ _tag: "Joined", room, nick, session, ...profiles.joining(session), ...(quiet ? { quiet } : {}) })
      }
      return {
        roster: directory.roster(room)!,
        ...topicFields(directory.topicOf(room)),
        history: entered ? history.of(room) : [],
        already: !entered
      }
    }),
    part: Effect.fn("Hub.part")(function*(session: SessionId, room: Room, reason: string) {
      const nick = yield* nickOf(session)
      if (!directory.has(room)) return yield* fail(new NoSuchRoom({ room }))
      if (!directory.roomsOf(session).includes(room)) return yield* fail(new NotInRoom({ room }))
      exit(session, nick, room, reason)
    }),
    leave: Effect.fn("Hub.leave")(function*(session: SessionId, reason: string | undefined) {
      profiles.left(session, clock.currentTimeMillisUnsafe())
      const nick = directory.nickOf(session)
      if (nick === undefined) return
      for (const room of directory.roomsOf(session)) {
        if (reason !== undefined && announced(directory.size(room))) {
          route({ _tag: "Left", room, nick, session, reason, quit: true })
        }
        exited(session, room)
      }
      directory.remove(session)
    }),
    setTopic: Effect.fn("Hub.setTopic")(function*(session: SessionId, room: Room, topic: string | undefined) {
      const nick = yield* nickOf(session)
      if (!directory.has(room)) return yield* fail(new NoSuchRoom({ room }))
      if (!directory.roomsOf(session).includes(room)) return yield* fail(new NotInRoom({ room }))
      if (directory.modes(room)?.topicLock && !directory.isOperator(session, room)) return yield* fail(new NotOperator({ room }))
      // The same topic again is no change: nobody is told (modern.ircdocs.horse).
      if (topic !== undefined && directory.topic(room) === topic) return undefined
      const setter = { by: nick, at: yield* Clock.currentTimeMillis }
      directory.setTopic(room, topic, setter)
      archive?.topic(room, topic, setter.at, nick)
      route({ _tag: "TopicChanged", room, by: nick, ...(topic === undefined ? {} : { topic }) })
      return setter
    }),
    ...Moderation.local(directory, delivery, route, exited),
    speaks: (session, room) => directory.speaks(session, room),
    wallops: (from, text) => Effect.sync(() => route({ _tag: "Wallops", from, text })),
    tellServers: (note) => Effect.sync(() => route(note)),
    disconnect: (session, by, reason) => Effect.sync(() => delivery.killed(session, by, reason)),
    findNick: (nick) =>
      Effect.sync(() => {
        const session = directory.owner(nick)
        return session === undefined ? undefined : profiles.member(directory.member(session))
      }),
    describe: (session, profile) => Effect.sync(() => void profiles.describe(session, profile)),
    profiles: (nicks) => Effect.sync(() => profiles.described(nicks)),
    whois: (nick) => Effect.sync(() => profiles.whois(nick)),
    whowas: (nick) => Effect.sync(() => profiles.whowas(nick)),
    ...watchers.actions,
    tellWatchers: (session, change) => Effect.sync(() => watchers.changed(change, directory.roomsOf(session))),
    roster: (room) => Effect.sync(() => directory.roster(room)),
    matchNicks: (mask, limit) => Effect.sync(() => directory.match(mask, limit)),
    topic: (room) => Effect.sync(() => directory.topic(room)),
    topicInfo: (room) => Effect.sync(() => directory.topicOf(room)),
    backlog: (room, range) => archive === undefined ? Effect.sync(() => inRange(history.of(room), range)) : archive.lines(room, range),
    rooms: Effect.sync(() => directory.list()),
    census: Effect.sync(() => ({ ...directory.census(), servers: 1 })),
    roomsOf: (session) => Effect.sync(() => directory.roomsOf(session)),
    restoreRoom: (room, kept) =>
      Effect.sync(() => {
        if (directory.has(room)) revive(room, kept)
      }),
    identified: (session, account) =>
      Effect.sync(() => {
        directory.describe(session, { account })
        profiles.identified(session, account)
      }),
    locate: (session, host) => Effect.sync(() => directory.describe(session, { host })),
    accountDropped: () => Effect.void,
    publish: (event) => Effect.sync(() => route(event)),
    publishAll: (events) =>
      Effect.sync(() => {
        for (const event of events) route(event)
      }),
    subscribe: (session, recipient) => delivery.subscribe(session, recipient, directory.roomsOf(session)),
    events: delivery.events,
    link: Effect.succeed("alone"),
    refusals: Effect.succeed(0)
  }
  return hub
})

/** The {@link Hub} of one process: directory in maps, events through one Effect `PubSub` and its dispatcher. */
export const layer = (options: HubOptions): Layer.Layer<Hub> => Layer.effect(Hub, make(options))

/** The same, keeping rooms' topics and histories in a {@link RoomArchive}: they outlive the room emptying and the process. */
export const layerArchived = (options: HubOptions): Layer.Layer<Hub, never, RoomArchive> =>
  Layer.effect(Hub, Effect.flatMap(RoomArchive, (archive) => make(options, archive)))
