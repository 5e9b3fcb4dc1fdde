/**
 * `@wire/http/https`: Node's `https` module — `createServer`, `Server`, `request`, `get`, `Agent`,
 * `globalAgent` — over the same server and client as `@wire/http`, with TLS done by each runtime's
 * transport, plus `startTls` for HTTPS through a CONNECT tunnel. Everything else `@wire/http` exports is
 * re-exported unchanged (its `Server` and `Agent` as `HttpServer` and `HttpAgent`).
 *
 * ```ts ignore
 * import { createServer } from "@wire/http/https";
 * createServer({ key, cert }, (req, res) => res.end("hello over TLS\n")).listen(8443);
 * ```
 *
 * @module
 */

import { useRuntimeTransport } from "../transports/pick.ts";

// The TLS transports wrap the runtime's, wired here for this entry itself (see src/transports/pick.ts).
useRuntimeTransport();

// Every name of `@wire/http`; the ones below replace its server and client with their TLS versions.
export * from "../../mod.ts";
export { Agent as HttpAgent } from "../client/agent.ts";
export { Server as HttpServer, type ServerOptions as HttpServerOptions } from "../server/server.ts";
export type { RequestTlsOptions } from "../client/tls_options.ts";

export {
  Agent,
  get,
  globalAgent,
  HttpsAgentClass,
  type HttpsAgentConstructor,
  type HttpsAgentOptions,
  request,
} from "./client.ts";
export {
  createServer,
  HttpsServerClass,
  type HttpsServerConstructor,
  Server,
  type ServerOptions,
  type TlsClientInfo,
} from "./server.ts";
export { startTls } from "./start_tls.ts";
export { https as default, type HttpsModule } from "./https_module.ts";
