import { assert, describe, it } from "@effect/vitest"
import { seedFormat } from "../../src/wire/SeedCodec.js"

describe("the seed protocol", () => {
  it("shows no room's changes: modes, kicks and invitations are not chat", () => {
    assert.strictEqual(seedFormat.render({ _tag: "ModeChanged", room: "#lobby", by: "ann", changes: [{ on: true, mode: "m" }] }), "")
    assert.strictEqual(seedFormat.render({ _tag: "Left", room: "#lobby", nick: "bob", session: "s2", reason: "", by: "ann" }), "")
    assert.strictEqual(seedFormat.render({ _tag: "Invited", to: "s2", nick: "bob", room: "#a", by: "ann" }), "")
    assert.strictEqual(seedFormat.render({ _tag: "Chat", room: "#lobby", from: "ann", text: "hi" }), "ACK <ann> hi\n")
  })
})
