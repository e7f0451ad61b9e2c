#!/usr/bin/env node
import * as Module from "node:module"

// Node 22.1+ keeps compiled code between runs: a faster start on every run after the first.
;(Module as { enableCompileCache?: () => unknown }).enableCompileCache?.()
await import("./run.js")
