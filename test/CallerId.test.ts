import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { fixtures } from "./support/fixtures.js"
import { type Ports, serverPairs } from "./support/pairs.js"
import { RedisServer } from "./support/RedisServer.js"

const { irc, join, server } = fixtures()

let redis: RedisServer
beforeAll(async () => {
  redis = await RedisServer.start()
})
afterAll(() => redis?.stop())

const { one: oneServer, two: twoServers } = serverPairs(server, () => redis, "callerid")

const suite = (name: string, servers: () => Promise<readonly [Ports, Ports]>) =>
  describe(`caller-id (${name})`, () => {
    it("with +g, private messages come only from the accepted (ACCEPT), from whatever protocol and server; the others are told, and the target once a minute", async () => {
      const [a, b] = await servers()
      const ann = await irc(a.ircPort, "ann")
      assert.isTrue(ann.lines.some((line) => / 005 /.test(line) && / CALLERID=g /.test(line)))
      const bob = await irc(b.ircPort, "bob")
      const tom = await join(b.port, "tom")
      ann.send("MODE ann +g")
      assert.match(await ann.until(/ MODE ann /), /^:ann!\S+ MODE ann :\+g$/)

      bob.send("PRIVMSG ann :hi", "NOTICE ann :psst")
      await bob.until(/ 716 bob ann :is in \+g mode \(server-side ignore\.\)$/)
      await bob.until(/ 717 bob ann :has been informed that you messaged them\.$/)
      await ann.until(/ 718 ann bob bob!bob@\S+ :is messaging you, and you have umode \+g\.$/)
      tom.send("/msg ann hello")
      await tom.until("-!- ann takes private messages only from those they accept: they are told you tried.")

      ann.send("ACCEPT bob,-carl", "ACCEPT bob", "ACCEPT *")
      await ann.until(/ 458 ann carl :is not on your accept list$/)
      await ann.until(/ 457 ann bob :is already on your accept list$/)
      assert.match(await ann.until(/ 281 /), / 281 ann bob$/)
      await ann.until(/ 282 ann :End of \/ACCEPT list$/)
      bob.send("PRIVMSG ann :now?")
      await ann.until(/^:bob!\S+ PRIVMSG ann :now\?$/)
      await ann.settled()
      assert.isFalse(ann.saw(/:hi$|psst|hello/), "a message caller-id refused reached ann")
      assert.lengthOf(ann.lines.filter((line) => / 718 /.test(line)), 1, "ann was told more than once a minute")

      // Off again, everyone's come through.
      ann.send("MODE ann -g")
      await ann.until(/ MODE ann :-g$/)
      tom.send("/msg ann hello again")
      await ann.until(/^:tom!\S+ PRIVMSG ann :hello again$/)
    })

    it("a text user turns it on with /accept on, and accepts with /accept NICK", async () => {
      const [a, b] = await servers()
      const tom = await join(a.port, "tom")
      const bob = await irc(b.ircPort, "bob")
      const carl = await irc(b.ircPort, "carl")
      tom.send("/accept on", "/accept bob", "/accept")
      await tom.until("-!- Caller-id is on: only those you accept (/accept NICK) may send you private messages; you are told when someone else tries.")
      await tom.until("-!- You accept bob's private messages.")
      await tom.until("-!- You accept private messages from: bob")
      carl.send("PRIVMSG tom :let me in")
      await carl.until(/ 716 carl tom /)
      await tom.until("-!- carl tried to send you a private message, which you do not accept (/accept carl lets them).")
      bob.send("PRIVMSG tom :accepted")
      await tom.until("*bob* accepted")
      assert.isFalse(tom.saw(/let me in/), "a message caller-id refused reached tom")
      tom.send("/accept off")
      await tom.until("-!- Caller-id is off: anyone may send you private messages.")
      carl.send("PRIVMSG tom :now?")
      await tom.until("*carl* now?")
    })
  })

suite("one server", oneServer)
suite("two servers", twoServers)
