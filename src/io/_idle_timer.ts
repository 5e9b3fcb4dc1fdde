/**
 * Node's socket idle timeout (`socket.setTimeout(ms)`): calls back after `ms` without reads or writes.
 *
 * One timer per socket, re-armed lazily: activity only stamps a time, so a busy socket does not pay
 * `clearTimeout`/`setTimeout` on every chunk. When the timer fires early (there was activity meanwhile) it
 * re-arms for the rest of the interval.
 *
 * The timer is unref'd, as Node's socket timers: a timeout alone does not keep the process alive. Timer
 * objects (Bun, workerd) have `unref()`; a numeric id (Deno) goes to the hook its transport installed.
 *
 * @module
 */

let unrefId: ((id: number) => void) | undefined;

/**
 * Internal (transports): how to unref a numeric timer id, for runtimes whose `setTimeout` returns one
 * (Deno's `Deno.unrefTimer`). The io layer names no runtime.
 *
 * @example
 * ```ts ignore
 * setTimerUnref((id) => Deno.unrefTimer(id));
 * ```
 */
export function setTimerUnref(fn: (id: number) => void): void {
  unrefId = fn;
}

/** The idle clock of one socket. Internal to the io layer. */
export class IdleTimer {
  #ms = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #lastActivity = 0;
  readonly #onIdle: () => void;
  readonly #alive: () => boolean;

  /** `onIdle` runs after `ms` idle while `alive()` holds; it may call {@linkcode set} again. */
  constructor(onIdle: () => void, alive: () => boolean) {
    this.#onIdle = onIdle;
    this.#alive = alive;
  }

  /** Starts (or with 0 stops) timing out after `ms` idle, counting from now. */
  set(ms: number): void {
    this.#ms = ms;
    this.clear();
    if (ms > 0 && this.#alive()) {
      this.#lastActivity = Date.now();
      this.#arm(ms);
    }
  }

  /** Notes activity (a read or a write). */
  touch(): void {
    if (this.#ms > 0) this.#lastActivity = Date.now();
  }

  /** Stops the timer (the socket closed); {@linkcode set} starts it again. */
  clear(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }

  #arm(ms: number): void {
    const timer = setTimeout(() => {
      this.#timer = undefined;
      if (!this.#alive() || this.#ms === 0) return;
      const idle = Date.now() - this.#lastActivity;
      if (idle >= this.#ms) {
        this.#lastActivity = Date.now();
        this.#onIdle();
        // The listener may have re-armed (set) or stopped the clock; otherwise keep timing.
        if (this.#alive() && this.#ms > 0 && this.#timer === undefined) this.#arm(this.#ms);
      } else this.#arm(this.#ms - idle);
    }, ms);
    if (typeof timer === "number") unrefId?.(timer);
    else (timer as { unref?: () => void }).unref?.();
    this.#timer = timer;
  }
}
