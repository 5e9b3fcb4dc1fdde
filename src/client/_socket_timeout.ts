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
  /** The `timeout` option (or its agent's), in ms (0: none): set on the socket as it is assigned. */
  readonly optionMs: number;
  /** The last `setTimeout()` value, if any: set on the socket once it connected (Node's order). */
  #calledMs: number | undefined;
  /** The request: it emits `'timeout'` (an emitter, not a closure: one allocation less per request). */
  readonly #request: { emit(event: "timeout"): unknown };
  #socket: Socket | undefined;
  #over = false;
  /**
   * The socket's listener, made on first use (most requests set no timeout). It removes itself before
   * reporting: as Node 20's request, which listens with `once` and never again, a request hears one
   * `'timeout'` in its life, however often its socket times out after (checked under node).
   */
  #fire: (() => void) | undefined;
  #heard = false;

  /** `request` emits `'timeout'` when the socket carrying it times out. */
  constructor(optionMs: number, request: { emit(event: "timeout"): unknown }) {
    this.optionMs = optionMs;
    this.#request = request;
  }

  /** The listener on the socket while the request listens (Node's `req.timeoutCb`), else undefined. */
  get listener(): (() => void) | undefined {
    return this.#socket === undefined ? undefined : this.#fire;
  }

  /** `req.setTimeout(ms)`: on `socket` now if the request has one, else once it is assigned. */
  set(ms: number, socket: Socket | null): void {
    this.#calledMs = ms;
    if (socket === null || this.#over) return;
    if (ms > 0) this.#listen(socket);
    setWhenConnected(socket, ms);
  }

  /** The request got `socket` (it may still be connecting): applies the option, then `setTimeout()`'s. */
  apply(socket: Socket): void {
    if (this.#over) return;
    const called = this.#calledMs;
    if (this.optionMs > 0 || (called !== undefined && called > 0)) this.#listen(socket);
    if (this.optionMs > 0) socket.setTimeout(this.optionMs);
    if (called !== undefined) setWhenConnected(socket, called);
  }

  /** Stops listening. Unless `retrying` (the request moves to a new socket), later `apply`s do nothing. */
  detach(retrying = false): void {
    if (!retrying) this.#over = true;
    if (this.#socket === undefined) return;
    this.#socket.off("timeout", this.#fire!);
    this.#socket = undefined;
  }

  #listen(socket: Socket): void {
    if (this.#socket === socket || this.#heard) return;
    this.#fire ??= () => {
      this.#socket?.off("timeout", this.#fire!);
      this.#socket = undefined;
      this.#heard = true;
      this.#request.emit("timeout");
    };
    this.#socket?.off("timeout", this.#fire);
    this.#socket = socket;
    socket.on("timeout", this.#fire);
  }
}

/** Node's `setSocketTimeout`: a socket still connecting gets the timeout once it connected. */
function setWhenConnected(socket: Socket, ms: number): void {
  if (socket.connecting) socket.once("connect", () => socket.setTimeout(ms));
  else socket.setTimeout(ms);
}
