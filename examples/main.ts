/**
 * The README's library example, runnable: `npm run example` (then `nc 127.0.0.1 9999`, and say `!time`).
 * Stop it with Ctrl-C.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Layer } from "effect"
import { App } from "./embed.ts"

Layer.launch(App({ port: Number(process.env.PORT ?? 9999) })).pipe(NodeRuntime.runMain)
