import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import { type Event, renamed } from "../../protocol/Event.js"
import { type Nick, nickKey, type Room, type SessionId } from "../../protocol/Names.js"
import { addressOf, Delivery } from "../Delivery.js"
import { inbox } from "./RedisInbox.js"
import { RedisModeration } from "./RedisModeration.js"
import { Directory, type Refusal } from "../Directory.js"
import type { Hub, JoinSeed } from "../Hub.js"
import { CannotJoin, HubError, NickInUse, type NodeIdInUse, NoSuchRoom, NotInRoom, NotRegistered, type RedisUnavailable } from "../HubError.js"
import type { RedisHubOptions } from "../HubOptions.js"
import { identityArg } from "../Bans.js"
import { RedisClusterView } from "./RedisClusterView.js"
import { queries } from "./RedisQueries.js"
import { RedisProfiles } from "./RedisProfiles.js"
import { Profiles } from "../Profiles.js"
import { Watchers } from "../Watchers.js"
import { watching } from "./RedisWatchers.js"
import { topics } from "./RedisTopics.js"
import { topicFields } from "../../protocol/Topic.js"
import { describe } from "./RedisConnect.js"
import { isErrorReply, isRefusal, RedisLink, stalled } from "./RedisLink.js"
import { RedisOwners } from "./RedisOwners.js"
import { type Cluster, linkLost, RedisPresence } from "./RedisPresence.js"
import * as RoomScripts from "./RedisRoomScripts.js"
import * as Scripts from "./RedisScripts.js"
import { RedisOutbox } from "./RedisOutbox.js"
import { RedisWire } from "./RedisWire.js"

/**
 * `HubRedis.layer`'s hub: several servers, one chat. While the link to Redis
 * is up, every event goes through Redis (a room's on its channel, a
 * session's on its server's), and each server delivers what comes back to
 * its own sessions through its {@link Delivery}: so everyone in a room sees
 * one order, their own messages included. Who is where lives in Redis
 * (`RedisScripts`), with this server's own sessions also in a local
 * {@link Directory}; its place in the cluster is {@link RedisPresence}'s.
 * While the link is down, the server is a memory hub on its own, and says so.
 */
export const make = Effect.fnUntraced(function*(
  config: RedisHubOptions
): Effect.fn.Return<Hub["Service"], RedisUnavailable | NodeIdInUse, Scope.Scope> {
  const delivery = yield* Delivery.make
  const clock = yield* Clock.Clock
  // IRC's MONITOR: linked, watchers hear of nicknames from Redis (`RedisWatchers`); alone, from the directory.
  const directory = new Directory(() => clock.currentTimeMillisUnsafe(), (session, before, after) => watchers.named(session, before, after, !link.up))
  const watchers = new Watchers(directory, delivery)
  const node = config.nodeId
  const wire = new RedisWire(node)
  const p = config.redisPrefix
  const max = String(config.announceMaxMembers)
  const roomChannel = (room: string) => p + "room:" + room
  const own = p + "to:" + node
  const nickKeyOf = (nick: string) => p + "nick:" + nickKey(nick)
  let renames = 0
  const token = `${process.pid}-${(yield* Clock.currentTimeMillis).toString(36)}-${Math.random().toString(36).slice(2, 8)}`

  const announced = (members: number) => config.announceMaxMembers === 0 || members <= config.announceMaxMembers
  /** Delivers here, as the memory hub would: what this server does while it is alone. */
  const local = (event: Event): void => {
    const { room, to } = addressOf(event)
    if (room !== undefined) {
      if (directory.has(room as Room)) delivery.stamp(event, room, undefined)
    } else if (to === undefined || delivery.has(to)) delivery.stamp(event, undefined, to)
  }
  const runFork = Effect.runForkWith(yield* Effect.context<never>())
  const view = new RedisClusterView(p, wire, (args) => link.send(args), config.history)
  const profiles = new Profiles(directory)
  const shared = new RedisProfiles(p, node, wire, (args) => link.send(args), profiles)
  const link = new RedisLink(config.redisUrl, {
    message: (payload) => {
      try {
        received(payload)
      } catch (error) {
        runFork(Effect.logWarning(`a message from Redis could not be read: ${String(error)}`))
      }
    },
    up: Effect.suspend(() => presence.up),
    down: (why) => presence.down(why)
  })

  /** Redis answered with an error: the link is degraded (`RedisPresence.refused`). */
  const complain = (error: unknown) => {
    if (isRefusal(error)) runFork(presence.refused(describe(error)))
    else if (isErrorReply(error)) runFork(presence.refusedOne(`Redis refused a command (${describe(error)}); what it was for stays on this server`))
  }
  const outbox = yield* RedisOutbox.make(link, wire, clock, {
    prefix: p,
    history: config.history,
    alone: local,
    failed: complain,
    unkept: (why) => runFork(presence.refusedOne(`Redis did not keep a room's history (${why}); messages still reach the other servers`)),
    run: token.slice(-6)
  })
  /** The ids of the batches `stamped` since the last `run`: that run's script publishes them. */
  let stampedIds: Array<string> = []
  const run = <A>(script: string, args: ReadonlyArray<string>) => {
    const ids = stampedIds
    stampedIds = []
    return outbox.run<A>(script, args).pipe(Effect.tapError((error) =>
      Effect.sync(() => {
        // Redis may still run it, and publish what the caller now delivers here alone.
        if (error === stalled) outbox.shownHere(ids)
        complain(error)
      })
    ))
  }
  const publish = (event: Event) => outbox.publish(event)
  const follow = (channel: string) => Effect.tryPromise(() => link.follow(channel))
  const stamped = (event: Event) => {
    const id = outbox.nextId()
    stampedIds.push(id)
    return wire.encode([event], clock.currentTimeMillisUnsafe(), id)
  }
  const cluster: Cluster = {
    options: config,
    node,
    prefix: p,
    own,
    roomChannel,
    nickKeyOf,
    link,
    wire,
    directory,
    outbox,
    local,
    publish,
    announced,
    run,
    follow,
    toGuest: (session) => toGuest(session, true),
    owns: (session, nick) => owners.owns(session, nick),
    displace: (holder, nick) => Effect.sync(() => owners.displace(holder, nick, true)),
    restored: (shut) => moderation.restored(shut),
    profilesBack: Effect.suspend(() => shared.restore)
  }
  const presence = new RedisPresence(cluster, token)
  const owners = new RedisOwners({
    directory,
    delivery,
    runFork: (effect) => void runFork(effect),
    encode: (event) => wire.encode([event], clock.currentTimeMillisUnsafe()),
    wire,
    nickKeyOf,
    linkUp: () => link.up,
    run,
    publish,
    toGuest: (session, apart) => toGuest(session, apart)
  })
  const moderation = new RedisModeration({
    directory, delivery, wire, linkUp: () => link.up, run, stamped, local, publish, channelOf: (node) => p + "to:" + node, findNick: (nick) => hub.findNick(nick),
    rosterOf: (room, reply) => view.joined(room, reply).roster, runFork: (effect) => void runFork(effect), now: () => clock.currentTimeMillisUnsafe()
  })
  const received = inbox({ wire, outbox, directory, delivery, owners, moderation, watchers })

  const upkeepEvery = Schedule.spaced(Duration.millis(Duration.toMillis(config.presenceTtl) / 5))
  yield* presence.upkeep.pipe(Effect.ignore, Effect.repeat(upkeepEvery), Effect.forkScoped)
  yield* link.connect(config.redisOptional)
  yield* Effect.addFinalizer(() => presence.release)

  const fail = (reason: HubError["reason"]) => Effect.fail(new HubError({ reason }))
  const nickOf = (session: SessionId) => {
    const nick = directory.nickOf(session)
    return nick === undefined ? fail(new NotRegistered({ session })) : Effect.succeed(nick)
  }
  /** Why a session cannot act in a room it is not in here. */
  const notIn = (room: Room) =>
    Effect.flatMap(
      link.up ? Effect.orElseSucceed(view.exists(room), () => directory.has(room)) : Effect.succeed(directory.has(room)),
      (exists) => fail(exists ? new NotInRoom({ room }) : new NoSuchRoom({ room }))
    )

  /**
   * Registers or renames a session: as it `asked`, or renamed by the hub itself, which tells the
   * session first (`forced`; `apart` when the servers gave its nickname out twice while apart).
   */
  const claim = Effect.fnUntraced(function*(session: SessionId, nick: Nick, how: "asked" | "forced" | "apart") {
    const owner = directory.owner(nick)
    if (owner !== undefined && owner !== session) return yield* fail(new NickInUse({ nick }))
    const previous = directory.nickOf(session)
    const rooms = directory.roomsOf(session)
    const [sizes, displaced] = yield* run<readonly [ReadonlyArray<number>, string]>(Scripts.claim, [
      nickKeyOf(nick),
      `${wire.global(session)} ${nick}`,
      wire.global(session),
      node,
      previous === undefined ? "" : nickKeyOf(previous),
      owners.owns(session, nick) ? "1" : "",
      ...rooms
    ]).pipe(Effect.orElseSucceed(() => [[1, ...rooms.map((room) => directory.size(room))], ""] as const))
    if (sizes[0] === 0) return yield* fail(new NickInUse({ nick }))
    if (directory.claim(session, nick) === false) return yield* fail(new NickInUse({ nick }))
    if (displaced !== "") owners.displace(displaced, nick, false)
    if (how !== "asked") delivery.renamed(session, nick)
    // One who joins the chat while the link is lost is told so, as everyone already in it was.
    if (previous === undefined && presence.told) local({ _tag: "Notice", to: session, text: linkLost })
    if (previous === undefined || previous === nick) return
    yield* shared.renamed(session, previous, clock.currentTimeMillisUnsafe())
    const events = renamed(session, previous, nick, `${node}:${++renames}`, rooms.filter((_, i) => announced(sizes[i + 1] ?? 0)))
    for (const event of events) publish(how === "apart" && event._tag === "Renamed" ? { ...event, clash: session } : event)
  })

  /** Renames a session to a free `GuestNNNN`; which, if any was (`apart`: its name was given out twice while apart). */
  const toGuest = Effect.fnUntraced(function*(session: SessionId, apart: boolean) {
    for (let attempt = 0; attempt < 20; attempt++) {
      const guest = `Guest${1000 + Math.floor(Math.random() * 9000)}` as Nick
      if (directory.owner(guest) !== undefined) continue
      const claimed = yield* Effect.exit(claim(session, guest, apart ? "apart" : "forced"))
      if (claimed._tag === "Success") return guest
    }
    return undefined
  })

  const hub: Hub["Service"] = {
    claimNick: Effect.fn("Hub.claimNick")((session: SessionId, nick: Nick) => claim(session, nick, "asked")),
    identified: (session, account) =>
      Effect.sync(() => directory.describe(session, { account })).pipe(Effect.andThen(shared.identified(session, account)), Effect.andThen(owners.identified(session, account))),
    accountDropped: (account) => owners.accountDropped(account),
    join: Effect.fn("Hub.join")(function*(session: SessionId, room: Room, key?: string, seed?: JoinSeed) {
      const nick = yield* nickOf(session)
      const already = directory.roomsOf(session).includes(room)
      const joined: Event = { _tag: "Joined", room, nick, session, ...profiles.joining(session) }
      const who = directory.identityOf(session)
      const clustered = link.up
        ? follow(roomChannel(room)).pipe(
          Effect.andThen(
            already
              ? run<RoomScripts.RosterReply>(RoomScripts.roster, [room])
              : run<RoomScripts.RosterReply | readonly [-1, Refusal]>(RoomScripts.join, [room, wire.global(session), nick, node, max, String(config.history), stamped(joined), own, stamped({ ...joined, quiet: true }), key ?? "", String(clock.currentTimeMillisUnsafe()), identityArg(who), who?.account ?? "", ...RoomScripts.seedArgs(seed)])
          ),
          Effect.map((reply) => reply[0] === -1 ? reply[1] as Refusal : view.joined(room, reply as RoomScripts.RosterReply))
        )
        : Effect.fail("alone")
      const answer = yield* clustered.pipe(Effect.orElseSucceed(() => {
        // Alone (or Redis did not answer): the room as this server knows it lets the session in, or not.
        const refused = already ? undefined : directory.admits(session, room, key, seed)
        if (refused !== undefined) return refused
        if (directory.enter(session, room, clock.currentTimeMillisUnsafe(), seed)) local(announced(directory.size(room)) ? joined : { ...joined, quiet: true })
        return { roster: directory.roster(room)!, ...topicFields(directory.topicOf(room)), history: [] }
      }))
      if (typeof answer === "string") return yield* fail(new CannotJoin({ room, why: answer }))
      moderation.entered(session, room, answer.roster)
      return { ...answer, already }
    }, (join, _session, room) => link.pinning(roomChannel(room), join)),
    part: Effect.fn("Hub.part")(function*(session: SessionId, room: Room, reason: string) {
      const nick = yield* nickOf(session)
      if (!directory.roomsOf(session).includes(room)) return yield* notIn(room)
      const left: Event = { _tag: "Left", room, nick, session, reason }
      // Unknown to Redis (it came back empty, and this server has not restored it yet): the leaver is told here.
      yield* run<number>(RoomScripts.part, [room, wire.global(session), max, stamped(left), own, stamped({ ...left, quiet: true })]).pipe(
        Effect.filterOrFail((parted) => parted === 1),
        Effect.catch(() => Effect.sync(() => local(announced(directory.size(room)) ? left : { ...left, quiet: true })))
      )
      directory.exit(session, room)
    }),
    leave: Effect.fn("Hub.leave")(function*(session: SessionId, reason: string | undefined) {
      yield* shared.left(session, clock.currentTimeMillisUnsafe())
      owners.left(session)
      const nick = directory.nickOf(session)
      if (nick === undefined) return
      const rooms = directory.roomsOf(session)
      const left = (room: Room): Event => ({ _tag: "Left", room, nick, session, reason: reason ?? "", quit: true })
      yield* run(RoomScripts.leave, [wire.global(session), nickKeyOf(nick), node, max, ...rooms.flatMap((room) => [room, reason === undefined ? "" : stamped(left(room))])]).pipe(
        Effect.catch(() =>
          Effect.sync(() => {
            if (reason !== undefined) for (const room of rooms) if (announced(directory.size(room))) local(left(room))
          })
        )
      )
      for (const room of rooms) directory.exit(session, room)
      directory.remove(session)
    }),
    ...topics({ directory, wire, run, stamped, local, nickOf, notIn, now: () => clock.currentTimeMillisUnsafe() }),
    ...moderation.actions,
    ...queries(link, view, directory, profiles, shared),
    ...watching({ watchers, directory, linkUp: () => link.up, run, stamped }),
    describe: (session, profile) => Effect.suspend(() => shared.write(session, profiles.describe(session, profile))),
    roomsOf: (session) => Effect.sync(() => directory.roomsOf(session)),
    publish: (event) => Effect.sync(() => publish(event)),
    publishAll: (events) => Effect.sync(() => events.forEach(publish)),
    subscribe: (session, recipient) => delivery.subscribe(session, recipient, directory.roomsOf(session)),
    events: delivery.events,
    link: Effect.sync(() => link.up ? presence.degraded ? "degraded" : "up" : "down"),
    refusals: Effect.sync(() => presence.refusals)
  }
  return hub
})
