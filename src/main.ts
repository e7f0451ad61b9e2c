#!/usr/bin/env node
import * as Module from "node:module"

// What its dependencies need (`@effect/platform-node` declares 22.19; the SQLite store needs `node:sqlite`, 22.13).
const [major = 0, minor = 0] = process.versions.node.split(".").map(Number)
if (major < 22 || (major === 22 && minor < 19)) {
  console.error(
    `hubbub: needs Node 22.19 or newer, and this is Node ${process.versions.node} (npm start runs it on the Node 24 that npm ci installs)`
  )
  process.exit(1)
}

// Node 22.1+ keeps compiled code between runs: a faster start on every run after the first.
;(Module as { enableCompileCache?: () => unknown }).enableCompileCache?.()

// `npm run build` bundles the program (run.ts and what it imports) into one file: loading it
// instead of a few hundred modules halves the time to start listening.
const bundle = "./hubbub.js"
await import(bundle)
