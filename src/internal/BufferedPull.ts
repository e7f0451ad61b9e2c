import type * as Arr from "effect/Array"
import * as Effect from "effect/Effect"
import type * as Pull from "effect/Pull"

const none: ReadonlyArray<never> = []

/**
 * A pull stage that turns each batch its source gives into items (a read's
 * lines, say), and hands them on in batches of its own choosing: the source
 * is pulled again only once every item is taken. One object per stream, no
 * closure per pull.
 */
export abstract class BufferedPull<In, Item, Out, E, R> {
  /** The items of the source's last batch; those before `at` are taken. */
  protected pending: ReadonlyArray<Item> = none
  protected at = 0
  readonly pull: Pull.Pull<Arr.NonEmptyReadonlyArray<Out>, E, void, R>

  constructor(private readonly source: Pull.Pull<Arr.NonEmptyReadonlyArray<In>, E, void, R>) {
    this.pull = Effect.suspend(() => this.next())
  }

  /** The items of one batch of the source (none: the source is pulled again). */
  protected abstract split(batch: Arr.NonEmptyReadonlyArray<In>): ReadonlyArray<Item>

  /** The next batch out, from `pending[at]` on (at least one item is left): it moves `at` past what it took. */
  protected abstract take(): Arr.NonEmptyReadonlyArray<Out>

  private next(): Pull.Pull<Arr.NonEmptyReadonlyArray<Out>, E, void, R> {
    if (this.at < this.pending.length) return Effect.succeed(this.take())
    this.pending = none
    return Effect.flatMap(this.source, (batch) => {
      const items = this.split(batch)
      if (items.length === 0) return this.pull
      this.pending = items
      this.at = 0
      return Effect.succeed(this.take())
    })
  }
}
