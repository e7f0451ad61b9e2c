import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Option } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { type Browser, type BrowserContext, chromium, type Page, type WebSocketRoute } from "playwright-core"
import { fixtures } from "./support/fixtures.js"
import { temporaryFolders } from "./support/folders.js"
import { ServerProcess } from "./support/process.js"

/**
 * The chat page in a real browser: Debian's Chromium driven by
 * playwright-core (nothing is downloaded). Screenshots go to test-artifacts/.
 */
const { join, later, server } = fixtures()
const artifacts = Path.resolve(import.meta.dirname, "../test-artifacts")
const freshFolder = temporaryFolders("hubbub-page-")

let browser: Browser
beforeAll(async () => {
  Fs.mkdirSync(artifacts, { recursive: true })
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox"]
  })
})
afterAll(async () => {
  await browser?.close()
})

const context = async (viewport = { width: 1100, height: 700 }): Promise<BrowserContext> => {
  const ctx = await browser.newContext({ viewport })
  later(() => ctx.close())
  return ctx
}

/** Opens the page, chooses `nick` in its dialog, and waits until it is connected as `nick`. */
const openAs = async (httpPort: number, nick: string, ctx?: BrowserContext): Promise<Page> => {
  const page = await (ctx ?? await context()).newPage()
  await page.goto(`http://127.0.0.1:${httpPort}/`)
  await page.locator("#nick").fill(nick)
  await page.locator("#nick").press("Enter")
  await page.locator("#status", { hasText: `Connected as ${nick}` }).waitFor()
  return page
}

/** Types a line into the message box and sends it with Enter, as a keyboard user would. */
const type = async (page: Page, text: string) => {
  await page.locator("#line").fill(text)
  await page.locator("#line").press("Enter")
}

/** The chat lines in the log, as `<nick> text`. */
const chatLines = (page: Page) =>
  page.$$eval("#log li.chat", (items) => items.map((li) => `${li.querySelector(".from")!.textContent}${li.querySelector(".text")!.textContent}`))

/**
 * The page opened as `nick`, its WebSocket going through a route that can drop the connection
 * (`drop`, once the page says it is down) and hold the next one back until `reopen`.
 */
const droppable = async (httpPort: number, nick: string) => {
  let gate: Promise<void> = Promise.resolve()
  let open = () => {}
  let current: WebSocketRoute | undefined = undefined
  const page = await (await context()).newPage()
  await page.routeWebSocket(/\/ws$/, async (ws) => {
    await gate
    current = ws
    ws.connectToServer()
  })
  await page.goto(`http://127.0.0.1:${httpPort}/`)
  await page.locator("#nick").fill(nick)
  await page.locator("#nick").press("Enter")
  await page.locator("#status", { hasText: `Connected as ${nick}` }).waitFor()
  return {
    page,
    drop: async () => {
      gate = new Promise((resolve) => open = resolve)
      await current!.close()
      await page.locator("#status.down").waitFor()
    },
    reopen: () => open()
  }
}

const members = (page: Page) => page.$$eval("#members li", (items) => items.map((li) => li.textContent))

describe("the chat page in Chromium", () => {
  it("two pages and a netcat client see the same messages in the same order", async () => {
    const { httpPort, port } = await server({ httpPort: Option.some(0), floodRate: 0 })
    const ann = await openAs(httpPort, "ann")
    const ben = await openAs(httpPort, "ben")
    const cat = await join(port, "cat")
    await ann.locator("#members li", { hasText: "cat" }).waitFor()
    assert.deepStrictEqual(await members(ann), ["ann", "ben", "cat"])

    // All three at once: whatever order the server puts them in, everyone sees that order.
    await Promise.all([type(ann, "from ann"), type(ben, "from ben"), Promise.resolve(cat.send("from cat"))])
    const seen = async (page: Page) => {
      // A locator, not waitForFunction: the page's CSP forbids the eval that polling a string needs.
      await page.locator("#log li.chat").nth(2).waitFor()
      return chatLines(page)
    }
    const fromCat: Array<string> = []
    while (fromCat.length < 3) fromCat.push(await cat.until((l) => l.startsWith("<")))
    const fromAnn = await seen(ann)
    assert.sameMembers(fromAnn, ["<ann> from ann", "<ben> from ben", "<cat> from cat"])
    assert.deepStrictEqual(await seen(ben), fromAnn)
    assert.deepStrictEqual(fromCat, fromAnn)
    // Each line is stamped with the time it arrived.
    assert.match(await ann.locator("#log li.chat time").first().textContent() ?? "", /\d{1,2}:\d{2}/)

    cat.send("/me waves", "/msg ann just for you")
    await ann.locator("#log li.action", { hasText: "waves" }).waitFor()
    await ann.locator("#log li.private", { hasText: "just for you" }).waitFor()
    await ann.screenshot({ path: Path.join(artifacts, "chat.png") })
  })

  it("switching rooms by clicking updates the member lists", async () => {
    const { httpPort } = await server({ httpPort: Option.some(0), floodRate: 0 })
    const ann = await openAs(httpPort, "ann")
    const ben = await openAs(httpPort, "ben")
    await ann.locator("#join-room").fill("#dev")
    await ann.locator("#join-room").press("Enter")
    await ann.locator("#room", { hasText: "#dev" }).waitFor()
    assert.deepStrictEqual(await members(ann), ["ann"])

    // Ben's list learns of #dev when ann leaves #lobby for it; he clicks it.
    await ben.locator("#rooms button", { hasText: "#dev" }).click()
    await ben.locator("#room", { hasText: "#dev" }).waitFor()
    await ann.locator("#members li", { hasText: "ben" }).waitFor()
    assert.deepStrictEqual(await members(ann), ["ann", "ben"])
    assert.deepStrictEqual(await members(ben), ["ann", "ben"])
    assert.strictEqual(await ben.locator("#rooms button[aria-current=true] span").first().textContent(), "#dev")

    await ben.locator("#rooms button", { hasText: "#lobby" }).click()
    await ben.locator("#room", { hasText: "#lobby" }).waitFor()
    await ann.locator("#members li").nth(1).waitFor({ state: "detached" })
    assert.deepStrictEqual(await members(ann), ["ann"])
  })

  it("gives a room's operator a settings panel and a menu on each member; others see a lock and are told why they cannot enter", async () => {
    const { httpPort, port } = await server({ httpPort: Option.some(0), floodRate: 0 })
    const ann = await openAs(httpPort, "ann")
    await ann.locator("#join-room").fill("#club")
    await ann.locator("#join-room").press("Enter")
    await ann.locator("#room", { hasText: "#club" }).waitFor()
    const bob = await join(port, "bob")
    bob.send("/join #club")
    await ann.locator("#members li", { hasText: "bob" }).waitFor()
    assert.strictEqual(await ann.locator("#members li.me").getAttribute("data-status"), "@")

    // The settings panel: moderated and a key.
    await ann.locator("#settings-button").click()
    await ann.locator("#set-moderated").check()
    await ann.locator("#set-key").fill("sesame")
    await ann.locator("#settings-save").click()
    await bob.until("-!- ann sets mode +mk sesame on #club", 10_000)
    bob.send("may I speak?")
    await bob.until("-!- #club is moderated: only operators and voiced members may speak.")

    // The menu on a member: a voice, then out.
    await ann.locator("#members li", { hasText: "bob" }).locator("button.member-actions").click()
    await ann.locator("#member-menu button", { hasText: "Give bob a voice" }).click()
    await bob.until("-!- ann gives voice to bob in #club", 10_000)
    await ann.locator("#members li[data-status='+']", { hasText: "bob" }).waitFor()
    await ann.locator("#members li", { hasText: "bob" }).locator("button.member-actions").click()
    await ann.locator("#member-menu button", { hasText: "Kick bob" }).click()
    await bob.until("-!- bob was kicked from #club by ann", 10_000)
    await ann.locator("#members li", { hasText: "bob" }).waitFor({ state: "detached" })
    assert.isFalse(await ann.locator("#member-menu").isVisible(), "the menu closes once used")

    // Someone else sees the room locked, and is told why it does not let them in.
    const cat = await openAs(httpPort, "cat")
    assert.isFalse(await cat.locator("#settings-button").isVisible())
    const locked = cat.locator("#rooms button", { hasText: "#club" })
    await locked.locator(".lock").waitFor()
    await locked.click()
    await cat.locator("#log li.error", { hasText: "Cannot join #club: it needs a key (/join #club KEY)." }).waitFor()
    assert.strictEqual(await cat.locator("#room").textContent(), "#lobby")
    await cat.screenshot({ path: Path.join(artifacts, "moderation-refused.png") })
    await ann.screenshot({ path: Path.join(artifacts, "moderation-operator.png") })
  })

  it("shows markup from another client as text, and runs none of it", async () => {
    const { httpPort, port } = await server({ httpPort: Option.some(0), floodRate: 0 })
    const ann = await openAs(httpPort, "ann")
    let dialogs = 0
    ann.on("dialog", (dialog) => {
      dialogs++
      void dialog.dismiss()
    })
    const cat = await join(port, "cat")
    cat.send("<img src=x onerror=alert(1)>", "<script>alert(2)</script>", "/topic <b onmouseover=alert(3)>bold</b>")
    await ann.locator("#log li.chat", { hasText: "<script>alert(2)</script>" }).waitFor()
    await ann.locator("#topic", { hasText: "<b onmouseover=alert(3)>bold</b>" }).waitFor()
    assert.deepStrictEqual((await chatLines(ann)).slice(-2), ["<cat> <img src=x onerror=alert(1)>", "<cat> <script>alert(2)</script>"])
    assert.strictEqual(await ann.locator("#log img, #log script, #topic b").count(), 0)
    await ann.locator("#topic").hover()
    assert.strictEqual(dialogs, 0)
  })

  it("shows a page that opens later the room's earlier messages as a block, with their times", async () => {
    const { httpPort, port } = await server({ httpPort: Option.some(0), floodRate: 0 })
    const cat = await join(port, "cat")
    cat.send("before you came", "/me was here")
    await cat.until("* cat was here")
    const ann = await openAs(httpPort, "ann")
    await ann.locator("#log li.history.action", { hasText: "was here" }).waitFor()
    assert.deepStrictEqual(
      await ann.$$eval("#log li.history.chat", (items) => items.map((li) => li.querySelector(".text")!.textContent)),
      ["before you came", "was here"]
    )
    assert.match(await ann.locator("#log li.history.chat time").first().textContent() ?? "", /\d{1,2}:\d{2}/)
    await ann.screenshot({ path: Path.join(artifacts, "history.png") })
  })

  it("reconnects with backoff after the server restarts, and says so", async () => {
    const first = ServerProcess.start(["--port", "0", "--http-port", "0"])
    later(() => first.kill())
    const httpPort = Number((await first.waitFor("stderr", /chat page at http:\/\/127\.0\.0\.1:(\d+)\//))[1])
    const ann = await openAs(httpPort, "ann", await context({ width: 390, height: 760 }))
    await ann.locator("#log li", { hasText: "You joined #lobby" }).waitFor()
    await ann.screenshot({ path: Path.join(artifacts, "phone.png") })

    first.child.kill("SIGTERM")
    assert.strictEqual((await first.exit()).code, 0)
    await ann.locator("#status.down").waitFor()
    assert.include(await ann.locator("#log").textContent(), "The server is restarting. Reconnecting in")

    const second = ServerProcess.start(["--port", "0", "--http-port", String(httpPort)])
    later(() => second.kill())
    await second.waitFor("stderr", /chat page at/)
    await ann.locator("#log li", { hasText: "Reconnected." }).waitFor({ timeout: 20_000 })
    await ann.locator("#status", { hasText: "Connected as ann" }).waitFor()
    await ann.screenshot({ path: Path.join(artifacts, "reconnected.png") })
  })

  it("registers a nickname from the dialog, logs in with it on another page, and is refused a wrong password", async () => {
    const { httpPort, port } = await server({ httpPort: Option.some(0) })
    const watcher = await join(port, "watcher")
    const first = await (await context()).newPage()
    await first.goto(`http://127.0.0.1:${httpPort}/`)
    await first.locator("#nick").fill("ann")
    await first.locator("#password").fill("pass-for-ann")
    await first.locator("#register").check()
    await first.locator("#nick").press("Enter")
    await first.locator("#log li", { hasText: "Nickname ann is now registered to you, and you are identified as ann." }).waitFor()
    await first.close()
    await watcher.until(/^-!- ann has left #lobby/)

    const squatter = await join(port, "ann")
    await squatter.until(/Nickname ann is registered/)

    const wrong = await (await context()).newPage()
    await wrong.goto(`http://127.0.0.1:${httpPort}/`)
    await wrong.locator("#nick").fill("ann")
    await wrong.locator("#password").fill("not-the-password")
    await wrong.locator("#nick").press("Enter")
    await wrong.locator("#nick-error", { hasText: "Wrong password for ann." }).waitFor()
    assert.isTrue(await wrong.locator("#nick-dialog").evaluate((dialog) => (dialog as unknown as { open: boolean }).open))

    await wrong.locator("#password").fill("pass-for-ann")
    await wrong.locator("#nick").press("Enter")
    await wrong.locator("#status", { hasText: "Connected as ann" }).waitFor()
    await wrong.locator("#log li", { hasText: "You are now identified as ann." }).waitFor()
    await squatter.until(/^-!- The owner of ann identified: you are now Guest\d+\.$/)
    await wrong.screenshot({ path: Path.join(artifacts, "identified.png") })
  })

  it("catches up after a reconnection with what it missed, each message once and in order, and loads earlier messages when asked", async () => {
    const dataDir = freshFolder()
    // The hub shows a joiner 2 messages; the store keeps them all.
    const { httpPort, port } = await server({ httpPort: Option.some(0), floodRate: 0, history: 2, store: { _tag: "Sqlite", dataDir } })
    const { drop, page, reopen } = await droppable(httpPort, "ann")
    const cat = await join(port, "cat")
    for (let i = 1; i <= 6; i++) cat.send(`m${i}`)
    await page.locator("#log li.chat", { hasText: "m6" }).waitFor()

    await drop()
    for (let i = 7; i <= 10; i++) cat.send(`m${i}`)
    await cat.until("<cat> m10")
    reopen()
    await page.locator("#log li", { hasText: "Missed in #lobby while away:" }).waitFor({ timeout: 20_000 })
    await page.locator("#log li.chat", { hasText: "m10" }).waitFor()
    assert.deepStrictEqual(await chatLines(page), Array.from({ length: 10 }, (_, i) => `<cat> m${i + 1}`))
    await page.screenshot({ path: Path.join(artifacts, "caught-up.png") })

    // A page that opens now is shown 2; it asks for the rest.
    const bea = await openAs(httpPort, "bea")
    await bea.locator("#log li.chat", { hasText: "m10" }).waitFor()
    assert.deepStrictEqual(await chatLines(bea), ["<cat> m9", "<cat> m10"])
    await bea.locator("#older").click()
    await bea.locator("#log li", { hasText: "Earlier in #lobby:" }).first().waitFor()
    await bea.locator("#log li.chat", { hasText: /> m1$/ }).waitFor()
    assert.deepStrictEqual(await chatLines(bea), Array.from({ length: 10 }, (_, i) => `<cat> m${i + 1}`))
    await bea.locator("#older").click()
    await bea.locator("#log li", { hasText: "No earlier messages in #lobby." }).waitFor()
    assert.isTrue(await bea.locator("#older").isHidden())
  })

  it("goes back to its room after a reconnection without showing the lobby it passes through, and catches up there", async () => {
    const { httpPort, port } = await server({ httpPort: Option.some(0), floodRate: 0, history: 50 })
    const { drop, page, reopen } = await droppable(httpPort, "ann")
    await type(page, "/join #side")
    await page.locator("#log li", { hasText: "You joined #side" }).waitFor()
    const cat = await join(port, "cat")
    cat.send("/join #side", "before")
    await page.locator("#log li.chat", { hasText: "before" }).waitFor()

    await drop()
    cat.send("while away")
    await cat.until("<cat> while away")
    reopen()
    await page.locator("#log li", { hasText: "You are back in #side" }).waitFor({ timeout: 20_000 })
    await page.locator("#log li.chat", { hasText: "while away" }).waitFor()
    const log = await page.$$eval("#log li", (items) => items.map((li) => li.querySelector(".text")?.textContent ?? ""))
    const reconnected = log.lastIndexOf("Reconnected.")
    assert.isFalse(log.slice(reconnected).some((line) => line.includes("#lobby")), log.join("\n"))
    assert.deepStrictEqual(await chatLines(page), ["<cat> before", "<cat> while away"])
    assert.strictEqual(await page.locator("#room").textContent(), "#side")
  })
})
