/**
 * Waiting for a `node:net`/`node:tls` client socket to be ready (`'connect'`, `'secureConnect'`), with an
 * `AbortSignal`: the one wait both Node-socket clients of the transports share.
 *
 * @module
 */

/** The members of a connecting Node socket this wait uses. */
export interface ConnectingNodeSocket {
  once(event: string, listener: (...args: never[]) => void): unknown;
  removeListener(event: string, listener: (...args: never[]) => void): unknown;
  destroy(): unknown;
}

/**
 * Resolves once `socket` emits `ready` (`"connect"` or `"secureConnect"`). An `'error'` first destroys the
 * socket and rejects with `failure(error)`; an abort of `signal` destroys it and rejects with the reason.
 *
 * @example
 * ```ts ignore
 * const socket = net.connect({ host: "127.0.0.1", port: 8080 });
 * await connected(socket, "connect", signal, (e) => mapError(e, "connect"));
 * ```
 */
export function connected(
  socket: ConnectingNodeSocket,
  ready: "connect" | "secureConnect",
  signal: AbortSignal | undefined,
  failure: (error: Error) => Error,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      socket.destroy();
      reject(signal!.reason);
    };
    const onError = (error: Error): void => {
      signal?.removeEventListener("abort", onAbort);
      socket.destroy();
      reject(failure(error));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    socket.once("error", onError);
    socket.once(ready, () => {
      signal?.removeEventListener("abort", onAbort);
      socket.removeListener("error", onError);
      resolve();
    });
  });
}
