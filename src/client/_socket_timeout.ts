/**
 * A request's `setTimeout()` on its socket. The socket may be pooled and carry many requests, so each
 * request adds at most one `'timeout'` listener and removes it when its exchange is over: a socket idling
 * in the pool must not report `'timeout'` to requests it carried before (Node's behaviour).
 *
 * @module
 */

import type { Socket } from "../io/socket.ts";

/** One request's inactivity timeout on whichever socket carries it. */
export class RequestSocketTimeout {
  /** The inactivity timeout in ms (0: none). */
  ms: number;
  readonly #onTimeout: () => void;
  #socket: Socket | undefined;
  #over = false;
  /**
   * The socket's listener, made on first use (most requests set no timeout). It removes itself before
   * reporting: as Node 20's request, which listens with `once` and never again, a request hears one
   * `'timeout'` in its life, however often its socket times out after (checked under node).
   */
  #fire: (() => void) | undefined;
  #heard = false;

  /** `onTimeout` is called when the socket carrying the request times out. */
  constructor(ms: number, onTimeout: () => void) {
    this.ms = ms;
    this.#onTimeout = onTimeout;
  }

  /** The listener on the socket while the request listens (Node's `req.timeoutCb`), else undefined. */
  get listener(): (() => void) | undefined {
    return this.#socket === undefined ? undefined : this.#fire;
  }

  /** Applies the timeout to `socket` (now carrying the request) and listens, once per socket. */
  apply(socket: Socket): void {
    if (this.ms <= 0 || this.#over) return;
    socket.setTimeout(this.ms);
    if (this.#socket === socket || this.#heard) return;
    this.#fire ??= () => {
      this.#socket?.off("timeout", this.#fire!);
      this.#socket = undefined;
      this.#heard = true;
      this.#onTimeout();
    };
    this.#socket?.off("timeout", this.#fire);
    this.#socket = socket;
    socket.on("timeout", this.#fire);
  }

  /** Stops listening. Unless `retrying` (the request moves to a new socket), later `apply`s do nothing. */
  detach(retrying = false): void {
    if (!retrying) this.#over = true;
    if (this.#socket === undefined) return;
    this.#socket.off("timeout", this.#fire!);
    this.#socket = undefined;
  }
}
