import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { fixtures } from "./support/fixtures.js"
import { type Ports, serverPairs } from "./support/pairs.js"
import { RedisServer } from "./support/RedisServer.js"

const { connect, irc, join, server } = fixtures()

let redis: RedisServer
beforeAll(async () => {
  redis = await RedisServer.start()
})
afterAll(() => redis?.stop())

const { one: oneServer, two: twoServers } = serverPairs(server, () => redis, "silence")

const suite = (name: string, servers: () => Promise<readonly [Ports, Ports]>) =>
  describe(`silence lists (${name})`, () => {
    it("SILENCE and /silence drop the private messages, notices, TAGMSGs and invitations of whom they name, wherever they connect, and nothing else", async () => {
      const [a, b] = await servers()
      const ann = await connect(a.ircPort)
      ann.send("CAP REQ :message-tags", "NICK ann", "USER ann 0 * :Ann", "CAP END", "JOIN #den")
      await ann.until(/ 366 ann #den /)
      assert.match(ann.lines.find((line) => / 005 /.test(line) && /SILENCE=/.test(line)) ?? "", /SILENCE=15/)
      const pest = await join(b.port, "pest")
      const troll = await irc(b.ircPort, "troll2")
      const friend = await irc(b.ircPort, "friend")
      pest.send("/join #den")
      await ann.until(/^(@\S+ )?:pest!\S+ JOIN #den$/)

      ann.send("SILENCE +pest,troll*", "SILENCE pest")
      assert.match(await ann.until(/ SILENCE \+/), /^:ann!\S+ SILENCE \+pest!\*@\*$/)
      assert.match(await ann.next(), /^:ann!\S+ SILENCE \+troll\*!\*@\*$/)
      assert.match(await ann.until(/ 271 /), / 271 ann ann pest!\*@\*$/)
      assert.match(await ann.next(), / 271 ann ann troll\*!\*@\*$/)
      assert.match(await ann.next(), / 272 ann :End of Silence List$/)

      pest.send("/msg ann psst", "hello room")
      troll.send("PRIVMSG ann :hi", "NOTICE ann :hey", "@+typing=active TAGMSG ann", "JOIN #lair", "INVITE ann #lair")
      await troll.until(/ 341 troll2 ann #lair$/)
      friend.send("PRIVMSG ann :a friend")
      // The room still hears the silenced; a friend's message comes through.
      await ann.until(/^(@\S+ )?:pest!\S+ PRIVMSG #den :hello room$/)
      await ann.until(/^(@\S+ )?:friend!\S+ PRIVMSG ann :a friend$/)
      await ann.settled()
      assert.isFalse(ann.saw(/psst|:hi$|:hey$|TAGMSG|INVITE/), "a silenced sender reached ann")

      // Taken out of the list, they come through again.
      ann.send("SILENCE -troll*")
      assert.match(await ann.until(/ SILENCE -/), /^:ann!\S+ SILENCE -troll\*!\*@\*$/)
      troll.send("PRIVMSG ann :heard now")
      await ann.until(/^(@\S+ )?:troll2!\S+ PRIVMSG ann :heard now$/)
    })

    it("a text user silences by nickname or account, up to 15 masks, and is told so", async () => {
      const [a, b] = await servers()
      const tom = await join(a.port, "tom")
      const ann = await irc(b.ircPort, "ann")
      tom.send("/silence ~a:somebody", "/silence")
      await tom.until("-!- You silence ~a:somebody: their private messages, notices and invitations no longer reach you.")
      await tom.until("-!- You silence: ~a:somebody")
      tom.send("/silence *", "/silence pest!*@10.0.0.1", "/silence -~a:nobody")
      await tom.until("-!- Usage: /silence [+MASK|-MASK]")
      await tom.until("-!- Usage: /silence [+MASK|-MASK]")
      for (let i = 0; i < 14; i++) tom.send(`/silence bot${i}`)
      await tom.until("-!- You silence bot13!*@*: their private messages, notices and invitations no longer reach you.")
      tom.send("/silence ann")
      await tom.until("-!- You silence as many as you may (15): /silence -MASK first.")
      ann.send("PRIVMSG tom :not silenced")
      await tom.until("*ann* not silenced")
      // By account: its invitations too, whatever nickname it uses.
      const somebody = await join(b.port, "somebody")
      somebody.send("/register somebody-password", "/nick alias", "/join #nest", "/invite tom #nest")
      await somebody.until("-!- Invited tom to #nest.")
      tom.send("/who")
      await tom.until(/^-!- Members of #lobby/)
      assert.isFalse(tom.saw(/invites you/), "a silenced account's invitation reached tom")
    })
  })

suite("one server", oneServer)
suite("two servers", twoServers)
