import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import type { Command } from "../protocol/Command.js"
import { maxFounded, maxListed, type Registration } from "../protocol/Modes.js"
import { normalizeRoom, type Room } from "../protocol/Names.js"
import type { RoomNote } from "../protocol/Reply.js"
import { storeKey } from "../store/Store.js"
import { reply } from "./Answer.js"
import type { Client, CommandEnv } from "./Client.js"
import { audit, visible } from "./ModerationCommands.js"

/**
 * A registered room's commands (`/room`, IRC's `ChanServ`): an identified operator of a room
 * registers it and becomes its founder; the founder lists accounts as its operators, and drops it
 * (a server operator may too). What it keeps (its modes and bans) follows its operators' changes.
 */

type Input = Extract<Command, { readonly _tag: "Registration" }>

const founds = (registration: Registration, account: string | undefined) =>
  account !== undefined && storeKey(registration.founder) === storeKey(account)

const note = (env: CommandEnv, client: Client, what: RoomNote["what"], room: Room, more: Omit<RoomNote, "_tag" | "what" | "room"> = {}) =>
  reply(env, client, { _tag: "RoomNote", what, room, ...more })

export const run = Effect.fnUntraced(function*(env: CommandEnv, client: Client, input: Input) {
  const room = input.room === undefined ? client.rooms[0] : normalizeRoom(input.room) as Room
  if (room === undefined) return yield* reply(env, client, { _tag: "Usage", command: "room" })
  const registration = env.registry.find(room)
  const roster = yield* visible(env, client, room)
  // A secret room does not exist to whoever is not in it, registered or not: but to its founder and server operators.
  const insider = registration !== undefined && (founds(registration, client.account) || env.operators.has(client.account))
  if (roster === undefined && (registration === undefined || registration.modes.secret) && !insider) {
    return yield* (input.action === "register" ? reply(env, client, { _tag: "NoSuchRoom", room }) : note(env, client, "notRegistered", room))
  }
  if (input.action === "info") {
    if (registration === undefined) return yield* note(env, client, "notRegistered", room)
    return yield* note(env, client, "info", registration.room as Room, { founder: registration.founder, at: registration.at, operators: registration.operators })
  }
  if (input.action === "register" && registration !== undefined) return yield* note(env, client, "already", room, { founder: registration.founder })
  if (client.account === undefined) return yield* note(env, client, "identifyFirst", room)
  if (input.action === "register") {
    if (roster === undefined || !client.rooms.includes(room)) return yield* reply(env, client, roster === undefined ? { _tag: "NoSuchRoom", room } : { _tag: "NotInRoom", room })
    if (client.nick === undefined || !roster.operators.includes(client.nick)) return yield* reply(env, client, { _tag: "NotOperator", room })
    if (env.registry.foundedBy(client.account) >= maxFounded) return yield* note(env, client, "tooMany", room)
    // Registered rooms lock their topics to their operators; the room is told, as for any change.
    if (!roster.modes.topicLock) yield* Effect.ignore(env.hub.changeModes(client.id, room, [{ on: true, mode: "t" }]))
    const kept = yield* env.hub.roster(room)
    const registered = yield* env.registry.register({
      room,
      founder: client.account,
      at: yield* Clock.currentTimeMillis,
      operators: [],
      modes: kept?.modes ?? roster.modes,
      bans: kept?.bans ?? roster.bans
    })
    // Registered meanwhile, on another server.
    if (!registered) return yield* note(env, client, "already", room, { founder: env.registry.find(room)?.founder ?? "someone else" })
    yield* audit(env, client, { action: "register", room })
    return yield* note(env, client, "registered", room)
  }
  if (registration === undefined) return yield* note(env, client, "notRegistered", room)
  const founder = founds(registration, client.account)
  if (input.action === "drop") {
    if (!founder && !env.operators.has(client.account)) return yield* note(env, client, "notFounder", room, { founder: registration.founder })
    yield* env.registry.drop(room)
    yield* audit(env, client, { action: "drop", room })
    return yield* note(env, client, "dropped", room)
  }
  if (!founder) return yield* note(env, client, "notFounder", room, { founder: registration.founder })
  const account = input.account ?? ""
  if (storeKey(account) === storeKey(registration.founder)) return yield* note(env, client, "founderListed", room, { account: registration.founder })
  const listed = registration.operators.some((name) => storeKey(name) === storeKey(account))
  if (input.action === "op") {
    if (!(yield* env.accounts.isRegistered(account))) return yield* note(env, client, "noAccount", room, { account })
    if (!listed && registration.operators.length >= maxListed) return yield* note(env, client, "tooMany", room, { account })
    if (!listed) yield* env.registry.save({ ...registration, operators: [...registration.operators, account] })
    yield* audit(env, client, { action: "room op", room, target: account })
    return yield* note(env, client, "listed", room, { account })
  }
  if (!listed) return yield* note(env, client, "notListed", room, { account })
  yield* env.registry.save({ ...registration, operators: registration.operators.filter((name) => storeKey(name) !== storeKey(account)) })
  yield* audit(env, client, { action: "room deop", room, target: account })
  return yield* note(env, client, "unlisted", room, { account })
}, (effect, env, client) =>
  Effect.catchTag(effect, "StoreError", (error) =>
    Effect.andThen(Effect.logWarning(error.message), reply(env, client, { _tag: "BadMessage", detail: "registered rooms are unavailable (the store does not answer): try again later" }))))
