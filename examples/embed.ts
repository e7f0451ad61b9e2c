import { Effect, Layer, Stream } from "effect"
import { ChatConfig, type ChatConfigShape, ChatServer, Hub } from "hubbub"

/** A bot living inside the server: answers `!time` in any room. */
export const TimeBot = Layer.effectDiscard(Effect.gen(function*() {
  const hub = yield* Hub
  yield* hub.events.pipe(
    Stream.runForEach(({ event }) =>
      event._tag === "Chat" && event.text === "!time"
        ? hub.publish({ _tag: "Notice", room: event.room, text: `It is ${new Date().toISOString()}` })
        : Effect.void
    ),
    Effect.forkScoped
  )
}))

/** hubbub plus the bot, on the given settings. */
export const App = (config: Partial<ChatConfigShape>) =>
  TimeBot.pipe(
    Layer.provideMerge(ChatServer.layerStandalone),
    Layer.provide(ChatConfig.layer(config))
  )
