/**
 * `request()` and `get()`: Node's entry points for HTTP clients.
 *
 * @module
 */

import { openConnection } from "./_open_connection.ts";
import { type AgentLike, type AgentSocket, globalAgent } from "./agent.ts";
import { ClientRequest, type RequestOptions } from "./client_request.ts";
import type { IncomingMessage } from "../io/incoming_message.ts";
import { Socket } from "../io/socket.ts";
import type { TransportConn } from "../io/transport.ts";
import { HttpUsageError } from "../core/errors.ts";
import { invalidArgType } from "../io/_node_errors.ts";

/** Called with the response. */
export type ResponseCallback = (res: IncomingMessage) => void;

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
  const agent = agentOf(merged);
  const req = new ClientRequest(merged, agent);
  if (callback) req.once("response", callback);
  // As Node, at once: the agent gives the socket through req.onSocket(), which waits a tick so the caller
  // can add listeners and headers first.
  if (agent) agent.addRequest(req, req.agentOptions());
  else if (merged.createConnection) viaCreateConnection(req, merged);
  else {
    // A microtask first: a request destroyed right away (Node opens and drops a socket) opens none.
    queueMicrotask(() => {
      if (req.destroyed) return;
      openConnection(merged, undefined).then(
        (socket) => req.onSocket(socket),
        (err: Error) => req.onSocket(null, err),
      );
    });
  }
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

/** Node's choice: `false` is a one-off socket; none is the global agent unless `createConnection` is given. */
function agentOf(options: RequestOptions): AgentLike | undefined {
  const agent: unknown = options.agent;
  if (agent === false) return undefined;
  if (agent === undefined || agent === null) return options.createConnection ? undefined : globalAgent;
  if (typeof (agent as AgentLike).addRequest !== "function") {
    throw invalidArgType("options.agent", "one of Agent-like Object, undefined, or false", agent);
  }
  return agent as AgentLike;
}

/**
 * Node's `createConnection(options, oncreate)` without an agent: called at once; the socket is what it
 * returns or what it passes to `oncreate` (a promise of one is accepted too), whichever comes first.
 */
function viaCreateConnection(req: ClientRequest, options: RequestOptions): void {
  let done = false;
  const oncreate = (err: Error | null | undefined, made?: AgentSocket | TransportConn): void => {
    if (done || (!err && !made)) return;
    done = true;
    if (err) req.onSocket(null, err);
    // A transport connection (it has `start` and is no stream) becomes our Socket.
    else if (!(made instanceof Socket) && "start" in made! && !("pipe" in made!)) {
      req.onSocket(new Socket(made as TransportConn));
    } else req.onSocket(made as AgentSocket);
  };
  try {
    const made = options.createConnection!(options, oncreate);
    if (made instanceof Promise) made.then((s) => oncreate(null, s), (e: Error) => oncreate(e));
    else if (made) oncreate(null, made);
  } catch (err) {
    oncreate(err as Error);
  }
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
