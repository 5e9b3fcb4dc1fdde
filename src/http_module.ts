/**
 * Node's `http` module object, the main entry's default export: `import http from "@wire/http"` gives
 * what `import http from "node:http"` gives, so code written against the default import runs unchanged.
 *
 * @module
 */

import { type HttpClientModule, httpClientModule } from "./client/http_module.ts";
import { createServer, Server } from "./server/server.ts";
import { ServerResponse } from "./server/server_response.ts";
import { MAX_HEADER_SIZE } from "./core/limits.ts";

/** Node's `http` module object: the client's members, the server's, and `maxHeaderSize`. */
export interface HttpModule extends HttpClientModule {
  /** {@linkcode Server}. */
  Server: typeof Server;
  /** {@linkcode ServerResponse}. */
  ServerResponse: typeof ServerResponse;
  /** {@linkcode createServer}. */
  createServer: typeof createServer;
  /** The default limit on a message head, in bytes (16 KiB, as Node's). */
  maxHeaderSize: number;
}

/**
 * `http` as Node's module object. `http.globalAgent = agent` replaces the agent of requests that name
 * none, as in Node.
 *
 * @example
 * ```ts ignore
 * import http from "@wire/http";
 * http.createServer((req, res) => res.end("hi\n")).listen(8080);
 * http.globalAgent = new http.Agent({ keepAlive: true, maxSockets: 8 });
 * ```
 */
export const http: HttpModule = Object.assign(httpClientModule(), {
  Server,
  ServerResponse,
  createServer,
  maxHeaderSize: MAX_HEADER_SIZE,
});
