/**
 * `@wire/http/https`: Node's `https` module — `createServer`, `Server`, and (for `https:` URLs)
 * `request`, `get`, `Agent`, `globalAgent` — over the same server and client as `@wire/http`, with TLS
 * done by each runtime's transport.
 *
 * ```ts ignore
 * import { createServer } from "@wire/http/https";
 * createServer({ key, cert }, (req, res) => res.end("hello over TLS\n")).listen(8443);
 * ```
 *
 * @module
 */

import { setTransportProvider } from "../io/default_transport.ts";
import { defaultTransport } from "../transports/pick.ts";

setTransportProvider(defaultTransport);

export { createServer, Server, type ServerOptions, type TlsClientInfo } from "./server.ts";
export type {
  CipherInfo,
  PeerCertificate,
  TlsCommonOptions,
  TlsConnectOptions,
  TlsMaterial,
  TlsServerOptions,
} from "../io/transport.ts";
