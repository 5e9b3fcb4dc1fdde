/**
 * How an {@linkcode AgentClass}'s `createConnection` opens a socket once Node's argument forms are sorted
 * out: through the agent's transport, returned at once when the transport connects synchronously, else
 * yielded to the agent's callback once open (an HTTPS one after its handshake), or, in Node's direct
 * forms, returned as a stand-in that relays the socket once it is open.
 *
 * @module
 */

import type { Duplex } from "node:stream";
import { AbortError } from "../core/errors.ts";
import type { Transport } from "../io/transport.ts";
import { connectingSocket, openConnection } from "./_open_connection.ts";
import { PendingSocket } from "./_pending_socket.ts";
import type { AgentOptions, AgentRequestOptions, AgentSocket, CreateConnectionCallback } from "./agent.ts";

/**
 * Opens a socket to `opts`' origin over `transport`: `opts.signal` aborts it (`AbortError`), `opts.timeout`
 * (else the agent's) is its idle timeout, `onConnect` hears its `'connect'`. With `done` (the agent's own
 * form) a socket that is not there yet is yielded to it; without, a stand-in is returned.
 *
 * @example
 * ```ts ignore
 * const socket = openAgentSocket({ host: "127.0.0.1", port: 8080 }, transport, agent.options, undefined, undefined);
 * ```
 */
export function openAgentSocket(
  opts: AgentRequestOptions,
  transport: Transport | undefined,
  agentOptions: AgentOptions,
  done: CreateConnectionCallback | undefined,
  onConnect: (() => void) | undefined,
): AgentSocket | undefined {
  // A request's own createConnection is for agent-less requests; the agent's socket comes from here.
  const { createConnection: _ignored, ...target } = opts;
  const socket = connectingSocket(target, transport);
  if (socket) {
    const timeout = (opts.timeout as number | undefined) ?? agentOptions.timeout;
    if (timeout) socket.setTimeout(timeout);
    const signal = opts.signal as AbortSignal | undefined;
    if (signal) abortWith(socket, signal);
    if (onConnect) socket.once("connect", onConnect);
    return socket;
  }
  // The agent's timeout is read once the socket is open (users may change the agent's options).
  const opening = openConnection(target, transport).then((opened) => {
    if (agentOptions.timeout) opened.setTimeout(agentOptions.timeout);
    return opened;
  });
  if (done === undefined) {
    const pending = new PendingSocket(opening);
    if (onConnect) pending.once("connect", onConnect);
    const signal = opts.signal as AbortSignal | undefined;
    if (signal) abortWith(pending, signal);
    return pending;
  }
  opening.then((opened) => done(null, opened), (err: Error) => done(err));
  return undefined;
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
