import * as Effect from "effect/Effect"
import type { Event } from "../protocol/Event.js"
import type { ModeChange } from "../protocol/Modes.js"
import type { Room, SessionId } from "../protocol/Names.js"
import type { Delivery } from "./Delivery.js"
import type { Directory } from "./Directory.js"
import type { Hub, Member } from "./Hub.js"
import { HubError, NoSuchNick, NoSuchRoom, NotInRoom, NotMember, NotOperator, NotRegistered } from "./HubError.js"

/**
 * A room operator's actions on the rooms of one process's {@link Directory}: the memory hub's, and
 * the Redis hub's while it is alone. Each checks the actor's standing, changes the room, and
 * routes what it did as an event for the room.
 */

/** A nickname's session, and whether it is in the room in question. */
export interface Found extends Member {
  readonly inside: boolean
}

const fail = (reason: HubError["reason"]) => Effect.fail(new HubError({ reason }))

/**
 * The member an action names: it must exist, and be in the room (`outside`: must not be, as for
 * an invitation).
 */
export const target = (found: Found | undefined, nick: string, room: Room, outside: boolean): Effect.Effect<Member, HubError> => {
  if (found === undefined) return fail(new NoSuchNick({ nick }))
  if (found.inside === outside) return fail(new NotMember({ nick: found.nick, room, inside: outside }))
  return Effect.succeed({ session: found.session, nick: found.nick })
}

export type Moderation = Pick<Hub["Service"], "changeModes" | "kick" | "invite">

export const local = (
  directory: Directory,
  delivery: Delivery,
  route: (event: Event) => void,
  /** Takes a session out of a room (and what goes with the room when it empties). */
  exited: (session: SessionId, room: Room) => void = (session, room) => directory.exit(session, room)
): Moderation => {
  /** A session's nickname, when it is in the room. */
  const inside = (session: SessionId, room: Room) => {
    const nick = directory.nickOf(session)
    if (nick === undefined) return fail(new NotRegistered({ session }))
    if (!directory.has(room)) return fail(new NoSuchRoom({ room }))
    if (!directory.roomsOf(session).includes(room)) return fail(new NotInRoom({ room }))
    return Effect.succeed(nick)
  }
  /** A session's nickname, when it operates the room. */
  const operating = (session: SessionId, room: Room) =>
    Effect.flatMap(inside(session, room), (nick) => directory.isOperator(session, room) ? Effect.succeed(nick) : fail(new NotOperator({ room })))
  const member = (nick: string, room: Room, outside = false) => {
    const session = directory.owner(nick)
    const found = session === undefined ? undefined : directory.member(session)
    return target(found === undefined ? undefined : { ...found, inside: directory.roomsOf(found.session).includes(room) }, nick, room, outside)
  }

  return {
    changeModes: (session, room, changes) =>
      Effect.gen(function*() {
        const by = yield* operating(session, room)
        const resolved: Array<ModeChange> = []
        for (const change of changes) {
          if (change.mode !== "o" && change.mode !== "v") {
            resolved.push(change)
            continue
          }
          const found = yield* member(change.arg ?? "", room)
          resolved.push({ on: change.on, mode: change.mode, arg: found.nick, session: found.session })
        }
        const applied = directory.change(room, resolved, by)
        if (applied.length > 0) route({ _tag: "ModeChanged", room, by, changes: applied })
        for (const ban of applied) {
          if (ban.mode !== "b" || !ban.on || !ban.kick) continue
          for (const kicked of directory.matching(room, ban.arg ?? "")) {
            if (directory.isOperator(kicked, room)) continue
            delivery.removed(kicked, room)
            route({ _tag: "Left", room, nick: directory.nickOf(kicked)!, session: kicked, reason: ban.reason ?? "banned", by })
            exited(kicked, room)
          }
        }
        return applied
      }),
    kick: (session, room, nick, reason) =>
      Effect.gen(function*() {
        const by = yield* operating(session, room)
        const kicked = yield* member(nick, room)
        delivery.removed(kicked.session, room)
        route({ _tag: "Left", room, nick: kicked.nick, session: kicked.session, reason, by })
        exited(kicked.session, room)
      }),
    invite: (session, room, nick, account) =>
      Effect.gen(function*() {
        const by = yield* inside(session, room)
        if (directory.modes(room)?.invite && !directory.isOperator(session, room)) return yield* fail(new NotOperator({ room }))
        const invitee = yield* member(nick, room, true)
        directory.invite(room, invitee.session)
        route({ _tag: "Invited", to: invitee.session, nick: invitee.nick, room, by, ...(account === undefined ? {} : { account }) })
        return invitee
      })
  }
}
