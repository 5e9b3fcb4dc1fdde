/**
 * A small typed event emitter with Node's semantics (listeners run synchronously in order; `'error'`
 * without a listener throws), so the Node-shaped objects work on any runtime without `node:events`, and
 * `server.on("upgrade", (req, socket, head) => …)` type-checks its arguments.
 *
 * @module
 */

/** Any listener function. */
// deno-lint-ignore no-explicit-any
export type Listener = (...args: any[]) => unknown;

/** Maps event names to listener argument tuples. */
// deno-lint-ignore no-explicit-any
export type EventMap = Record<string | symbol, any[]>;

/** The event names of an event map `E`. */
export type EventKey<E> = keyof E & (string | symbol);

const NO_LISTENERS: readonly Listener[] = Object.freeze([]);

/**
 * Typed event emitter. `E` maps each event name to its argument tuple.
 *
 * @example
 * ```ts
 * import { EventEmitter } from "@wire/http";
 * const emitter = new EventEmitter<{ ping: [n: number] }>();
 * emitter.on("ping", (n) => console.log(n + 1));
 * emitter.emit("ping", 41); // logs 42
 * ```
 */
export class EventEmitter<E extends EventMap = EventMap> {
  // Created lazily: most objects (responses, requests) never get a listener for most events.
  #listeners: Map<string | symbol, Listener[]> | undefined;

  /** Adds a listener that runs every time `event` is emitted. */
  on<K extends EventKey<E>>(event: K, listener: (...args: E[K]) => unknown): this {
    return this.#add(event, listener, false);
  }

  /** Same as {@linkcode EventEmitter.on}. */
  addListener<K extends EventKey<E>>(event: K, listener: (...args: E[K]) => unknown): this {
    return this.#add(event, listener, false);
  }

  /** Adds a listener that runs before the ones already added. */
  prependListener<K extends EventKey<E>>(event: K, listener: (...args: E[K]) => unknown): this {
    return this.#add(event, listener, true);
  }

  /** Adds a listener that runs once, the next time `event` is emitted. */
  once<K extends EventKey<E>>(event: K, listener: (...args: E[K]) => unknown): this {
    return this.#add(event, onceWrapper(this, event, listener), false);
  }

  /** Removes one registration of `listener` (also one added with `once`). */
  off<K extends EventKey<E>>(event: K, listener: (...args: E[K]) => unknown): this {
    const list = this.#listeners?.get(event);
    if (!list) return this;
    for (let i = list.length - 1; i >= 0; i--) {
      const l = list[i] as Listener & { listener?: Listener };
      if (l === listener || l.listener === listener) {
        const next = list.slice();
        next.splice(i, 1);
        if (next.length === 0) this.#listeners!.delete(event);
        else this.#listeners!.set(event, next);
        this.listenerRemoved(event);
        break;
      }
    }
    return this;
  }

  /** Same as {@linkcode EventEmitter.off}. */
  removeListener<K extends EventKey<E>>(event: K, listener: (...args: E[K]) => unknown): this {
    return this.off(event, listener);
  }

  /** Removes every listener of `event`, or of every event. */
  removeAllListeners(event?: EventKey<E>): this {
    if (event === undefined) this.#listeners = undefined;
    else this.#listeners?.delete(event);
    return this;
  }

  /**
   * Calls every listener of `event` with `args`, in order. Returns whether there was any. An `'error'`
   * event without listeners throws its argument, as in Node.
   */
  emit<K extends EventKey<E>>(event: K, ...args: E[K]): boolean {
    const list = this.#listeners?.get(event);
    if (!list) {
      if (event === "error") throw args[0];
      return false;
    }
    // The array is replaced, never mutated, on add/remove, so iterating it is safe while listeners
    // add or remove listeners.
    if (list.length === 1) list[0]!.apply(this, args);
    else for (const l of list) l.apply(this, args);
    return true;
  }

  /** Number of listeners of `event`. */
  listenerCount(event: EventKey<E>): number {
    return this.#listeners?.get(event)?.length ?? 0;
  }

  /** Copies of the listeners of `event`. */
  listeners<K extends EventKey<E>>(event: K): ((...args: E[K]) => unknown)[] {
    return (this.#listeners?.get(event) ?? []).map((l) => (l as { listener?: Listener }).listener ?? l);
  }

  /**
   * The live listener list of `event`, without copying (`once` wrappers included). Safe to iterate
   * while listeners change: the list is replaced, never mutated. For hot paths that need return values.
   */
  /** @ignore Internal: the live listener list. */
  protected rawListenersOf(event: string | symbol): readonly Listener[] {
    return this.#listeners?.get(event) ?? NO_LISTENERS;
  }

  /** Names of the events that have listeners. */
  eventNames(): (string | symbol)[] {
    return this.#listeners ? [...this.#listeners.keys()] : [];
  }

  /** Hook for subclasses: a listener for `event` was added. */
  protected listenerAdded(_event: string | symbol): void {}

  /** Hook for subclasses: a listener for `event` was removed. */
  protected listenerRemoved(_event: string | symbol): void {}

  #add(event: string | symbol, listener: Listener, prepend: boolean): this {
    if (typeof listener !== "function") {
      throw new TypeError(`The "listener" argument must be of type function`);
    }
    this.#listeners ??= new Map();
    const list = this.#listeners.get(event);
    this.#listeners.set(event, !list ? [listener] : prepend ? [listener, ...list] : [...list, listener]);
    this.listenerAdded(event);
    return this;
  }
}

// deno-lint-ignore no-explicit-any
function onceWrapper(target: EventEmitter<any>, event: string | symbol, listener: Listener): Listener {
  let fired = false;
  const wrapper = function (this: unknown, ...args: unknown[]) {
    if (fired) return;
    fired = true;
    target.off(event as never, wrapper as never);
    return listener.apply(this, args);
  } as Listener & { listener?: Listener };
  wrapper.listener = listener;
  return wrapper;
}
