import { assert, describe, it } from "@effect/vitest"
import * as Schema from "effect/Schema"
import type { Event } from "../../src/protocol/Event.js"
import { ServerMessage } from "../../src/protocol/Json.js"
import type { Reply } from "../../src/protocol/Reply.js"
import { jsonDecoder, renderJson } from "../../src/wire/JsonCodec.js"

const decoder = jsonDecoder(100)
const decode = (message: object, registered = true): unknown => decoder.decode(JSON.stringify(message), registered)
const isServerMessage = Schema.is(ServerMessage)
/** The JSON an event goes out as, checked against the page's schema. */
const shown = (event: Event): unknown => {
  const value: unknown = JSON.parse(renderJson(event))
  assert.isTrue(isServerMessage(value), JSON.stringify(value))
  return value
}
const answer = (reply: Reply) => shown({ _tag: "Answer", to: "s1", reply })

describe("the JSON protocol's room moderation", () => {
  it("reads join, mode, kick and invite as the text protocol's commands", () => {
    assert.deepStrictEqual(decode({ type: "join", room: "Dev", key: "k" }), { _tag: "Join", room: "#dev", key: "k" })
    assert.deepStrictEqual(decode({ type: "join", room: "#dev" }), { _tag: "Join", room: "#dev" })
    assert.deepStrictEqual(decode({ type: "mode" }), { _tag: "Mode", target: "" })
    assert.deepStrictEqual(decode({ type: "mode", change: "+ov", args: ["bob", "cy"] }), { _tag: "Mode", target: "", change: "+ov", args: ["bob", "cy"] })
    assert.deepStrictEqual(decode({ type: "mode", target: "#Dev", change: "+m" }), { _tag: "Mode", target: "#dev", change: "+m" })
    assert.deepStrictEqual(decode({ type: "kick", nick: "bob", reason: "spam\x1b[31m" }), { _tag: "Kick", nick: "bob", reason: "spam" })
    assert.deepStrictEqual(decode({ type: "kick", nick: "bob", room: "dev" }), { _tag: "Kick", nick: "bob", room: "#dev" })
    assert.deepStrictEqual(decode({ type: "invite", nick: "bob" }), { _tag: "Invite", nick: "bob" })
    assert.deepStrictEqual(decode({ type: "invite", nick: "bob", room: "#dev" }), { _tag: "Invite", nick: "bob", room: "#dev" })
  })

  it("refuses a bad room, a reason longer than a line, and commands before a nickname", () => {
    assert.deepStrictEqual(decode({ type: "join", room: "bad room" }), { _tag: "Invalid", reply: { _tag: "InvalidRoom", room: "bad room" } })
    assert.deepStrictEqual(decode({ type: "invite", nick: "bob", room: "!" }), { _tag: "Invalid", reply: { _tag: "InvalidRoom", room: "!" } })
    assert.deepStrictEqual(decode({ type: "kick", nick: "bob", reason: "x".repeat(101) }), { _tag: "Invalid", reply: { _tag: "LineTooLong", max: 100 } })
    assert.deepStrictEqual(decode({ type: "join", room: "#dev" }, false), { _tag: "Invalid", reply: { _tag: "NickFirst" } })
    assert.deepStrictEqual(decode({ type: "kick" }), { _tag: "Invalid", reply: { _tag: "BadMessage", detail: `expected {"type":"line","text":"..."}` } })
  })

  it("carries mode changes, kicks and invitations", () => {
    assert.deepStrictEqual(shown({ _tag: "ModeChanged", room: "#a", by: "ann", changes: [{ on: true, mode: "o", arg: "bob", session: "s2" }, { on: false, mode: "m" }] }), {
      type: "mode",
      room: "#a",
      by: "ann",
      changes: [{ on: true, mode: "o", arg: "bob" }, { on: false, mode: "m" }]
    })
    assert.deepStrictEqual(shown({ _tag: "Left", room: "#a", nick: "bob", session: "s2", reason: "spam", by: "ann" }), {
      type: "left",
      room: "#a",
      nick: "bob",
      reason: "spam",
      by: "ann"
    })
    assert.deepStrictEqual(shown({ _tag: "Invited", to: "s2", nick: "bob", room: "#a", by: "ann" }), { type: "invited", room: "#a", by: "ann" })
  })

  it("carries modes, voiced members and locked rooms, and the new errors with their codes", () => {
    assert.deepStrictEqual(answer({ _tag: "Modes", target: "#a", modes: "+kn", params: ["key"], created: 5 }), {
      type: "modes",
      target: "#a",
      modes: "+kn",
      params: ["key"],
      created: 5
    })
    assert.deepStrictEqual(answer({ _tag: "Members", room: "#a", count: 2, nicks: ["ann", "bob"], operators: ["ann"], voiced: ["bob"] }), {
      type: "members",
      room: "#a",
      count: 2,
      nicks: ["ann", "bob"],
      operators: ["ann"],
      voiced: ["bob"]
    })
    assert.deepStrictEqual(answer({ _tag: "RoomList", rooms: [{ room: "#a", members: 2, locked: true }] }), {
      type: "rooms",
      rooms: [{ room: "#a", members: 2, locked: true }]
    })
    assert.deepStrictEqual(answer({ _tag: "CannotJoin", room: "#a", why: "key" }), {
      type: "error",
      code: "CannotJoin",
      text: "Cannot join #a: it needs a key (/join #a KEY)."
    })
    for (const reply of [{ _tag: "NotOperator", room: "#a" }, { _tag: "NotMember", nick: "b", room: "#a" }, { _tag: "AlreadyMember", nick: "b", room: "#a" }] as const) {
      assert.propertyVal(answer(reply), "code", reply._tag)
    }
    assert.deepStrictEqual(answer({ _tag: "Inviting", nick: "bob", room: "#a" }), { type: "notice", text: "Invited bob to #a." })
  })
})
