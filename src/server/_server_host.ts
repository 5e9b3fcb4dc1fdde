/**
 * The server's side of the {@linkcode ConnectionHost} contract: the object each `ServerConnection` of a
 * server calls for events, limits and bookkeeping. One per server, made when the server is set up and
 * handed to every connection, so nothing is allocated per connection or per request; the `Server` itself
 * keeps none of these methods, which would otherwise be public API on every server (and in autocomplete).
 *
 * Limits and timeouts are read through from the server on each access, because Node lets users change
 * them on a live server (`server.keepAliveTimeout = 0`).
 *
 * @module
 */

import { Buffer } from "node:buffer";
import type { IncomingMessage } from "../io/incoming_message.ts";
import { kClosed, type Socket } from "../io/socket.ts";
import { reportUncaught } from "../io/_uncaught.ts";
import type { ServerResponse } from "./server_response.ts";
import type { ConnectionHost, HostedConnection, MessageClasses } from "./_connection_host.ts";
import { dispatch } from "./_request_dispatch.ts";
import { kState, maybeClosed } from "./_server_state.ts";
import type { ServerClass } from "./server.ts";

/**
 * What a server's connections call. Emits go through the server's own `emit` (so subclasses and
 * `captureRejections` see them); a listener's throw is the process's uncaught exception, as in Node.
 *
 * @example
 * ```ts ignore
 * state.host = new ServerHost(server, classes);
 * new ServerConnection(socket, state.host, state.parserOptions);
 * ```
 */
export class ServerHost implements ConnectionHost {
  readonly #server: ServerClass;
  readonly messageClasses: MessageClasses;

  constructor(server: ServerClass, messageClasses: MessageClasses) {
    this.#server = server;
    this.messageClasses = messageClasses;
  }

  get keepAliveTimeout(): number {
    return this.#server.keepAliveTimeout;
  }

  get headersTimeout(): number {
    return this.#server.headersTimeout;
  }

  get requestTimeout(): number {
    return this.#server.requestTimeout;
  }

  get httpAllowHalfOpen(): boolean {
    return this.#server.httpAllowHalfOpen;
  }

  get maxHeadersCount(): number | null {
    return this.#server.maxHeadersCount;
  }

  get closing(): boolean {
    return this.#server[kState].closing;
  }

  get maxRequestsPerSocket(): number {
    return this.#server.maxRequestsPerSocket;
  }

  get takesUpgrades(): boolean {
    return this.#server.listenerCount("upgrade") > 0;
  }

  emitRequest(req: IncomingMessage, res: ServerResponse, event: "request"): void {
    dispatch(this.#server, event, req, res);
  }

  emitRequestIfListened(
    req: IncomingMessage,
    res: ServerResponse,
    event: "checkContinue" | "checkExpectation",
  ): boolean {
    if (this.#server.listenerCount(event) === 0) return false;
    dispatch(this.#server, event, req, res);
    return true;
  }

  emitTakeover(
    event: "upgrade" | "connect",
    req: IncomingMessage,
    socket: Socket,
    head: Uint8Array,
  ): boolean {
    const server = this.#server;
    if (server.listenerCount(event) === 0) return false;
    try {
      server.emit(event, req, socket, Buffer.from(head.buffer, head.byteOffset, head.byteLength));
    } catch (err) {
      reportUncaught(err);
    }
    return true;
  }

  emitClientError(error: Error, socket: Socket): boolean {
    const server = this.#server;
    if (server.listenerCount("clientError") === 0) return false;
    try {
      server.emit("clientError", error, socket);
    } catch (err) {
      reportUncaught(err);
    }
    return true;
  }

  emitDropRequest(req: IncomingMessage, socket: Socket): void {
    try {
      this.#server.emit("dropRequest", req, socket);
    } catch (err) {
      reportUncaught(err);
    }
  }

  emitTimeout(socket: Socket): boolean {
    return this.#server.emit("timeout", socket);
  }

  connectionClosed(conn: HostedConnection): void {
    this.#server[kState].connections.delete(conn);
    maybeClosed(this.#server);
  }

  connectionHandedOver(conn: HostedConnection): void {
    // As a net.Server in Node: 'close' waits for upgraded sockets too, though HTTP no longer drives them.
    const server = this.#server;
    const state = server[kState];
    state.connections.delete(conn);
    const socket = conn.socket;
    state.handedOver.add(socket);
    socket[kClosed] = () => {
      state.handedOver.delete(socket);
      maybeClosed(server);
    };
  }
}
