/**
 * Setting a server up: the constructor's body, and what Node's function-style subclassing
 * (`http.Server.call(this)`, which never runs the class constructor) runs on an object made elsewhere.
 * One function for both, so either way gives the same fields, state and listeners.
 *
 * @module
 */

import { EventEmitter } from "node:events";
import { IncomingMessage } from "../io/incoming_message.ts";
import { uniqueHeaderSet } from "../io/outgoing_message.ts";
import { ServerResponse } from "./server_response.ts";
import { checkedServerOptions, type ServerOptions, serverTimeouts } from "./_server_options.ts";
import { kState, newServerState, onConnection, type ServerState } from "./_server_state.ts";
import { ServerHost } from "./_server_host.ts";
import type { RequestListener, ServerClass } from "./server.ts";

/**
 * Sets up `server` as an HTTP server: the constructor's body, and what `Server.call(self, ...)` runs on
 * an object of a function-style subclass (whose `EventEmitter` part is set up first, as Node's chain of
 * `.call`s does).
 *
 * @example
 * ```ts ignore
 * constructor(options?: ServerOptions | RequestListener | null, listener?: RequestListener) {
 *   super();
 *   initServer(this, options, listener);
 * }
 * ```
 */
export function initServer(
  server: ServerClass,
  options: ServerOptions | RequestListener | null | undefined,
  listener: RequestListener | undefined,
): void {
  if (typeof options === "function") {
    listener = options;
    options = {};
  } else options = checkedServerOptions(options);
  const self = server as
    & {
      -readonly [K in keyof ServerClass]: ServerClass[K];
    }
    & { [kState]: ServerState };
  self.maxConnections = undefined;
  self.httpAllowHalfOpen = false;
  self.maxHeadersCount = null;
  self.timeout = 0;
  self.listening = false;
  const timeouts = serverTimeouts(options);
  self.requestTimeout = timeouts.requestTimeout;
  self.headersTimeout = timeouts.headersTimeout;
  self.keepAliveTimeout = timeouts.keepAliveTimeout;
  self.maxRequestsPerSocket = options.maxRequestsPerSocket ?? 0;
  const host = new ServerHost(server, {
    IncomingMessage: options.IncomingMessage ?? IncomingMessage,
    ServerResponse: options.ServerResponse ?? ServerResponse,
    joinDuplicateHeaders: options.joinDuplicateHeaders ?? false,
    uniqueHeaders: uniqueHeaderSet(options.uniqueHeaders),
    responseOptions: { rejectNonStandardBodyWrites: options.rejectNonStandardBodyWrites ?? false },
  });
  self[kState] = newServerState(options, host);
  server.on("connection", onConnection);
  if (listener) server.on("request", listener);
}

/**
 * `Server.call(self, ...)` from a function-style subclass: `self` becomes a server in place.
 *
 * @example
 * ```ts ignore
 * export const Server = callableClass<ServerConstructor>(ServerClass, initInPlace);
 * ```
 */
export function initInPlace(self: object, args: unknown[]): void {
  const server = self as ServerClass;
  // A server already set up keeps its state (Node would start over, orphaning live connections).
  if (Object.hasOwn(server, kState)) return;
  EventEmitter.call(server);
  initServer(server, args[0] as ServerOptions | RequestListener | undefined, args[1] as RequestListener);
}
