import * as Effect from "effect/Effect"
import type { HubError } from "../hub/HubError.js"
import { bannedBy, identity } from "../hub/Bans.js"
import type { RoomInfo, Roster } from "../hub/Hub.js"
import * as Clock from "effect/Clock"
import type { Command } from "../protocol/Command.js"
import { type Ban, changeString, type ModeChange, modeString, normalizeMask, parseModes } from "../protocol/Modes.js"
import { normalizeRoom, type Room } from "../protocol/Names.js"
import type { Reply } from "../protocol/Reply.js"
import { reply } from "./Answer.js"
import type { Client, CommandEnv } from "./Client.js"

/**
 * A room operator's commands (modes, kicks, invitations), and what a session may learn of a room
 * it is not in: nothing of a secret one, not even that it exists (it is answered as a room that
 * does not exist), and neither the topic nor the members of one that is invite only or keyed.
 */

/** A room as this client may see it: `undefined` when it does not exist or is secret and the client is not in it. */
export const visible = Effect.fnUntraced(function*(env: CommandEnv, client: Client, room: Room) {
  const roster = yield* env.hub.roster(room)
  // Server operators see secret rooms.
  if (roster === undefined || (roster.modes.secret && !client.rooms.includes(room) && !env.operators.has(client.account))) return undefined
  return roster
})

/** Whether this client may see into a room (its topic, its members): it is in it, or the room is open and bans it not. */
export const seesInto = (env: CommandEnv, client: Client, room: Pick<RoomInfo, "room" | "modes" | "bans">): boolean =>
  client.rooms.includes(room.room) || env.operators.has(client.account) ||
  (!room.modes.invite && room.modes.key === undefined && !room.modes.secret &&
    !bannedBy(room.bans, "b", identity(client.nick ?? "", client.ip, client.account, client.profile?.user), Date.now()))

/** Whether a room takes a message from this client, not in it: it is `-n`, not moderated, and no ban or quiet is for the client. */
export const takesFromOutside = (client: Client, room: Pick<RoomInfo, "modes" | "bans">): boolean => {
  if (!room.modes.external || room.modes.moderated) return false
  const who = identity(client.nick ?? "", client.ip, client.account, client.profile?.user)
  const now = Date.now()
  return !bannedBy(room.bans, "b", who, now) && !bannedBy(room.bans, "q", who, now)
}

/** Why the hub refused, as the client is told: never more about a secret room than that it does not exist. */
export const refused = Effect.fnUntraced(function*(env: CommandEnv, client: Client, error: HubError) {
  const reason = error.reason
  switch (reason._tag) {
    case "NotInRoom":
    case "NoSuchRoom": {
      const room = reason.room as Room
      const shown = yield* visible(env, client, room)
      return yield* reply(env, client, shown === undefined ? { _tag: "NoSuchRoom", room } : { _tag: "NotInRoom", room })
    }
    case "CannotJoin":
      return yield* reply(env, client, { _tag: "CannotJoin", room: reason.room, why: reason.why })
    case "NotOperator":
      return yield* reply(env, client, { _tag: "NotOperator", room: reason.room })
    case "NoSuchNick":
      return yield* reply(env, client, { _tag: "NoSuchNick", nick: reason.nick })
    case "NotMember":
      return yield* reply(env, client, { _tag: reason.inside ? "AlreadyMember" : "NotMember", nick: reason.nick, room: reason.room })
    case "NickInUse":
      return yield* reply(env, client, { _tag: "NickTaken", nick: reason.nick, registering: false })
    case "NotRegistered":
      return yield* reply(env, client, { _tag: "NickFirst" })
  }
})

/** What an operator did, as the audit log says it. */
export interface Audit {
  readonly action: string
  readonly room?: Room
  readonly target?: string
  readonly reason?: string
}

/** An operator's action in the audit log (info, one line) and in the count by action. */
export const audit = (env: CommandEnv, client: Client, entry: Audit) =>
  Effect.suspend(() => {
    env.audited(entry.action)
    const { action, reason, room, target } = entry
    const line = `${client.nick} ${action}${target === undefined ? "" : ` ${target}`}${room === undefined ? "" : ` in ${room}`}${reason === undefined || reason === "" ? "" : ` (${reason})`}`
    return Effect.logInfo(`moderation: ${line}`).pipe(
      Effect.annotateLogs({ by: client.nick, account: client.account ?? "", action, room: room ?? "", target: target ?? "" })
    )
  })

/**
 * Runs a hub action, telling the client why when it is refused; done, it is audited: a log line and
 * a count. What it came to, or `undefined` when refused.
 */
const acting = <A>(env: CommandEnv, client: Client, action: Effect.Effect<A, HubError>, audited: (a: A) => Audit | undefined, done: (a: A) => Reply | undefined) =>
  Effect.flatMap(Effect.result(action), (result): Effect.Effect<A | undefined> => {
    if (result._tag === "Failure") return Effect.as(refused(env, client, result.failure), undefined)
    const answer = done(result.success)
    const entry = audited(result.success)
    return Effect.as(
      Effect.andThen(entry === undefined ? Effect.void : audit(env, client, entry), answer === undefined ? Effect.void : reply(env, client, answer)),
      result.success
    )
  })

/**
 * Bans and quiets asked for and not made: one not added because the list is full (IRC's 478), one
 * not taken out because there was none. (One added again, or one the list had, changes nothing silently.)
 */
const unmade = Effect.fnUntraced(function*(env: CommandEnv, client: Client, room: Room, wanted: ReadonlyArray<ModeChange>, applied: ReadonlyArray<ModeChange>) {
  const missed = wanted.filter((c) =>
    (c.mode === "b" || c.mode === "q") && !applied.some((a) => a.mode === c.mode && a.on === c.on && a.arg === c.arg)
  )
  if (missed.length === 0) return
  const roster = yield* env.hub.roster(room)
  if (roster === undefined) return
  for (const { arg = "", mode, on } of missed) {
    if (roster.bans.some((ban) => ban.kind === mode && ban.mask === arg)) continue
    const kind = mode as Ban["kind"]
    yield* reply(env, client, on ? { _tag: "BanListFull", room, mode: kind } : { _tag: "NotBanned", room, mask: arg, mode: kind })
  }
})

/**
 * A registered room keeps what its operators changed: its modes and bans (statuses are its
 * members', and go with them). Not on a message's way: a mode change is rare.
 */
const keep = (env: CommandEnv, room: Room, applied: ReadonlyArray<ModeChange>) => {
  const registration = env.registry.find(room)
  if (registration === undefined || applied.every((change) => change.mode === "o" || change.mode === "v")) return Effect.void
  return env.hub.roster(room).pipe(
    Effect.flatMap((roster) => roster === undefined ? Effect.void : env.registry.save({ ...registration, modes: roster.modes, bans: roster.bans })),
    Effect.catchTag("StoreError", (error) => Effect.logWarning(`${room} could not keep its new settings: ${error.message}`))
  )
}

/** The room a command is for: the one named, or the session's (text: its one room; IRC names it). */
const roomOf = (client: Client, target: string | undefined): Room | undefined =>
  target === undefined || target === "" ? client.rooms[0] : normalizeRoom(target) as Room

/** Shows a room's modes (to anyone who may know it exists), or changes them (its operators). */
export const mode = Effect.fnUntraced(function*(
  env: CommandEnv,
  client: Client,
  target: string,
  change: string | undefined,
  args: ReadonlyArray<string>
) {
  const room = roomOf(client, target)
  if (room === undefined) return yield* reply(env, client, { _tag: "Usage", command: "mode" })
  const roster = yield* visible(env, client, room)
  if (roster === undefined) return yield* reply(env, client, { _tag: "NoSuchRoom", room: target === "" ? room : target })
  if (change === undefined) {
    const shown = modeString(roster.modes, client.rooms.includes(room))
    const created = Math.floor(roster.created / 1000)
    return yield* reply(env, client, { _tag: "Modes", target: room, ...shown, ...(created > 0 ? { created } : {}) })
  }
  const parsed = parseModes(change, args)
  if (parsed.banList) yield* banList(env, client, roster, "b")
  if (parsed.quietList) yield* banList(env, client, roster, "q")
  for (const letter of parsed.unknown) yield* reply(env, client, { _tag: "NoSuchMode", target: room, mode: letter })
  if (parsed.invalid) yield* reply(env, client, { _tag: "Usage", command: "mode" })
  for (const { arg, mode } of parsed.badParams) yield* reply(env, client, { _tag: "InvalidModeParam", target: room, mode, param: arg })
  if (parsed.changes.length === 0) return
  const applied = yield* acting(env, client, env.hub.changeModes(client.id, room, parsed.changes), (applied) =>
    applied.length === 0 ? undefined : { action: "mode", room, target: changeString(applied) }, () => undefined)
  if (applied === undefined) return
  yield* unmade(env, client, room, parsed.changes, applied)
  yield* keep(env, room, applied)
})

export const kick = Effect.fnUntraced(function*(env: CommandEnv, client: Client, target: string | undefined, nick: string, reason: string | undefined) {
  const room = roomOf(client, target)
  if (room === undefined) return yield* reply(env, client, { _tag: "Usage", command: "kick" })
  yield* acting(env, client, env.hub.kick(client.id, room, nick, reason ?? ""), () => ({ action: "kick", room, target: nick, reason: reason ?? "" }), () => undefined)
})

export const invite = Effect.fnUntraced(function*(env: CommandEnv, client: Client, target: string | undefined, nick: string) {
  const room = roomOf(client, target)
  if (room === undefined) return yield* reply(env, client, { _tag: "Usage", command: "invite" })
  const invitee = yield* acting(env, client, env.hub.invite(client.id, room, nick, client.account), (invitee) => ({ action: "invite", room, target: invitee.nick }), (invitee) => ({ _tag: "Inviting", nick: invitee.nick, room }))
  // Its members hear of it (IRC's invite-notify).
  if (invitee !== undefined && client.nick !== undefined) yield* env.hub.publish({ _tag: "InviteNoted", room, by: client.nick, nick: invitee.nick })
  // A registered room keeps an invitation for an account (the invitee's nickname's) until it joins identified: across restarts too.
  if (invitee === undefined || env.registry.find(room) === undefined || !(yield* env.accounts.isRegistered(invitee.nick))) return
  yield* env.registry.invite(room, invitee.nick).pipe(
    Effect.catchTag("StoreError", (error) => Effect.logWarning(`${room} could not keep its invitation for ${invitee.nick}: ${error.message}`))
  )
})

/** A room's bans or quiets, to anyone who may see into the room. */
const banList = (env: CommandEnv, client: Client, roster: Roster, kind: Ban["kind"]) =>
  reply(env, client, {
    _tag: "BanList",
    room: roster.room,
    kind,
    entries: seesInto(env, client, roster) ? roster.bans.filter((ban) => ban.kind === kind).map(({ kind: _, ...entry }) => entry) : []
  })

/** `/bans`: a room's bans, then its quiets. */
export const bans = Effect.fnUntraced(function*(env: CommandEnv, client: Client, target: string | undefined) {
  const room = roomOf(client, target)
  if (room === undefined) return yield* reply(env, client, { _tag: "Usage", command: "bans" })
  const roster = yield* visible(env, client, room)
  if (roster === undefined) return yield* reply(env, client, { _tag: "NoSuchRoom", room })
  yield* banList(env, client, roster, "b")
  yield* banList(env, client, roster, "q")
})

/** `/ban`, `/quiet` and their undoing: a ban also puts out the members it is for (not the room's operators). */
export const ban = Effect.fnUntraced(function*(env: CommandEnv, client: Client, input: Extract<Command, { readonly _tag: "Ban" }>) {
  const room = roomOf(client, input.room)
  if (room === undefined) return yield* reply(env, client, { _tag: "Usage", command: "ban" })
  const mask = normalizeMask(input.mask)
  if (mask === undefined) return yield* reply(env, client, { _tag: "BadMask", mask: input.mask })
  const now = yield* Clock.currentTimeMillis
  const change: ModeChange = {
    on: input.on,
    mode: input.kind,
    arg: mask,
    ...(input.on && input.reason !== undefined ? { reason: input.reason } : {}),
    ...(input.on && input.seconds !== undefined ? { expires: now + input.seconds * 1000 } : {}),
    ...(input.on && input.kind === "b" ? { kick: true } : {})
  }
  const action = `${input.on ? "" : "un"}${input.kind === "b" ? "ban" : "quiet"}`
  const applied = yield* acting(env, client, env.hub.changeModes(client.id, room, [change]), (applied) =>
    applied.length === 0 ? undefined : { action, room, target: mask, reason: input.reason ?? "" }, () => undefined)
  if (applied === undefined) return
  yield* unmade(env, client, room, [change], applied)
  yield* keep(env, room, applied)
})
