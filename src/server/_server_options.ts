/**
 * What the options of a server and of `server.listen()` mean: their types, Node's checks (which throw
 * before anything is set up) and Node's defaults. Kept apart from the `Server` class so the class holds
 * behaviour and this file holds the one place each option is read.
 *
 * @module
 */

import type { IncomingMessage } from "../io/incoming_message.ts";
import type { ListenTarget, Transport } from "../io/transport.ts";
import { invalidArgType, outOfRange } from "../io/_node_errors.ts";
import type { ServerResponse } from "./server_response.ts";
import type { ServerTimeouts } from "./_timeouts.ts";

/** Options of {@linkcode createServer}, with Node's defaults. */
export interface ServerOptions {
  /** Largest request head in bytes (default 16 KiB); larger heads get 431. */
  maxHeaderSize?: number;
  /** Milliseconds to receive a whole request head (default 60 000); then 408 and close. */
  headersTimeout?: number;
  /** Milliseconds to receive a whole request, body included (default 300 000); then 408 and close. */
  requestTimeout?: number;
  /** Milliseconds an idle keep-alive connection stays open (default 5 000). */
  keepAliveTimeout?: number;
  /** Requests served per connection before it closes (default 0: no limit). */
  maxRequestsPerSocket?: number;
  /** Reject HTTP/1.1 requests without exactly one valid `Host` field with 400 (default true). */
  requireHostHeader?: boolean;
  /**
   * Accept some malformed input (bare LF line endings, obs-fold, control characters in values). Never
   * relaxes Content-Length/Transfer-Encoding rules. Default false.
   */
  insecureHTTPParser?: boolean;
  /** How often (ms) the timeouts are checked. Default: a quarter of the shortest timeout, 50–1 000 ms. */
  connectionsCheckingInterval?: number;
  /** Disable Nagle's algorithm on accepted sockets (default true, as Node). */
  noDelay?: boolean;
  /**
   * The queue sizes of accepted sockets (`readableHighWaterMark` and `writableHighWaterMark`), which
   * requests and responses take too (default 16 KiB each, Node 20's).
   */
  highWaterMark?: number;
  /** Enable TCP keep-alive probes on accepted sockets (default false, as Node). */
  keepAlive?: boolean;
  /** Initial delay (ms) of those probes (default 0). */
  keepAliveInitialDelay?: number;
  /**
   * A request listener's rejected promise answers 500 (or destroys a response already started), as
   * Node's `captureRejections`; default `EventEmitter.captureRejections` (false: the rejection is the
   * process's unhandled rejection).
   */
  captureRejections?: boolean;
  /** Throw `ERR_HTTP_BODY_NOT_ALLOWED` when a handler writes a body a HEAD/204/304 response cannot carry. */
  rejectNonStandardBodyWrites?: boolean;
  /** Join every repeated request field with `", "` in `req.headers` (default false, as Node). */
  joinDuplicateHeaders?: boolean;
  /**
   * Response fields sent on one line even when set to a list: the values are joined with `"; "` (names
   * matched case-insensitively), as Node's. `Cookie` always is.
   */
  uniqueHeaders?: readonly string[];
  /** Node's: a custom `IncomingMessage` subclass for requests. */
  IncomingMessage?: typeof IncomingMessage;
  /** Node's: a custom `ServerResponse` subclass for responses. */
  ServerResponse?: typeof ServerResponse;
  /** The socket layer; defaults to the running runtime's. */
  transport?: Transport;
}

/** Options of `server.listen(options)`. */
export interface ListenOptions {
  /** TCP port (0 or omitted: an ephemeral port). */
  port?: number;
  /** Address to bind (default `0.0.0.0`, all IPv4 addresses, as the seed says). */
  host?: string;
  /** A unix socket path instead of a port. */
  path?: string;
  /** Let several processes bind the same port (Linux `SO_REUSEPORT`). */
  reusePort?: boolean;
  /** Accepted for Node compatibility; the runtimes pick their own backlog. */
  backlog?: number;
}

/**
 * `options` as the constructor takes it (null or omitted: none), checked as Node checks it: an object,
 * and the sizes and timeouts non-negative numbers. Throws `ERR_INVALID_ARG_TYPE`/`ERR_OUT_OF_RANGE`.
 *
 * @example
 * ```ts ignore
 * const options = checkedServerOptions(null); // {}
 * checkedServerOptions({ headersTimeout: -1 }); // throws ERR_OUT_OF_RANGE
 * ```
 */
export function checkedServerOptions(options: unknown): ServerOptions {
  if (options === null || options === undefined) return {};
  if (typeof options !== "object" || Array.isArray(options)) {
    throw invalidArgType("options", "object", options);
  }
  const checked = options as ServerOptions;
  for (const name of ["headersTimeout", "requestTimeout", "keepAliveTimeout", "maxHeaderSize"] as const) {
    const value = checked[name];
    if (value !== undefined && (typeof value !== "number" || !(value >= 0))) {
      throw typeof value !== "number"
        ? invalidArgType(`options.${name}`, "number", value)
        : outOfRange(`options.${name}`, ">= 0", value);
    }
  }
  // Node checks only the type here (the stream takes the number).
  if (checked.highWaterMark !== undefined && typeof checked.highWaterMark !== "number") {
    throw invalidArgType("options.highWaterMark", "number", checked.highWaterMark);
  }
  return checked;
}

/**
 * The timeouts `options` sets, with Node's defaults; throws `ERR_OUT_OF_RANGE` when the head's budget is
 * longer than the whole request's.
 *
 * @example
 * ```ts ignore
 * serverTimeouts({ requestTimeout: 30_000 });
 * // { requestTimeout: 30000, headersTimeout: 30000, keepAliveTimeout: 5000 }
 * ```
 */
export function serverTimeouts(options: ServerOptions): ServerTimeouts {
  const requestTimeout = options.requestTimeout ?? 300_000;
  // As Node: the head's budget defaults to 60 s, or less when the whole request has less.
  const headersTimeout = options.headersTimeout ??
    (requestTimeout > 0 ? Math.min(60_000, requestTimeout) : 60_000);
  if (requestTimeout > 0 && headersTimeout > 0 && headersTimeout > requestTimeout) {
    throw outOfRange("headersTimeout", "<= requestTimeout", headersTimeout);
  }
  return { requestTimeout, headersTimeout, keepAliveTimeout: options.keepAliveTimeout ?? 5_000 };
}

/**
 * Where `server.listen(...args)` binds, from Node's forms (callback already taken off):
 * `(port, [hostname], [backlog])`, `(path)`, `(options)`, `()`. Throws `ERR_SOCKET_BAD_PORT`.
 *
 * @example
 * ```ts ignore
 * listenTarget([8080, "127.0.0.1"]); // { port: 8080, hostname: "127.0.0.1" }
 * listenTarget(["/tmp/app.sock"]); // { path: "/tmp/app.sock" }
 * ```
 */
export function listenTarget(args: unknown[]): ListenTarget {
  const [first, second] = args;
  if (typeof first === "object" && first !== null) {
    const o = first as ListenOptions;
    if (o.path !== undefined) return { path: o.path };
    return {
      port: validPort(o.port ?? 0),
      hostname: o.host ?? "0.0.0.0",
      ...(o.reusePort !== undefined ? { reusePort: o.reusePort } : {}),
    };
  }
  if (typeof first === "string" && !/^\d+$/.test(first)) return { path: first };
  const port = first === undefined || first === null ? 0 : validPort(Number(first));
  return { port, hostname: typeof second === "string" ? second : "0.0.0.0" };
}

function validPort(port: number): number {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw Object.assign(new RangeError(`options.port should be >= 0 and < 65536. Received ${port}.`), {
      code: "ERR_SOCKET_BAD_PORT",
    });
  }
  return port;
}
