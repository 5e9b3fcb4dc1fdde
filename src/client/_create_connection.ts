/**
 * How an {@linkcode AgentClass}'s `createConnection` opens a socket once Node's argument forms are sorted
 * out: through the agent's transport, returned at once and still connecting (TCP and TLS alike), as
 * `net.connect` and `tls.connect` return theirs.
 *
 * @module
 */

import type { Duplex } from "node:stream";
import { AbortError } from "../core/errors.ts";
import type { Transport } from "../io/transport.ts";
import { connectingSocket } from "./_open_connection.ts";
import type { AgentOptions, AgentRequestOptions, AgentSocket } from "./agent.ts";

/**
 * Opens a socket to `opts`' origin over `transport` and returns it still connecting: `opts.signal` aborts
 * it (`AbortError`), `opts.timeout` (else the agent's) is its idle timeout, `onConnect` hears its
 * `'connect'`.
 *
 * @example
 * ```ts ignore
 * const socket = openAgentSocket({ host: "127.0.0.1", port: 8080 }, transport, agent.options, undefined);
 * ```
 */
export function openAgentSocket(
  opts: AgentRequestOptions,
  transport: Transport | undefined,
  agentOptions: AgentOptions,
  onConnect: (() => void) | undefined,
): AgentSocket {
  // A request's own createConnection is for agent-less requests; the agent's socket comes from here.
  const { createConnection: _ignored, ...target } = opts;
  const socket = connectingSocket(target, transport);
  // The agent's timeout is read as the socket is made (Node's agent sets it in createSocket).
  const timeout = (opts.timeout as number | undefined) ?? agentOptions.timeout;
  if (timeout) socket.setTimeout(timeout);
  const signal = opts.signal as AbortSignal | undefined;
  if (signal) abortWith(socket, signal);
  if (onConnect) socket.once("connect", onConnect);
  return socket;
}

/** Node's `net.connect({ signal })`: the signal's abort destroys the socket with an `AbortError`. */
function abortWith(socket: Duplex, signal: AbortSignal): void {
  const onAbort = () =>
    socket.destroy(new AbortError("The operation was aborted", "ABORT_ERR", { cause: signal.reason }));
  if (signal.aborted) {
    onAbort();
    return;
  }
  signal.addEventListener("abort", onAbort, { once: true });
  socket.once("close", () => signal.removeEventListener("abort", onAbort));
}
