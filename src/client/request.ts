/**
 * `request()` and `get()`: Node's entry points for HTTP clients.
 *
 * @module
 */

import { ClientConnection, type ConnectionOwner } from "./_connection.ts";
import { kAddRequest, kAssignConnection, kConnectFailed, kReleased, kRemoved } from "./_hooks.ts";
import { openConnection } from "./_open_connection.ts";
import { Agent, globalAgent } from "./agent.ts";
import { ClientRequest, type RequestOptions } from "./client_request.ts";
import type { IncomingMessage } from "../io/incoming_message.ts";
import { HttpUsageError } from "../core/errors.ts";

/** Called with the response. */
export type ResponseCallback = (res: IncomingMessage) => void;

/** One-off connections (`agent: false`): used once, then closed. */
const oneOff: ConnectionOwner = {
  [kReleased](conn) {
    conn.socket.destroy();
  },
  [kRemoved]() {},
};

/**
 * Starts a request. Forms: `request(url, [options], [callback])` and `request(options, [callback])`,
 * where `url` is a string or `URL`. Call `end()` on the result to send it.
 *
 * @example
 * ```ts ignore
 * import { request } from "@wire/http";
 * const req = request("http://127.0.0.1:8080/items", { method: "POST" }, (res) => res.resume());
 * req.setHeader("Content-Type", "application/json");
 * req.end(JSON.stringify({ name: "x" }));
 * ```
 */
export function request(
  url: string | URL | RequestOptions,
  options?: RequestOptions | ResponseCallback,
  callback?: ResponseCallback,
): ClientRequest {
  let merged: RequestOptions;
  if (typeof url === "string" || url instanceof URL) {
    const parsed = urlToOptions(typeof url === "string" ? new URL(url) : url);
    if (typeof options === "function") {
      callback = options;
      options = undefined;
    }
    merged = { ...parsed, ...(options ?? {}) };
  } else {
    if (typeof options === "function") callback = options;
    merged = { ...url };
  }
  const agent = merged.agent === false ? undefined : (merged.agent ?? globalAgent);
  if (agent !== undefined && !(agent instanceof Agent)) {
    throw new HttpUsageError(
      "ERR_INVALID_ARG_TYPE",
      'The "options.agent" property must be an Agent or false',
    );
  }
  const req = new ClientRequest(merged, agent);
  if (callback) req.once("response", callback);
  // Connecting waits a microtask so the caller can add listeners and headers first, as in Node.
  queueMicrotask(() => {
    if (req.destroyed) return;
    if (agent && !merged.createConnection) agent[kAddRequest](req);
    else {
      openConnection(merged, agent?.options.transport).then(
        (socket) => req[kAssignConnection](new ClientConnection(socket, oneOff)),
        (err: Error) => req[kConnectFailed](err),
      );
    }
  });
  return req;
}

/**
 * Like {@linkcode request} with method GET, and `end()` already called.
 *
 * @example
 * ```ts ignore
 * import { get } from "@wire/http";
 * get("http://127.0.0.1:8080/", (res) => {
 *   res.setEncoding("utf8");
 *   res.on("data", (text) => console.log(text));
 * });
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

function urlToOptions(url: URL): RequestOptions {
  // Node makes callers pick http or https; both entries here take both schemes.
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new HttpUsageError(
      "ERR_INVALID_PROTOCOL",
      `Protocol "${url.protocol}" not supported. Expected "http:" or "https:"`,
    );
  }
  const options: RequestOptions = {
    protocol: url.protocol,
    hostname: url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname,
    path: `${url.pathname || "/"}${url.search}`,
  };
  if (url.port !== "") options.port = Number(url.port);
  if (url.username || url.password) {
    options.auth = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  }
  return options;
}
