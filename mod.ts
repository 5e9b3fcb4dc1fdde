/**
 * `@wire/http`: Node's `http` module — server, client, Agent — for Deno and Bun, on a strict sans-I/O
 * HTTP/1.1 codec (`@wire/http/core`).
 *
 * ```ts ignore
 * import { createServer } from "@wire/http";
 * createServer((req, res) => res.end(`hello from ${req.url}\n`)).listen(8080);
 * ```
 *
 * @module
 */

import { useRuntimeTransport } from "./src/transports/pick.ts";

// Servers and requests that name no transport use Deno's or Bun's, picked when the first one opens
// (see src/transports/pick.ts for why each entry wires this itself).
useRuntimeTransport();

// What the edge entry exports too: the client, messages, sockets, transports, errors, tables.
export * from "./src/shared_api.ts";

export {
  createServer,
  type ListenOptions,
  type RequestListener,
  Server,
  ServerClass,
  type ServerConstructor,
  type ServerEvents,
  type ServerOptions,
} from "./src/server/server.ts";
export { ServerResponse, type ServerResponseEvents } from "./src/server/server_response.ts";
export { MAX_HEADER_SIZE as maxHeaderSize } from "./src/core/limits.ts";
export { serveFetch, toRequestListener } from "./src/fetch/bridge.ts";
export { http as default, type HttpModule } from "./src/http_module.ts";
export type {
  FetchApp,
  FetchBridgeOptions,
  FetchHandler,
  FetchHandlerInfo,
  FetchRemoteAddr,
  ResponseTrailers,
  ServeFetchOptions,
} from "./src/fetch/types.ts";
