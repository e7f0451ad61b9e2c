import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { fixtures } from "./support/fixtures.js"
import { type Ports, serverPairs } from "./support/pairs.js"
import { RedisServer } from "./support/RedisServer.js"
import type { TestClient } from "./support/TestClient.js"

const { connect, join, server } = fixtures()

let redis: RedisServer
beforeAll(async () => {
  redis = await RedisServer.start()
})
afterAll(() => redis?.stop())

const { one: oneServer, two: twoServers } = serverPairs(server, () => redis, "whois")

/** An IRC client registered with the user name and real name irctest's WHO tests use. */
const coolNick = async (port: number) => {
  const client = await connect(port)
  client.send("NICK coolNick", "USER myusernam 0 * :My UniqueReal Name")
  await client.until(/ 376 coolNick /)
  return client
}

const ircAs = async (port: number, nick: string) => {
  const client = await connect(port)
  client.send(`NICK ${nick}`, `USER ${nick} 0 * :${nick}`)
  await client.until(new RegExp(` 376 ${nick} `))
  return client
}

const suite = (name: string, servers: () => Promise<readonly [Ports, Ports]>) =>
  describe(`who is who (${name})`, () => {
    it("shows what USER said in WHO and WHOIS, marks the away (G, 301, 305/306), and answers USERHOST and ISON", async () => {
      const [a, b] = await servers()
      const cool = await coolNick(a.ircPort)
      cool.send("JOIN #chan")
      await cool.until(/ 366 coolNick #chan /)
      const other = await ircAs(b.ircPort, "otherNick")
      other.send("JOIN #chan")
      await other.until(/ 366 otherNick #chan /)

      other.send("WHO coolNick")
      assert.strictEqual(await other.until(/ 352 /), `:${b.name} 352 otherNick * ~myusernam hubbub ${a.name} coolNick H :0 My UniqueReal Name`)
      other.send("WHO #chan")
      assert.strictEqual(await other.until(/ 352 otherNick #chan \S+ \S+ \S+ coolNick /), `:${b.name} 352 otherNick #chan ~myusernam hubbub ${a.name} coolNick H@ :0 My UniqueReal Name`)
      await other.until(/ 315 otherNick #chan /)

      cool.send("AWAY :be right back")
      await cool.until(`:${a.name} 306 coolNick :You have been marked as being away`)
      other.send("WHO coolni*", "PRIVMSG coolNick :are you there?", "USERHOST coolNick otherNick nobody", "ISON nobody COOLNICK")
      assert.match(await other.until(/ 352 /), / coolNick G :0 My UniqueReal Name$/)
      assert.strictEqual(await other.until(/ 301 /), `:${b.name} 301 otherNick coolNick :be right back`)
      assert.strictEqual(await other.until(/ 302 /), `:${b.name} 302 otherNick :coolNick=-~myusernam@hubbub otherNick=+~otherNick@hubbub`)
      assert.strictEqual(await other.until(/ 303 /), `:${b.name} 303 otherNick :coolNick`)
      const text = await join(b.port, "tom")
      text.send("/msg coolNick hello", "/whois coolNick")
      await text.until("-!- coolNick is away: be right back")
      assert.match(await text.until(/ is ~myusernam /), new RegExp(`^-!- coolNick is ~myusernam \\(My UniqueReal Name\\), on ${a.name.replace(".", "\\.")} since \\d{4}-`))
      await text.until("-!-   in @#chan")
      await text.until("-!-   away: be right back")

      cool.send("AWAY")
      await cool.until(`:${a.name} 305 coolNick :You are no longer marked as being away`)
      other.send("WHO coolNick")
      assert.match(await other.until(/ 352 /), / coolNick H :0 My UniqueReal Name$/)
      text.send("/away gone fishing", "/away")
      await text.until("-!- You are marked as away: whoever writes to you is told why.")
      await text.until("-!- You are back.")
    })

    it("answers WHOIS with 311, 319 (secret channels only to their members), 312, 330 and 318, and 401 for nobody", async () => {
      const [a, b] = await servers()
      const cool = await coolNick(a.ircPort)
      cool.send("JOIN #open,#hidden", "MODE #hidden +s", "PRIVMSG NickServ :REGISTER cool-password")
      await cool.until(/ MODE #hidden \+s/)
      await cool.until(/NickServ.*registered/)
      const other = await ircAs(b.ircPort, "otherNick")
      const whois = async (client: TestClient) => {
        client.send("WHOIS coolNick")
        const lines: Array<string> = []
        for (;;) {
          const line = await client.until(/ (3\d\d|671) /)
          lines.push(line.replace(/^:\S+ (\d+) \S+ /, "$1 "))
          if (line.includes(" 318 ")) return lines
        }
      }
      const seen = await whois(other)
      assert.strictEqual(seen[0], "311 coolNick ~myusernam hubbub * :My UniqueReal Name")
      assert.include(seen, "319 coolNick :@#open")
      assert.include(seen, `312 coolNick ${a.name} :hubbub`)
      assert.include(seen, "330 coolNick coolNick :is logged in as")
      assert.strictEqual(seen.at(-1), "318 coolNick :End of /WHOIS list")
      // Idle time is known where the user is.
      if (a.port === b.port) assert.isTrue(seen.some((l) => /^317 coolNick \d+ \d{10} :seconds idle, signon time$/.test(l)))
      other.send("JOIN #hidden")
      await other.until(/ 366 otherNick #hidden /)
      assert.include(await whois(other), "319 coolNick :@#hidden @#open")

      other.send("WHOIS nobody", "WHOIS")
      await other.until(/ 401 otherNick nobody /)
      await other.until(/ 318 otherNick nobody /)
      await other.until(/ 431 otherNick /)

      // Gone, it is remembered: WHOWAS on any server.
      cool.send("QUIT :bye")
      await other.until(/^:coolNick!\S+ QUIT/)
      other.send("WHOWAS coolNick", "WHOWAS nobody")
      assert.strictEqual(await other.until(/ 314 /), `:${b.name} 314 otherNick coolNick ~myusernam hubbub * :My UniqueReal Name`)
      assert.match(await other.next(), new RegExp(`^:${b.name} 312 otherNick coolNick ${a.name} :\\w{3}, `))
      assert.strictEqual(await other.next(), `:${b.name} 369 otherNick coolNick :End of WHOWAS`)
      assert.strictEqual(await other.next(), `:${b.name} 406 otherNick nobody :There was no such nickname`)
      assert.strictEqual(await other.next(), `:${b.name} 369 otherNick nobody :End of WHOWAS`)
      const text = await join(b.port, "tom")
      text.send("/whowas coolnick", "/whowas nobody")
      assert.match(await text.until(/ was /), /^-!- coolNick was ~myusernam \(My UniqueReal Name\), on a\.test, until \d{4}-/)
      await text.until("-!- Nobody was called nobody lately.")
    })

    it("bans by the user name WHO shows (as an IRC client's own /ban writes it), and renames a text user's names with its nickname", async () => {
      const [a, b] = await servers()
      const ann = await ircAs(a.ircPort, "ann")
      ann.send("JOIN #r")
      await ann.until(/ 366 ann #r /)
      const troll = await connect(b.ircPort)
      troll.send("NICK troll", "USER evl 0 * :Evil")
      await troll.until(/ 376 troll /)
      ann.send("WHO troll")
      assert.match(await ann.until(/ 352 /), / ~evl hubbub \S+ troll H :0 Evil$/)
      ann.send("MODE #r +b *!*evl@hubbub")
      await ann.until(/ MODE #r \+b \*!\*evl@hubbub$/)
      troll.send("JOIN #r")
      await troll.until(/ 474 troll #r /)

      const tom = await join(b.port, "tom")
      tom.send("/nick anon42")
      await tom.until(/anon42/)
      ann.send("WHOIS anon42", "ISON " + Array.from({ length: 30 }, (_, i) => `n${i}`).join(" ") + " ann")
      assert.strictEqual(await ann.until(/ 311 /), `:${a.name} 311 ann anon42 anon42 hubbub * :anon42`)
      assert.strictEqual(await ann.until(/ 303 /), `:${a.name} 303 ann :ann`)
    })
  })

suite("one server", oneServer)
suite("two servers", twoServers)
