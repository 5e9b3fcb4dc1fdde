/**
 * How a request gets going, as Node's `ClientRequest` constructor does it: the arguments
 * (`url`, `options`, `callback` in Node's forms), the agent (`false`, none, or anything with
 * `addRequest`), and the socket (the agent's, `createConnection`'s, or a one-off connection).
 *
 * @module
 */

import { connectingSocket } from "./_open_connection.ts";
import {
  type AgentLike,
  type AgentRequest,
  type AgentRequestOptions,
  type AgentSocket,
  globalAgent,
} from "./agent.ts";
import type { RequestOptions } from "./request_options.ts";
import type { IncomingMessage } from "../io/incoming_message.ts";
import { Socket } from "../io/socket.ts";
import type { TransportConn } from "../io/transport.ts";
import { HttpUsageError } from "../core/errors.ts";
import { invalidArgType } from "../io/_node_errors.ts";

/** Called with the response. */
export type ResponseCallback = (res: IncomingMessage) => void;

/**
 * Node's argument forms: `(url, [options], [callback])` and `(options, [callback])`, with `url` a string
 * or `URL` (own properties of the URL object, e.g. `headers`, count as options, as Node's spread does).
 */
export function requestArgs(
  input: string | URL | RequestOptions,
  options?: RequestOptions | ResponseCallback,
  callback?: ResponseCallback,
): { options: RequestOptions; callback: ResponseCallback | undefined } {
  if (typeof input === "string" || input instanceof URL) {
    const parsed = urlToOptions(typeof input === "string" ? parseUrl(input) : input);
    if (typeof options === "function") return { options: parsed, callback: options };
    return { options: { ...parsed, ...(options ?? {}) }, callback };
  }
  if (typeof options === "function") callback = options;
  return { options: { ...input }, callback };
}

/**
 * `new URL(input)`, failing as Node's `http.request(url)` does: a `TypeError` with code
 * `ERR_INVALID_URL` and the `input` (Deno's own URL error has no code).
 *
 * @example
 * ```ts ignore
 * parseUrl("www.example.com"); // throws TypeError [ERR_INVALID_URL]: Invalid URL
 * ```
 */
export function parseUrl(input: string): URL {
  try {
    return new URL(input);
  } catch {
    throw Object.assign(new TypeError("Invalid URL"), { code: "ERR_INVALID_URL", input });
  }
}

/** Node's choice: `false` is a one-off socket; none is the global agent unless `createConnection` is given. */
export function agentOf(options: RequestOptions): AgentLike | undefined {
  let agent: unknown = options.agent;
  if (agent === false) return undefined;
  if (agent === undefined || agent === null) {
    if (options.createConnection) return undefined;
    // Checked as a named one: the module object's setter takes any value, as Node's does.
    agent = globalAgent;
  }
  if (typeof (agent as AgentLike).addRequest !== "function") {
    throw invalidArgType("options.agent", "one of Agent-like Object, undefined, or false", agent);
  }
  return agent as AgentLike;
}

/** What starting needs from the request. */
export interface StartingRequest extends AgentRequest {
  /** The options an agent gets (host and port resolved). */
  agentOptions(): AgentRequestOptions;
}

/** Asks the agent for a socket, or opens one (`createConnection`, else a one-off connection). */
export function startRequest(
  req: StartingRequest,
  options: RequestOptions,
  agent: AgentLike | undefined,
): void {
  // As Node, at once: the socket arrives through req.onSocket(), which waits a tick so the caller can add
  // listeners and headers first.
  if (agent) agent.addRequest(req, req.agentOptions());
  else if (options.createConnection) viaCreateConnection(req, options);
  else {
    // As Node's `onSocket(net.createConnection(options))`: the socket at once, still connecting (its
    // 'connect' follows 'socket'; a failure to open is its 'error'). A microtask first: a request
    // destroyed right away (Node opens and drops a socket) opens none.
    queueMicrotask(() => {
      if (!req.destroyed) req.onSocket(connectingSocket(options, undefined));
    });
  }
}

/**
 * Node's `createConnection(options, oncreate)` without an agent: called at once; the socket is what it
 * returns or what it passes to `oncreate` (a promise of one is accepted too), whichever comes first.
 */
function viaCreateConnection(req: AgentRequest, options: RequestOptions): void {
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
    ...(url as unknown as RequestOptions),
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
