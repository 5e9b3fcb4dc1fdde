/**
 * When a request that failed on a reused keep-alive socket may go again on a fresh one: the failures a
 * replay cures (the Agent's retry policy) and how much of a request is kept for it. `ClientRequest`
 * holds the copy and reports its own facts (the server sent nothing back, the request was not retried
 * before); the Agent decides and runs it again.
 *
 * @module
 */

/** The transports' code for a socket that belongs to another request context (see `_map_error.ts`). */
const OTHER_CONTEXT = "ERR_SOCKET_OTHER_CONTEXT";
/** Methods a server may see twice without harm (RFC 9110 §9.2.2), as Node's list. */
const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"]);

/** Largest request we keep a copy of so it can be replayed on a fresh socket. */
export const MAX_REPLAY_BYTES = 64 * 1024;

/**
 * Whether `error` says the reused socket was dead before the request reached the server: a reset (the
 * server had closed the idle connection), for idempotent methods only; or a pooled socket of another
 * request context (workerd) that refused the first write, so nothing was sent and any method may go
 * again.
 *
 * @example
 * ```ts ignore
 * const reset = Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" });
 * replayCures(reset, "GET"); // true
 * replayCures(reset, "POST"); // false
 * ```
 */
export function replayCures(error: Error, method: string): boolean {
  const code = (error as { code?: string }).code;
  return (code === "ECONNRESET" && IDEMPOTENT.has(method)) || code === OTHER_CONTEXT;
}
