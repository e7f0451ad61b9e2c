import { afterEach, assert, describe, it } from "@effect/vitest"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { parseConfig } from "../src/ConfigFile.js"
import { fileKeys, settings } from "../src/Flags.js"
import { temporaryFolders } from "./support/folders.js"
import { ServerProcess } from "./support/process.js"
import { TestClient } from "./support/TestClient.js"

let cleanup: Array<() => void> = []
afterEach(() => {
  for (const f of cleanup.reverse()) f()
  cleanup = []
})
const freshFolder = temporaryFolders("hubbub-config-")
const start = (args: ReadonlyArray<string>, env?: Record<string, string>) => {
  const server = ServerProcess.start(args, env)
  cleanup.push(() => server.kill())
  return server
}
/** A configuration file with `lines`, in a folder of its own. */
const configFile = (...lines: ReadonlyArray<string>) => {
  const file = Path.join(Path.dirname(freshFolder()), "hubbub.toml")
  Fs.writeFileSync(file, lines.join("\n") + "\n")
  return file
}
const example = Path.resolve(import.meta.dirname, "../examples/hubbub.toml")

describe("the configuration file's shape", () => {
  it("reads key = value lines (strings, numbers, booleans, comments), and names the line of every mistake", () => {
    const read = parseConfig(['# a comment', 'port = 9_999', 'server-name = "irc.example.org" # its name', "limit-loopback = true", 'motd = "a \\"quoted\\" #path"'].join("\n"), "f.toml", fileKeys)
    assert.deepStrictEqual(typeof read === "string" ? read : Object.fromEntries([...read].map(([key, value]) => [key, value.text])), {
      port: "9999",
      "server-name": "irc.example.org",
      "limit-loopback": "true",
      motd: 'a "quoted" #path'
    })
    assert.strictEqual(parseConfig("port = 1\nprot = 2", "f.toml", fileKeys), "f.toml:2: unknown setting prot (a setting is a flag's name without its --)")
    assert.strictEqual(parseConfig("[server]\nport = 1", "f.toml", fileKeys), "f.toml:1: tables ([server]) are not used: every setting is a key at the top")
    assert.strictEqual(parseConfig("port = 1\n\nport = 2", "f.toml", fileKeys), "f.toml:3: port is set twice (first at line 1)")
    assert.strictEqual(parseConfig("host = localhost", "f.toml", fileKeys), 'f.toml:1: host: expected a "string" (in double quotes), a number in digits, true or false')
    assert.strictEqual(parseConfig("just words", "f.toml", fileKeys), "f.toml:1: expected key = value")
  })

  it("ships a sample (examples/hubbub.toml) that names every setting and is itself a valid file", () => {
    const text = Fs.readFileSync(example, "utf8")
    for (const [key, setting] of Object.entries(settings)) {
      if (key === "config" || key === "printConfig") continue
      assert.match(text, new RegExp(`^# ${setting.name.slice(2)} = `, "m"), setting.name)
    }
    // Uncommented, every line is a setting it takes.
    const uncommented = text.split("\n").map((line) => line.replace(/^# (\S+ = )/, "$1")).join("\n")
    assert.notStrictEqual(typeof parseConfig(uncommented, "example", fileKeys), "string", String(parseConfig(uncommented, "example", fileKeys)))
  })
})

describe("--config", () => {
  it("takes settings from the file, below the variables and the flags, and prints those in effect with passwords masked", async () => {
    const file = configFile('server-name = "from.file"', "max-line-bytes = 10", 'redis = "redis://:secret@127.0.0.1:1"', 'log-level = "warn"')
    const printed = start(["--config", file, "--print-config"], { HUBBUB_SERVER_NAME: "from.env" })
    assert.strictEqual((await printed.exit()).code, 0)
    const out = printed.stdout.join("\n")
    assert.include(out, 'server-name = "from.env"')
    assert.include(out, "max-line-bytes = 10")
    assert.include(out, 'redis = "redis://:****@127.0.0.1:1"')
    assert.include(out, 'log-level = "warn"')
    assert.notInclude(out, "secret")
    const flagged = start(["--config", file, "--server-name", "from.flag", "--print-config"], { HUBBUB_SERVER_NAME: "from.env" })
    await flagged.exit()
    assert.include(flagged.stdout.join("\n"), 'server-name = "from.flag"')
    // Every form of a password in a URL is masked.
    const urls = start(["--database", "postgres://hubbub:p@ss@db.example/hubbub?password=also-secret", "--redis", "redis://127.0.0.1:1/?token=tok", "--print-config"])
    await urls.exit()
    const shown = urls.stdout.join("\n")
    for (const secret of ["p@ss", "also-secret", "tok\""]) assert.notInclude(shown, secret)
    assert.include(shown, "****")

    // And the server runs with them: HUBBUB_CONFIG names the file too.
    const running = start(["--port", "0", "--no-console"], { HUBBUB_CONFIG: configFile("max-line-bytes = 10") })
    const alice = await TestClient.join(await running.port(), "alice")
    cleanup.push(() => alice.reset())
    alice.send("x".repeat(11))
    assert.match(await alice.until(/too long/), /more than 10 bytes/)
  })

  it("refuses a file with a mistake in one line naming the file's line, and exits 2; a missing file, exit 1", async () => {
    const cases: ReadonlyArray<readonly [string, RegExp]> = [
      [configFile("# ports", "port = 70000"), /^hubbub: \S+hubbub\.toml:2: port = 70000: expected a port number from 0 to 65535 \(see hubbub --help\)$/],
      [configFile("prot = 1"), /^hubbub: \S+hubbub\.toml:1: unknown setting prot .*\(see hubbub --help\)$/]
    ]
    for (const [file, line] of cases) {
      const server = start(["--config", file])
      assert.strictEqual((await server.exit()).code, 2)
      const errors = server.stderr.filter((l) => l.trim() !== "")
      assert.strictEqual(errors.length, 1, errors.join("\n"))
      assert.match(errors[0]!, line)
    }
    const missing = start(["--config", "/nonexistent/hubbub.toml"])
    assert.strictEqual((await missing.exit()).code, 1)
    assert.deepStrictEqual(missing.stderr.filter((l) => l.trim() !== ""), ["hubbub: cannot read --config /nonexistent/hubbub.toml: no such file"])
    const folder = Path.dirname(freshFolder())
    const notAFile = start(["--config", folder])
    assert.strictEqual((await notAFile.exit()).code, 1)
    assert.deepStrictEqual(notAFile.stderr.filter((l) => l.trim() !== ""), [`hubbub: cannot read --config ${folder}: not a readable file`])
  })
})
