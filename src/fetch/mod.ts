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

// The package root installs the runtime's transport, which `serveFetch`'s server listens with: without it
// this entry alone could not serve (ERR_NO_TRANSPORT). The root re-exports the bridge from the files
// below, not from this entry, so there is no import cycle.
import "../../mod.ts";

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
