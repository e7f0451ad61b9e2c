import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Queue from "effect/Queue"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import type { ChatConfigShape } from "../ChatConfig.js"
import { answer, type Event } from "../protocol/Event.js"
import { type Nick, nickKey, type Room, type SessionId } from "../protocol/Names.js"
import { addressOf, Delivery } from "./Delivery.js"
import { Directory } from "./Directory.js"
import type { Hub } from "./Hub.js"
import { HubError, NickInUse, NoSuchRoom, NotInRoom, NotRegistered } from "./HubError.js"
import { RedisClusterView } from "./RedisClusterView.js"
import { type LinkEvents, RedisLink, type RedisUnavailable } from "./RedisLink.js"
import * as Scripts from "./RedisScripts.js"
import { historyEntry, RedisWire } from "./RedisWire.js"

export type RedisHubConfig =
  & Pick<ChatConfigShape, "announceMaxMembers" | "history" | "redisOptional" | "nodeId" | "presenceTtl" | "redisPrefix">
  & { readonly redisUrl: string }

/** What waits to go to Redis, in order: an event, or a script that changes who is where. */
type Outgoing =
  | { readonly event: Event }
  | { readonly script: string; readonly args: ReadonlyArray<string>; readonly done: Deferred.Deferred<unknown, unknown> }

/**
 * `Hub.layerRedis`'s hub: several servers, one chat. While the link to Redis
 * is up, every event goes through Redis (a room's on its channel, a
 * session's on its server's), and each server delivers what comes back to
 * its own sessions through its {@link Delivery}: so everyone in a room sees
 * one order, their own messages included. Who is where lives in Redis
 * (`RedisScripts`), with this server's own sessions also in a local
 * {@link Directory}. While the link is down, the server is a memory hub on
 * its own, and says so.
 */
export const makeRedisHub = Effect.fnUntraced(function*(
  config: RedisHubConfig
): Effect.fn.Return<Hub["Service"], RedisUnavailable, Scope.Scope> {
  const delivery = yield* Delivery.make
  const clock = yield* Clock.Clock
  const directory = new Directory()
  const node = config.nodeId
  const wire = new RedisWire(node)
  const p = config.redisPrefix
  const max = String(config.announceMaxMembers)
  const roomChannel = (room: string) => p + "room:" + room
  const own = p + "to:" + node
  const nickKeyOf = (nick: string) => p + "nick:" + nickKey(nick)
  const outgoing = yield* Queue.unbounded<Outgoing>()
  let renames = 0
  /** Whether the sessions were told that the link is lost, and not yet that it is back. */
  let told = false
  let started = false

  const announced = (members: number) => config.announceMaxMembers === 0 || members <= config.announceMaxMembers
  /** Delivers here, as the memory hub would: what this server does while it is alone. */
  const local = (event: Event): void => {
    const { room, to } = addressOf(event)
    if (room !== undefined) {
      if (directory.has(room as Room)) delivery.stamp(event, room, undefined)
    } else if (to === undefined || delivery.has(to)) delivery.stamp(event, undefined, to)
  }
  /** A batch from Redis, delivered as addressed (a leaver gets its own `Left`, though the directory has let it go). */
  const received = (payload: string): void => {
    const batch = wire.decode(payload)
    for (const event of batch.events) {
      const { room, to } = addressOf(event)
      if (to === undefined || delivery.has(to)) delivery.stamp(event, room, to, batch.at)
    }
  }
  const view = new RedisClusterView(p, wire, (args) => link.send(args), config.history)
  const events: LinkEvents = {
    message: (payload) => {
      try {
        received(payload)
      } catch (error) {
        Effect.runFork(Effect.logWarning("a message from Redis could not be read", String(error)))
      }
    },
    up: Effect.suspend(() => linkUp()),
    down: (why) =>
      Effect.suspend(() => {
        if (told) return Effect.void
        told = true
        local({ _tag: "Notice", text: "The link to the other servers is lost: until it is back, only the people on this server see your messages." })
        return Effect.logWarning(`lost the link to Redis (${why}); chat stays on this server until it is back`)
      })
  }
  const link = new RedisLink(config.redisUrl, events)

  /** Sends what waits, in order, without waiting for answers; what Redis refuses is delivered here instead. */
  const write = (items: ReadonlyArray<Outgoing>): void => {
    let run: Array<Event> = []
    let channel: string | undefined = undefined
    let room: string | undefined = undefined
    const flush = () => {
      if (run.length === 0) return
      const events = run
      run = []
      const at = clock.currentTimeMillisUnsafe()
      const payload = wire.encode(events, at)
      const kept = room === undefined || config.history === 0 ? [] : events.flatMap((e) => historyEntry(e, at) ?? []).slice(-config.history)
      const sent = room === undefined
        ? link.send(["PUBLISH", channel!, payload])
        : link.send(["EVAL", Scripts.say, "0", p, room, String(config.history), payload, ...kept])
      sent.catch(() => events.forEach(local))
    }
    for (const item of items) {
      if ("event" in item) {
        const address = addressOf(item.event)
        const next = address.room !== undefined
          ? roomChannel(address.room)
          : p + "to:" + (address.to === undefined ? node : wire.nodeOf(address.to))
        if (next !== channel) {
          flush()
          channel = next
          room = address.room
        }
        run.push(item.event)
      } else {
        flush()
        channel = undefined
        link.send(["EVAL", item.script, "0", p, ...item.args]).then(
          (value) => Deferred.doneUnsafe(item.done, Exit.succeed(value)),
          (error) => Deferred.doneUnsafe(item.done, Exit.fail(error))
        )
      }
    }
    flush()
  }
  const offline = new Error("the link to Redis is down")
  yield* Queue.takeAll(outgoing).pipe(
    // What the rest of the turn adds goes with it.
    Effect.flatMap((first) => Effect.andThen(Effect.yieldNow, Effect.map(Queue.clear(outgoing), (more) => first.concat(more)))),
    Effect.map((items) => {
      if (link.up) return write(items)
      for (const item of items) {
        if ("event" in item) local(item.event)
        else Deferred.doneUnsafe(item.done, Exit.fail(offline))
      }
    }),
    Effect.forever({ disableYield: true }),
    Effect.forkScoped
  )

  /** Sends a script now, in order with every event published before it; its answer completes the deferred. */
  const send = (script: string, args: ReadonlyArray<string>) => {
    const done = Deferred.makeUnsafe<unknown, unknown>()
    Queue.offerUnsafe(outgoing, { script, args, done })
    return done
  }
  /** Runs a script in order with every event published before it; fails while the link is down. */
  const run = <A>(script: string, args: ReadonlyArray<string>): Effect.Effect<A, unknown> =>
    Effect.suspend(() => link.up ? Deferred.await(send(script, args)) as Effect.Effect<A, unknown> : Effect.fail(offline))
  const publish = (event: Event) => {
    if (link.up) Queue.offerUnsafe(outgoing, { event })
    else local(event)
  }
  const follow = (channel: string) => Effect.tryPromise(() => link.follow(channel))
  const stamped = (event: Event) => wire.encode([event], clock.currentTimeMillisUnsafe())

  /** Puts this server (again) in the cluster: its lease, its sessions' nicknames and rooms, its channels. */
  const linkUp = Effect.fnUntraced(function*() {
    if (!started) {
      started = true
      yield* Effect.logInfo(`in a cluster through Redis at ${config.redisUrl}, as ${node}`)
      // A previous run under this node id that did not stop cleanly: its sessions are gone.
      yield* lost(yield* run<Scripts.Dropped>(Scripts.release, [node]).pipe(Effect.orElseSucceed(() => [])))
    }
    yield* run(Scripts.alive, [node, String(leaseMs)]).pipe(Effect.ignore)
    yield* Effect.tryPromise(() => link.resubscribe()).pipe(Effect.ignore)
    yield* follow(own).pipe(Effect.ignore)
    // Every session's nickname and rooms as they are now, sent at once: a rename made meanwhile is sent after.
    const restored = Array.from(directory.registered(), ([session, nick]) => {
      const rooms = directory.roomsOf(session)
      rooms.forEach((room) => link.follow(roomChannel(room)).catch(() => undefined))
      const claim = [nickKeyOf(nick), `${wire.global(session)} ${nick}`, wire.global(session), node, "", ...rooms]
      return [session, nick, send(Scripts.claim, claim)] as const
    })
    for (const [session, nick, done] of restored) {
      const claimed = yield* Deferred.await(done).pipe(Effect.orElseSucceed(() => [1]))
      if ((claimed as ReadonlyArray<number>)[0] === 0) {
        local({ _tag: "Notice", to: session, text: `Someone on another server took the nickname ${nick} while the link was down; choose another with /nick.` })
        yield* Effect.logWarning("a nickname is in use on two servers").pipe(Effect.annotateLogs({ nick, session }))
      }
    }
    if (told) {
      told = false
      local({ _tag: "Notice", text: "The link to the other servers is back." })
      yield* Effect.logWarning("the link to Redis is back")
    }
  })
  const leaseMs = Math.max(1000, Math.round(Duration.toMillis(config.presenceTtl) * 2 / 3))

  /** Tells the rooms of sessions whose server is gone that they left. */
  const lost = (dropped: Scripts.Dropped) =>
    Effect.sync(() => {
      for (const [room, session, nick, size] of dropped) {
        if (announced(size)) publish({ _tag: "Left", room, nick, session, reason: "server lost", quit: true })
      }
    })

  // The lease, the reaping of servers that lost theirs, and channels no session here needs any more.
  yield* Effect.gen(function*() {
    if (!link.up) return
    yield* run(Scripts.alive, [node, String(leaseMs)])
    yield* lost(yield* run<Scripts.Dropped>(Scripts.reap, [node]))
    for (const channel of link.following()) {
      if (channel !== own && directory.size(channel.slice(roomChannel("").length) as Room) === 0) link.unfollow(channel)
    }
  }).pipe(
    Effect.ignore,
    Effect.repeat(Schedule.spaced(Duration.millis(Duration.toMillis(config.presenceTtl) / 5))),
    Effect.forkScoped
  )
  yield* link.connect(config.redisOptional)
  // Leaving: this server's sessions have left; its lease and anything left of it go at once.
  yield* Effect.addFinalizer(() => run(Scripts.release, [node]).pipe(Effect.ignore))

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

  const hub: Hub["Service"] = {
    claimNick: Effect.fn("Hub.claimNick")(function*(session: SessionId, nick: Nick) {
      const owner = directory.owner(nick)
      if (owner !== undefined && owner !== session) return yield* fail(new NickInUse({ nick }))
      const previous = directory.nickOf(session)
      const rooms = directory.roomsOf(session)
      const sizes = yield* run<ReadonlyArray<number>>(Scripts.claim, [
        nickKeyOf(nick),
        `${wire.global(session)} ${nick}`,
        wire.global(session),
        node,
        previous === undefined ? "" : nickKeyOf(previous),
        ...rooms
      ]).pipe(Effect.orElseSucceed(() => [1, ...rooms.map((room) => directory.size(room))]))
      if (sizes[0] === 0) return yield* fail(new NickInUse({ nick }))
      if (directory.claim(session, nick) === false) return yield* fail(new NickInUse({ nick }))
      if (previous === undefined || previous === nick) return
      let heard = false
      const change = String(++renames)
      rooms.forEach((room, i) => {
        if (!announced(sizes[i + 1] ?? 0)) return
        publish({ _tag: "Renamed", room, from: previous, nick, change })
        heard = true
      })
      if (!heard) publish(answer(session, { _tag: "NowKnownAs", from: previous, nick }, nick))
    }),
    join: Effect.fn("Hub.join")(function*(session: SessionId, room: Room) {
      const nick = yield* nickOf(session)
      const entered = directory.enter(session, room)
      const joined: Event = { _tag: "Joined", room, nick, session }
      const clustered = link.up
        ? follow(roomChannel(room)).pipe(
          Effect.andThen(
            entered
              ? run<Scripts.RosterReply>(Scripts.join, [room, wire.global(session), nick, node, max, String(config.history), stamped(joined), own, stamped({ ...joined, quiet: true })])
              : run<Scripts.RosterReply>(Scripts.roster, [room])
          ),
          Effect.map((reply) => ({ ...view.joined(room, reply), already: !entered }))
        )
        : Effect.fail(offline)
      return yield* clustered.pipe(Effect.orElseSucceed(() => {
        if (entered) local(announced(directory.size(room)) ? joined : { ...joined, quiet: true })
        return { roster: directory.roster(room)!, topic: directory.topic(room), history: [], already: !entered }
      }))
    }),
    part: Effect.fn("Hub.part")(function*(session: SessionId, room: Room, reason: string) {
      const nick = yield* nickOf(session)
      if (!directory.roomsOf(session).includes(room)) return yield* notIn(room)
      const left: Event = { _tag: "Left", room, nick, session, reason }
      // Unknown to Redis (it came back empty, and this server has not restored it yet): the leaver is told here.
      yield* run<number>(Scripts.part, [room, wire.global(session), max, stamped(left), own, stamped({ ...left, quiet: true })]).pipe(
        Effect.filterOrFail((parted) => parted === 1),
        Effect.catch(() => Effect.sync(() => local(announced(directory.size(room)) ? left : { ...left, quiet: true })))
      )
      directory.exit(session, room)
    }),
    leave: Effect.fn("Hub.leave")(function*(session: SessionId, reason: string | undefined) {
      const nick = directory.nickOf(session)
      if (nick === undefined) return
      const rooms = directory.roomsOf(session)
      const left = (room: Room): Event => ({ _tag: "Left", room, nick, session, reason: reason ?? "", quit: true })
      yield* run(Scripts.leave, [wire.global(session), nickKeyOf(nick), node, max, ...rooms.flatMap((room) => [room, reason === undefined ? "" : stamped(left(room))])]).pipe(
        Effect.catch(() =>
          Effect.sync(() => {
            if (reason !== undefined) for (const room of rooms) if (announced(directory.size(room))) local(left(room))
          })
        )
      )
      for (const room of rooms) directory.exit(session, room)
      directory.remove(session)
    }),
    setTopic: Effect.fn("Hub.setTopic")(function*(session: SessionId, room: Room, topic: string | undefined) {
      const nick = yield* nickOf(session)
      if (!directory.roomsOf(session).includes(room)) return yield* notIn(room)
      directory.setTopic(room, topic)
      const changed: Event = { _tag: "TopicChanged", room, by: nick, ...(topic === undefined ? {} : { topic }) }
      yield* run(Scripts.topic, [room, wire.global(session), topic ?? "", topic === undefined ? "0" : "1", stamped(changed)]).pipe(
        Effect.catch(() => Effect.sync(() => local(changed)))
      )
    }),
    findNick: (nick) => {
      const session = directory.owner(nick)
      if (session !== undefined || !link.up) return Effect.succeed(session === undefined ? undefined : directory.member(session))
      return Effect.orElseSucceed(view.findNick(nick), () => undefined)
    },
    roster: (room) => link.up ? Effect.orElseSucceed(view.roster(room), () => directory.roster(room)) : Effect.sync(() => directory.roster(room)),
    matchNicks: (mask, limit) =>
      link.up ? Effect.orElseSucceed(view.matchNicks(mask, limit), () => directory.match(mask, limit)) : Effect.sync(() => directory.match(mask, limit)),
    topic: (room) => link.up ? Effect.orElseSucceed(view.topic(room), () => directory.topic(room)) : Effect.sync(() => directory.topic(room)),
    rooms: Effect.suspend(() => link.up ? Effect.orElseSucceed(view.rooms, () => directory.list()) : Effect.sync(() => directory.list())),
    roomsOf: (session) => Effect.sync(() => directory.roomsOf(session)),
    publish: (event) => Effect.sync(() => publish(event)),
    publishAll: (events) => Effect.sync(() => events.forEach(publish)),
    subscribe: (session, recipient) => delivery.subscribe(session, recipient, directory.roomsOf(session)),
    events: delivery.events
  }
  return hub
})
