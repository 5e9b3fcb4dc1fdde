/**
 * The public types of the fetch bridge: the handler, its info, the options, and the trailers convention.
 *
 * @module
 */

import type { ServerOptions } from "../server/server.ts";

/** The network address of the client, shaped like `Deno.NetAddr`. */
export interface FetchRemoteAddr {
  /** Always `"tcp"` (for a unix socket, `hostname` is the socket path and `port` 0). */
  transport: "tcp";
  /** The client's IP address. */
  hostname: string;
  /** The client's port. */
  port: number;
}

/**
 * The second argument of a {@linkcode FetchHandler}: what `Deno.serve` passes (`remoteAddr`, `completed`),
 * plus Bun's `server.requestIP(request)`.
 */
export interface FetchHandlerInfo {
  /** The client's address. */
  remoteAddr: FetchRemoteAddr;
  /**
   * Resolves once the whole response was handed to the connection; rejects if the client went away
   * first. (A rejection nobody listens to is not reported.)
   */
  completed: Promise<void>;
  /** Bun's `server.requestIP()`: the client's address, whatever request is passed. */
  requestIP(request?: Request): { address: string; family: string; port: number };
}

/**
 * A fetch-style request handler, as written for `Deno.serve` or as the `fetch` method of a `Bun.serve`
 * (or `export default { fetch }`) app.
 *
 * @example
 * ```ts
 * import type { FetchHandler } from "@wire/http/fetch";
 * const handler: FetchHandler = (request, info) =>
 *   new Response(`${request.method} ${new URL(request.url).pathname} from ${info.remoteAddr.hostname}\n`);
 * ```
 */
export type FetchHandler = (request: Request, info: FetchHandlerInfo) => Response | Promise<Response>;

/**
 * A handler in object form: `{ fetch(request, info) { ... } }`, the shape of `Bun.serve` options and of
 * `export default` apps for `deno serve`.
 */
export interface FetchApp {
  /** Called for each request. */
  fetch: FetchHandler;
}

/**
 * The trailer convention. A `Response` is not able to carry trailers by the Web standard; to send some,
 * give the `Response` a `trailers` property holding a promise of the trailer fields. The bridge sends the
 * body chunked, then awaits the promise and sends its fields after the last chunk (so they may depend on
 * the body, e.g. a digest computed while streaming).
 *
 * Declare the names in a `Trailer` field of the response, as RFC 9110 asks: the head goes out before the
 * trailers are known, so the bridge can declare them itself only when the promise has already resolved
 * at that point. Trailers are dropped for HTTP/1.0 clients (no chunked coding), for `HEAD` requests and
 * for responses without a body (1xx, 204, 304). A rejected promise destroys the connection, as a failed
 * body does, so the client sees an incomplete message rather than one missing its trailers.
 *
 * @example
 * ```ts
 * import type { ResponseTrailers } from "@wire/http/fetch";
 * // Count the bytes as they stream through, and send the count as a trailer once the body is done.
 * let size = 0;
 * let sendTrailers!: (fields: HeadersInit) => void;
 * const trailers = new Promise<HeadersInit>((resolve) => (sendTrailers = resolve));
 * const counter = new TransformStream<Uint8Array, Uint8Array>({
 *   transform(chunk, controller) {
 *     size += chunk.byteLength;
 *     controller.enqueue(chunk);
 *   },
 *   flush: () => sendTrailers({ "X-Body-Size": String(size) }),
 * });
 * const source = new Response("hello").body!;
 * const response: Response & ResponseTrailers = new Response(source.pipeThrough(counter), {
 *   headers: { Trailer: "X-Body-Size" },
 * });
 * response.trailers = trailers;
 * ```
 */
export interface ResponseTrailers {
  /** Trailer fields, sent after the body once the promise resolves. */
  trailers?: Promise<HeadersInit>;
}

/** Options of {@linkcode toRequestListener}. */
export interface FetchBridgeOptions {
  /**
   * Host (with optional `:port`) for the request URL when a request has no `Host` field (HTTP/1.0).
   * Default: the local address and port of the connection.
   */
  hostname?: string;
  /**
   * Turns an error thrown by the handler (or a value that is not a `Response`) into a response, as
   * `Deno.serve`'s `onError` does. Default: log the error and answer `500 Internal Server Error`. If this
   * throws too, the answer is a bare 500.
   */
  onError?: (error: unknown) => Response | Promise<Response>;
}

/** Options of {@linkcode serveFetch}: the server's options, where to listen, and the bridge's options. */
export interface ServeFetchOptions extends ServerOptions {
  /** Port to listen on (default 8000, as `Deno.serve`; 0 picks a free one). */
  port?: number;
  /** Address to bind (default `"0.0.0.0"`). */
  hostname?: string;
  /** Called once listening, with the bound address. Default: logs `Listening on http://host:port/`. */
  onListen?: (addr: FetchRemoteAddr) => void;
  /** Aborting it closes the server (gracefully: responses in flight finish). */
  signal?: AbortSignal;
  /** See {@linkcode FetchBridgeOptions.onError}. */
  onError?: (error: unknown) => Response | Promise<Response>;
}
