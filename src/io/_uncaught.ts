/**
 * What a user's listener throws is the process's uncaught exception, as in Node. Our listeners run
 * inside our own read loops and parsers, which would otherwise take the throw for a transport or parse
 * failure; so it is thrown again from a fresh microtask, where `process.on("uncaughtException")` (on
 * Deno and Bun as on Node) or the runtime's default (print and exit) sees it.
 *
 * @module
 */

/**
 * Rethrows `error` outside the current call stack.
 *
 * @example
 * ```ts ignore
 * try {
 *   server.emit("request", req, res);
 * } catch (err) {
 *   reportUncaught(err);
 * }
 * ```
 */
export function reportUncaught(error: unknown): void {
  queueMicrotask(() => {
    throw error;
  });
}
