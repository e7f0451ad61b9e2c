import { afterAll } from "@effect/vitest"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"

/**
 * Temporary folders for a test file, removed after its tests: each call gives a
 * path (`<tmp>/<prefix>XXXXXX/data`) that does not exist yet, in a folder that does.
 */
export const temporaryFolders = (prefix: string) => {
  const made: Array<string> = []
  afterAll(() => made.forEach((folder) => Fs.rmSync(folder, { recursive: true, force: true })))
  return () => {
    const folder = Fs.mkdtempSync(Path.join(Os.tmpdir(), prefix))
    made.push(folder)
    return Path.join(folder, "data")
  }
}
