#!/usr/bin/env node
import * as Module from "node:module"

// Node 22.1+ keeps compiled code between runs: a faster start on every run after the first.
;(Module as { enableCompileCache?: () => unknown }).enableCompileCache?.()

// `npm run build` bundles the program (run.ts and what it imports) into one file: loading it
// instead of a few hundred modules halves the time to start listening.
const bundle = "./hubbub.js"
await import(bundle)
