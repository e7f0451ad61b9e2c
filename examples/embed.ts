import { Effect, Layer } from "effect"
import { ChatConfig, type ChatConfigShape, ChatServer, Hub } from "hubbub"

/** A bot living inside the server: answers `!time` in any room. */
export const TimeBot = Layer.effectDiscard(Effect.gen(function*() {
  const hub = yield* Hub
  const events = yield* hub.subscribe
  // `take` returns what was published since the last take; `next` waits for more.
  yield* events.take.pipe(
    Effect.flatMap((batch) =>
      Effect.forEach(batch, ({ event }) =>
        event._tag === "Chat" && event.text === "!time"
          ? hub.publish({ _tag: "Notice", room: event.room, text: `It is ${new Date().toISOString()}` })
          : Effect.void, { discard: true })
    ),
    Effect.andThen(events.next),
    Effect.forever,
    Effect.forkScoped
  )
}))

/** hubbub plus the bot, on the given settings. */
export const App = (config: Partial<ChatConfigShape>) =>
  TimeBot.pipe(
    Layer.provideMerge(ChatServer.layerStandalone),
    Layer.provide(ChatConfig.layer(config))
  )

// In a program of your own: Layer.launch(App({ port: 9999 })).pipe(NodeRuntime.runMain)
