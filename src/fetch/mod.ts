/**
 * `@wire/http/fetch`: serve a fetch-style handler, `(request: Request, info) => Response`, on this
 * package's Node-style server, so a handler written for `Deno.serve` or `Bun.serve` runs unchanged. An
 * adapter over the public server (as `@hono/node-server` is over Node's); also re-exported by the main
 * entry.
 *
 * ```ts ignore
 * import { serveFetch } from "@wire/http/fetch";
 * serveFetch(() => new Response("hello"), { port: 8000 });
 * ```
 *
 * @module
 */

import { useRuntimeTransport } from "../transports/pick.ts";

// `serveFetch` listens with the runtime's transport: wired here, not borrowed from the package root's
// import (see src/transports/pick.ts).
useRuntimeTransport();

export { serveFetch, toRequestListener } from "./bridge.ts";
export type {
  FetchApp,
  FetchBridgeOptions,
  FetchHandler,
  FetchHandlerInfo,
  FetchRemoteAddr,
  ResponseTrailers,
  ServeFetchOptions,
} from "./types.ts";
