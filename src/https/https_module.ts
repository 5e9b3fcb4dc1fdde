/**
 * Node's `https` module object, the https entry's default export: `import https from
 * "@wire/http/https"` gives what `import https from "node:https"` gives.
 *
 * @module
 */

import { Agent, get, globalAgent, request, setHttpsGlobalAgent } from "./client.ts";
import { createServer, Server } from "./server.ts";

/** Node's `https` module object. `globalAgent` is settable, as Node's. */
export interface HttpsModule {
  /** {@linkcode Agent}. */
  Agent: typeof Agent;
  /** {@linkcode Server}. */
  Server: typeof Server;
  /** {@linkcode createServer}. */
  createServer: typeof createServer;
  /** {@linkcode request}. */
  request: typeof request;
  /** {@linkcode get}. */
  get: typeof get;
  /** The agent https requests use when they name none. */
  globalAgent: Agent;
}

/**
 * `https` as Node's module object; `https.globalAgent = agent` replaces the default agent, as in Node.
 *
 * @example
 * ```ts ignore
 * import https from "@wire/http/https";
 * https.get("https://example.com/", (res) => res.resume());
 * ```
 */
export const https: HttpsModule = {
  Agent,
  Server,
  createServer,
  request,
  get,
  get globalAgent(): Agent {
    return globalAgent;
  },
  set globalAgent(agent: Agent) {
    setHttpsGlobalAgent(agent);
  },
};
