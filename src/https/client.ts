/**
 * Node's `https.request`, `https.get`, `https.Agent` and `https.globalAgent`: the HTTP client with
 * `protocol: "https:"` and port 443 by default. The TLS options (`ca`, `cert`, `key`, `servername`,
 * `rejectUnauthorized`, `checkServerIdentity`, ...) go in the request options, as in Node.
 *
 * @module
 */

import { HttpUsageError } from "../core/errors.ts";
import { Agent as HttpAgent, type AgentOptions } from "../client/agent.ts";
import type { ClientRequest, RequestOptions } from "../client/client_request.ts";
import { request as httpRequest, type ResponseCallback } from "../client/request.ts";

/**
 * Node's `https.Agent`: pools keyed by host, port and the TLS options (Node's `getName` format), so
 * connections with different certificates or CAs are never shared. Keep-alive reuse works as over HTTP.
 *
 * @example
 * ```ts ignore
 * import { Agent, get } from "@wire/http/https";
 * const agent = new Agent({ keepAlive: true });
 * get({ host: "localhost", port: 8443, ca, agent }, (res) => res.resume());
 * ```
 */
export class Agent extends HttpAgent {
  /** Port used when a request names none. */
  readonly defaultPort = 443;
  /** The scheme this agent serves. */
  readonly protocol = "https:";

  /** Creates an agent. */
  constructor(options: AgentOptions = {}) {
    super(options);
  }

  /** The pool key: Node's `https.Agent.getName()` (host, port, then the TLS options). */
  override getName(options: RequestOptions = {}): string {
    return super.getName({ defaultPort: 443, ...options, protocol: "https:" });
  }
}

/**
 * The agent `https.request` uses by default (keep-alive on, as in current Node).
 *
 * @example
 * ```ts
 * import { globalAgent } from "@wire/http/https";
 * console.log(globalAgent.defaultPort); // 443
 * ```
 */
export const globalAgent: Agent = new Agent({ keepAlive: true });

function httpsDefaults(options: RequestOptions): RequestOptions {
  if (options.protocol !== undefined && options.protocol !== "https:") {
    throw new HttpUsageError(
      "ERR_INVALID_PROTOCOL",
      `Protocol "${options.protocol}" not supported. Expected "https:"`,
    );
  }
  return { agent: globalAgent, defaultPort: 443, ...options, protocol: "https:" };
}

/**
 * Node's `https.request(url, [options], [callback])` / `https.request(options, [callback])`.
 *
 * @example
 * ```ts ignore
 * import { request } from "@wire/http/https";
 * const req = request("https://localhost:8443/", { ca, cert, key }, (res) => res.resume());
 * req.end();
 * ```
 */
export function request(
  url: string | URL | RequestOptions,
  options?: RequestOptions | ResponseCallback,
  callback?: ResponseCallback,
): ClientRequest {
  if (typeof url === "string" || url instanceof URL) {
    const parsed = typeof url === "string" ? new URL(url) : url;
    httpsDefaults({ protocol: parsed.protocol });
    if (typeof options === "function") return httpRequest(parsed, httpsDefaults({}), options);
    return httpRequest(parsed, httpsDefaults(options ?? {}), callback);
  }
  return httpRequest(httpsDefaults(url), options as ResponseCallback | undefined);
}

/**
 * Like {@linkcode request} with method GET, and `end()` already called.
 *
 * @example
 * ```ts ignore
 * import { get } from "@wire/http/https";
 * get("https://localhost:8443/", { ca }, (res) => res.pipeTo(Deno.stdout.writable));
 * ```
 */
export function get(
  url: string | URL | RequestOptions,
  options?: RequestOptions | ResponseCallback,
  callback?: ResponseCallback,
): ClientRequest {
  const req = request(url, options, callback);
  req.end();
  return req;
}
