import * as Effect from "effect/Effect"
import { answer, type Event } from "../protocol/Event.js"
import { maxMonitored } from "../protocol/MonitorReply.js"
import { type Nick, nickKey, type SessionId } from "../protocol/Names.js"
import type { Delivery } from "./Delivery.js"
import type { Directory } from "./Directory.js"
import type { Hub, SelfChange } from "./Hub.js"

/**
 * Who, of this server's sessions, watches which nicknames (IRC's MONITOR): each session's list, at
 * most `maxMonitored`, as it named them, and for each nickname's key the sessions that watch it.
 * Each hub keeps its own sessions' here, and tells it what it learns of nicknames coming and going
 * (the memory hub from its directory; the Redis hub from the notes every server hears). Nothing
 * here is on the messages' way: a nickname taken, changed or freed costs one lookup, and what a
 * member changes of itself another.
 */
export class Watchers {
  /** Each watched nickname's key, and the sessions here that watch it. */
  private readonly byKey = new Map<string, Set<SessionId>>()
  /** Each watching session's list: key to the nickname as it named it. */
  private readonly lists = new Map<SessionId, Map<string, Nick>>()

  constructor(private readonly directory: Directory, private readonly delivery: Delivery) {}

  /** The hub's actions on the lists themselves. */
  get actions(): Pick<Hub["Service"], "watch" | "unwatch" | "watching"> {
    return {
      watch: (session, nicks) => Effect.sync(() => this.watch(session, nicks)),
      unwatch: (session, nicks) => Effect.sync(() => this.unwatch(session, nicks)),
      watching: (session) => Effect.sync(() => Array.from(this.lists.get(session)?.values() ?? []))
    }
  }

  /** Adds to a session's list those it does not watch yet, while there is room; returns those there was none for. */
  watch(session: SessionId, nicks: ReadonlyArray<Nick>): ReadonlyArray<Nick> {
    const list = this.lists.get(session) ?? new Map<string, Nick>()
    const full: Array<Nick> = []
    for (const nick of nicks) {
      const key = nickKey(nick)
      if (list.has(key)) continue
      if (list.size >= maxMonitored) {
        full.push(nick)
        continue
      }
      list.set(key, nick)
      const watchers = this.byKey.get(key)
      if (watchers === undefined) this.byKey.set(key, new Set([session]))
      else watchers.add(session)
    }
    if (list.size > 0) this.lists.set(session, list)
    return full
  }

  /** Takes these nicknames (every one, when none are given) out of a session's list. */
  unwatch(session: SessionId, nicks?: ReadonlyArray<string>): void {
    const list = this.lists.get(session)
    if (list === undefined) return
    for (const key of nicks === undefined ? Array.from(list.keys()) : nicks.map(nickKey)) {
      if (!list.delete(key)) continue
      const watchers = this.byKey.get(key)
      watchers?.delete(session)
      if (watchers?.size === 0) this.byKey.delete(key)
    }
    if (list.size === 0) this.lists.delete(session)
  }

  /** A nickname came online (`on`) or went offline, on any server: its watchers here are told (730, 731). */
  presence(nick: string, on: boolean): void {
    const watchers = this.byKey.get(nickKey(nick))
    if (watchers === undefined) return
    for (const watcher of watchers) {
      this.tell(watcher, answer(watcher, { _tag: "Monitored", what: on ? "online" : "offline", nicks: [nick] }, this.directory.nickOf(watcher)))
    }
  }

  /** A member changed what it says of itself, `rooms` its rooms: its watchers here in none of them are told (IRC's extended-monitor). */
  changed(change: SelfChange, rooms: ReadonlyArray<string>): void {
    const watchers = this.byKey.get(nickKey(change.nick))
    if (watchers === undefined) return
    for (const watcher of watchers) {
      if (this.directory.roomsOf(watcher).some((room) => rooms.includes(room))) continue
      this.tell(watcher, { _tag: "MemberChanged", to: watcher, ...change })
    }
  }

  /**
   * What the directory says of this server's sessions: one took `after` (registering, when there was
   * no `before`) or freed `before` (leaving, when there is no `after`: it watches nothing more). `tell`:
   * whether its watchers hear of it from this, rather than from what every server hears (a linked Redis hub).
   */
  named(session: SessionId, before: Nick | undefined, after: Nick | undefined, tell = true): void {
    if (after === undefined) this.unwatch(session)
    if (!tell || (before !== undefined && after !== undefined && nickKey(before) === nickKey(after))) return
    if (before !== undefined) this.presence(before, false)
    if (after !== undefined) this.presence(after, true)
  }

  /** Whether an event from another server was a note for the watchers (never shown), acted on. */
  received(event: Event): boolean {
    if (event._tag !== "Notice") return false
    if (event.online !== undefined) this.presence(event.online, true)
    else if (event.offline !== undefined) this.presence(event.offline, false)
    else if (event.changed !== undefined) {
      const { rooms, ...change } = event.changed
      this.changed(change, rooms)
    } else return false
    return true
  }

  private tell(watcher: SessionId, event: Event): void {
    if (this.delivery.has(watcher)) this.delivery.stamp(event, undefined, watcher)
  }
}
