import { assert, describe, it } from "@effect/vitest"
import { Option } from "effect"
import { fixtures } from "./support/fixtures.js"
import { WsClient } from "./support/WsClient.js"

const { irc, join, later, server } = fixtures()

const time = /\[\d\d:\d\d\]/.source

describe("history on join", () => {
  it("shows a text client who joins the room's last messages, marked with their time", async () => {
    const { port } = await server({ history: 3, floodRate: 0 })
    const alice = await join(port, "alice")
    alice.send("one", "two", "three", "/me waves")
    await alice.until("* alice waves")
    const bob = await join(port, "bob")
    const shown = [await bob.next(), await bob.next(), await bob.next()]
    assert.match(shown[0], new RegExp(`^-!- ${time} <alice> two$`))
    assert.match(shown[1], new RegExp(`^-!- ${time} <alice> three$`))
    assert.match(shown[2], new RegExp(`^-!- ${time} \\* alice waves$`))
    // Moving to a room with no past shows none; coming back shows it again.
    bob.send("/join #dev")
    await bob.until("-!- Members of #dev")
    bob.send("/join #lobby")
    await bob.until("-!- Members of #lobby")
    assert.match(await bob.next(), new RegExp(`^-!- ${time} <alice> two$`))
  })

  it("shows an IRC client a notice block after the names, and a page a history message", async () => {
    const { ircPort, port, httpPort } = await server({
      history: 5,
      floodRate: 0,
      ircPort: Option.some(0),
      httpPort: Option.some(0),
      serverName: "irc.test"
    })
    const alice = await join(port, "alice")
    alice.send("hello <b>there</b>")
    await alice.until("<alice> hello")
    const bob = await irc(ircPort, "bob")
    bob.send("JOIN #lobby")
    await bob.until(/ 366 bob #lobby /)
    assert.match(await bob.next(), new RegExp(`^:irc\\.test NOTICE #lobby :${time} <alice> hello <b>there</b>$`))

    const web = await WsClient.join(httpPort, "webby")
    later(() => web.reset())
    const history = await web.until((m) => m.type === "history")
    assert.deepInclude(history, { type: "history", room: "#lobby" })
    assert.deepStrictEqual(
      (history as { entries: ReadonlyArray<{ from: string; text: string }> }).entries.map((e) => `${e.from}: ${e.text}`),
      ["alice: hello <b>there</b>"]
    )
  })

  it("keeps none with --history 0", async () => {
    const { port } = await server({ history: 0, floodRate: 0 })
    const alice = await join(port, "alice")
    alice.send("one")
    await alice.until("<alice> one")
    const bob = await join(port, "bob")
    alice.send("marker")
    assert.strictEqual(await bob.next(), "<alice> marker")
  })
})
