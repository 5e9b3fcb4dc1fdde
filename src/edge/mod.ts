/**
 * `@wire/http/edge`: the HTTP client for runtimes whose sockets are Web Streams (Cloudflare Workers'
 * `connect()` from `cloudflare:sockets`, or any `{ readable, writable }` pair). Same `request`, `get`,
 * `Agent` and events as `@wire/http`, but this entry's module graph carries no Deno or Bun transport code
 * and no `node:` import, so a worker bundle stays small and loads anywhere.
 *
 * There is no runtime to pick a socket layer from: give one with {@linkcode setDefaultTransport} (used by
 * requests without an Agent and by `globalAgent`), or per Agent with `new Agent({ transport })`.
 *
 * ```ts ignore
 * import { connect } from "cloudflare:sockets";
 * import { Agent, request, webStreamsTransport } from "@wire/http/edge";
 *
 * // Module scope: the Agent and its kept-alive sockets outlive one invocation. A socket that belongs to
 * // a finished invocation is detected, dropped and replaced; an idempotent request is retried on it.
 * const agent = new Agent({
 *   keepAlive: true,
 *   // Pass the options through: they carry `secureTransport` for https: and tunnels.
 *   transport: webStreamsTransport((t, o) => connect("path" in t ? t.path : { hostname: t.hostname, port: t.port }, o)),
 * });
 *
 * export default {
 *   fetch(): Promise<Response> {
 *     return new Promise((resolve, reject) => {
 *       request({ host: "origin.example", port: 8080, path: "/", agent }, (res) => {
 *         let text = "";
 *         res.setEncoding("utf8");
 *         res.on("data", (chunk) => (text += chunk));
 *         res.on("end", () => resolve(new Response(text, { status: res.statusCode })));
 *       }).on("error", reject).end();
 *     });
 *   },
 * };
 * ```
 *
 * @module
 */

import { setTransportProvider } from "../io/default_transport.ts";
import type { Transport } from "../io/transport.ts";
import { type HttpClientModule, httpClientModule } from "../client/http_module.ts";

/**
 * Sets the transport that requests use when their Agent names none (and the global agent's). On the
 * edge there is no runtime default: call this once at module scope. It also beats the runtime's transport
 * where there is one (a Deno or Bun program that imports this entry as well as `@wire/http`).
 *
 * @example
 * ```ts
 * import { fromWebStreams, setDefaultTransport, webStreamsTransport } from "./mod.ts";
 * // A loopback pair stands in for `connect()` from `cloudflare:sockets`.
 * setDefaultTransport(webStreamsTransport(() => new TransformStream<Uint8Array, Uint8Array>()));
 * console.log(typeof fromWebStreams); // "function"
 * ```
 */
export function setDefaultTransport(transport: Transport): void {
  setTransportProvider(() => transport);
}

// The names of `@wire/http` but its server, fetch bridge and maxHeaderSize (one list: src/shared_api.ts).
export * from "../shared_api.ts";

/**
 * `http` as Node's module object, client side (no server on the edge): `import http from
 * "@wire/http/edge"` for code written against Node's default import; `http.globalAgent` is settable.
 *
 * @example
 * ```ts ignore
 * import http from "@wire/http/edge";
 * http.get({ host: "origin.example", path: "/" }, (res) => res.resume());
 * ```
 */
const http: HttpClientModule = httpClientModule();
export default http;
