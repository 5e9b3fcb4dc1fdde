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
import type { TlsConnectOptions } from "../io/transport.ts";
import { request as httpRequest, type ResponseCallback } from "../client/request.ts";

/** The TLS options an {@linkcode Agent} applies to every request it carries. */
const AGENT_TLS_KEYS = [
  "ca",
  "cert",
  "key",
  "passphrase",
  "servername",
  "rejectUnauthorized",
  "checkServerIdentity",
  "minVersion",
  "maxVersion",
  "ALPNProtocols",
] as const;

/**
 * Node's `https.Agent`: pools keyed by host, port and the TLS options (Node's `getName` format), so
 * connections with different certificates or CAs are never shared. Keep-alive reuse works as over HTTP.
 * TLS options given to the agent (`ca`, `cert`, `key`, `rejectUnauthorized`, ...) apply to every request
 * it carries and win over the request's own, as in Node (whose `addRequest` merges them that way).
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

  /** Creates an agent; `options` may carry TLS options for all its requests. */
  constructor(options: AgentOptions & TlsConnectOptions = {}) {
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

/** The agent's TLS options laid over a request's: the agent's win, as Node's `addRequest` merges them. */
function withAgentTls(agent: Agent, options: RequestOptions): RequestOptions {
  const own = agent.options as Record<string, unknown>;
  let merged: Record<string, unknown> | undefined;
  for (const key of AGENT_TLS_KEYS) {
    if (own[key] !== undefined) (merged ??= { ...options })[key] = own[key];
  }
  return (merged ?? options) as RequestOptions;
}

function httpsDefaults(options: RequestOptions): RequestOptions {
  if (options.protocol !== undefined && options.protocol !== "https:") {
    throw new HttpUsageError(
      "ERR_INVALID_PROTOCOL",
      `Protocol "${options.protocol}" not supported. Expected "https:"`,
    );
  }
  const merged: RequestOptions = { agent: globalAgent, defaultPort: 443, ...options, protocol: "https:" };
  return merged.agent instanceof Agent ? withAgentTls(merged.agent, merged) : merged;
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
