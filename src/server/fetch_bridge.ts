/**
 * The fetch bridge: serves a fetch-style handler, `(request: Request, info) => Response`, on a
 * {@linkcode Server}, so a handler written for `Deno.serve` or `Bun.serve` runs unchanged.
 *
 * Theory of operation: each `IncomingMessage` becomes a `Request` (absolute URL from `Host`, every field,
 * the body as the request's own pull-based `ReadableStream`, and a `signal` that aborts when the client
 * goes away before the response is done). The handler's `Response` is then written with Node's
 * `ServerResponse` API: status, reason, fields (each `Set-Cookie` on its own line), and the body read
 * chunk by chunk, waiting for `'drain'` whenever the connection is full. A body that is already complete
 * when the head goes out is sent with `Content-Length`; any other body is chunked (or close-delimited
 * for HTTP/1.0 clients).
 *
 * Trailers are not part of the Fetch standard, so the bridge reads them from a convention on the
 * `Response` object: see {@linkcode ResponseTrailers}.
 *
 * @module
 */

import { AbortError } from "../core/errors.ts";
import type { IncomingMessage } from "../io/incoming_message.ts";
import type { ServerResponse } from "./server_response.ts";
import { createServer, type RequestListener, type Server, type ServerOptions } from "./server.ts";

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
 * import type { FetchHandler } from "@wire/http";
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
 * import type { ResponseTrailers } from "@wire/http";
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

const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "upgrade", "proxy-connection"]);
const FORBIDDEN_METHODS = new Set(["CONNECT", "TRACE", "TRACK"]);
/** An authority as a `Host` field may carry it: reg-name or IPv4, or an IPv6 literal, then a port. */
const HOST_SYNTAX = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~!$&'()*+,;=%]*)(?::\d*)?$/;

/**
 * Turns a fetch-style handler into a request listener for {@linkcode createServer} (or
 * `server.on("request")`). The handler may also be an object with a `fetch` method.
 *
 * The `Request` has the method, an absolute `http:` URL built from `Host` (or `options.hostname`) and the
 * request-target, every field (repeated ones appended), a streamed body for requests that have one, and
 * a `signal` that aborts if the client disconnects before the response is complete. The `Response` is
 * written with its status, reason, fields (each `Set-Cookie` kept) and its body streamed with
 * backpressure; trailers follow the {@linkcode ResponseTrailers} convention. A failing handler gets a 500
 * (see {@linkcode FetchBridgeOptions.onError}); a body that fails after the head went out destroys the
 * connection.
 *
 * @example
 * ```ts
 * import { createServer, toRequestListener } from "@wire/http";
 * const server = createServer(toRequestListener(async (request) => {
 *   const name = request.method === "POST" ? await request.text() : "world";
 *   return new Response(`hello, ${name}\n`, { headers: { "Content-Type": "text/plain" } });
 * }));
 * console.log(server.listening); // false: call server.listen(port) to serve
 * ```
 */
export function toRequestListener(
  handler: FetchHandler | FetchApp,
  options: FetchBridgeOptions = {},
): RequestListener {
  const call: FetchHandler = typeof handler === "function"
    ? handler
    : (request, info) => handler.fetch(request, info);
  return (req, res) => serveOne(call, options, req, res);
}

/**
 * Creates a server for a fetch-style handler and starts listening, as `Deno.serve` does. Returns the
 * {@linkcode Server}; close it with `server.close()` (or abort `options.signal`).
 *
 * @example
 * ```ts ignore
 * import { serveFetch } from "@wire/http";
 * serveFetch(
 *   (request) => new Response(`you asked for ${new URL(request.url).pathname}\n`),
 *   { port: 8080, onListen: ({ hostname, port }) => console.log(`http://${hostname}:${port}/`) },
 * );
 * ```
 */
export function serveFetch(handler: FetchHandler | FetchApp, options: ServeFetchOptions = {}): Server {
  const { port = 8000, hostname = "0.0.0.0", onListen, signal, onError, ...serverOptions } = options;
  const server = createServer(serverOptions, toRequestListener(handler, onError ? { onError } : {}));
  if (signal?.aborted) return server;
  server.listen(port, hostname, () => {
    const address = server.address();
    const addr: FetchRemoteAddr = typeof address === "object" && address !== null
      ? { transport: "tcp", hostname: address.address, port: address.port }
      : { transport: "tcp", hostname: String(address), port: 0 };
    if (onListen) onListen(addr);
    else console.log(`Listening on http://${addr.hostname}:${addr.port}/`);
  });
  if (signal) {
    const stop = () => {
      if (server.listening) server.close();
      else server.once("listening", () => server.close());
    };
    signal.addEventListener("abort", stop, { once: true });
    server.once("close", () => signal.removeEventListener("abort", stop));
  }
  return server;
}

// ---- one exchange ----

async function serveOne(
  handler: FetchHandler,
  options: FetchBridgeOptions,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const controller = new AbortController();
  let settleCompleted!: (error?: Error) => void;
  const completed = new Promise<void>((resolve, reject) => {
    settleCompleted = (error) => error ? reject(error) : resolve();
  });
  completed.catch(() => {});
  /** Set once the response is done with, either way; `cancelBody` wakes a pending body read. */
  const state: { closed: boolean; cancelBody: ((reason: Error) => void) | undefined } = {
    closed: false,
    cancelBody: undefined,
  };
  res.once("close", () => {
    state.closed = true;
    if (res.writableFinished) {
      settleCompleted();
      return;
    }
    const reason = new AbortError("The client closed the connection", "ECONNRESET");
    controller.abort(reason);
    state.cancelBody?.(reason);
    settleCompleted(reason);
  });

  const request = toRequest(req, options, controller.signal);
  if (typeof request === "number") {
    req.resume();
    res.writeHead(request, { "Content-Length": 0 });
    res.end();
    return;
  }

  const socket = req.socket;
  const remoteAddr: FetchRemoteAddr = {
    transport: "tcp",
    hostname: socket.remoteAddress,
    port: socket.remotePort,
  };
  const info: FetchHandlerInfo = {
    remoteAddr,
    completed,
    requestIP: () => ({
      address: socket.remoteAddress,
      family: socket.remoteFamily,
      port: socket.remotePort,
    }),
  };

  let response: Response;
  try {
    response = await handler(request, info);
    if (!(response instanceof Response)) {
      throw new TypeError("The handler must return a Response (or a promise of one)");
    }
  } catch (error) {
    // An error caused by the client leaving (its body failed, the signal fired) has nobody to answer.
    if (state.closed) return;
    response = await errorResponse(error, options);
  }
  if (state.closed) {
    await response.body?.cancel().catch(() => {});
    return;
  }
  try {
    await writeResponse(req, res, response, state);
  } catch (error) {
    if (state.closed) return;
    if (!res.headersSent) {
      writePlain500(res);
      console.error("Error while sending a fetch handler's response:", error);
    } else res.destroy(error instanceof Error ? error : new Error(String(error)));
  }
}

/** Builds the `Request`; a number is the status to answer with instead (bad host, forbidden method). */
function toRequest(req: IncomingMessage, options: FetchBridgeOptions, signal: AbortSignal): Request | number {
  const method = req.method ?? "GET";
  if (FORBIDDEN_METHODS.has(method.toUpperCase())) return 405;
  const target = req.url ?? "/";
  let url: string;
  if (/^https?:\/\//i.test(target)) url = target;
  else {
    const socket = req.socket;
    const local = socket.localAddress.includes(":") ? `[${socket.localAddress}]` : socket.localAddress;
    const host = firstValue(req.headers.host) || options.hostname || `${local}:${socket.localPort}`;
    if (!HOST_SYNTAX.test(host)) return 400;
    url = "http://" + host + (target === "*" ? "/*" : target);
  }
  const headers = new Headers();
  const raw = req.rawHeaders;
  try {
    for (let i = 0; i < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
  } catch {
    return 400;
  }
  const init: RequestInit & { duplex?: "half" } = { method, headers, signal };
  const hasBody = req.headers["transfer-encoding"] !== undefined ||
    (req.headers["content-length"] !== undefined && req.headers["content-length"] !== "0");
  if (hasBody && method !== "GET" && method !== "HEAD") {
    init.body = req.body;
    init.duplex = "half";
  }
  try {
    return new Request(url, init);
  } catch {
    return 400;
  }
}

async function errorResponse(error: unknown, options: FetchBridgeOptions): Promise<Response> {
  if (options.onError) {
    try {
      const response = await options.onError(error);
      if (response instanceof Response) return response;
    } catch (second) {
      console.error("onError failed:", second);
    }
    return new Response(null, { status: 500 });
  }
  console.error("Error in a fetch handler:", error);
  return new Response("Internal Server Error", {
    status: 500,
    headers: { "Content-Type": "text/plain; charset=utf-8" },
  });
}

function writePlain500(res: ServerResponse): void {
  res.writeHead(500, { "Content-Length": 0, Connection: "close" });
  res.end();
}

/** Writes `response` on `res`: head, body with backpressure, trailers. */
async function writeResponse(
  req: IncomingMessage,
  res: ServerResponse,
  response: Response,
  state: { closed: boolean; cancelBody: ((reason: Error) => void) | undefined },
): Promise<void> {
  const status = response.status;
  res.statusCode = status;
  if (response.statusText) res.statusMessage = response.statusText;
  for (const [name, value] of response.headers) {
    if (name === "set-cookie") continue;
    if (HOP_BY_HOP.has(name)) {
      if (name === "connection" && /(?:^|,)\s*close\s*(?:,|$)/i.test(value)) res.shouldKeepAlive = false;
      continue;
    }
    res.setHeader(name, value);
  }
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) res.setHeader("set-cookie", cookies);

  const trailers = (response as Response & ResponseTrailers).trailers;
  const noBody = req.method === "HEAD" || status === 204 || status === 304 || status < 200;
  if (noBody || !response.body) {
    if (trailers) trailers.catch(() => {});
    response.body?.cancel().catch(() => {});
    // A body-less response with trailers still needs chunked coding to carry them.
    if (trailers && !noBody && req.httpVersionMinor >= 1) {
      res.setHeader("Transfer-Encoding", "chunked");
      await sendTrailersAtEnd(res, trailers, null);
      return;
    }
    res.end();
    return;
  }

  // Trailers need chunked coding; an HTTP/1.0 client gets none.
  let pendingTrailers: Promise<HeadersInit> | undefined;
  let resolvedTrailers: HeadersInit | undefined;
  if (trailers && req.httpVersionMinor >= 1) {
    pendingTrailers = trailers;
    trailers.then((fields) => (resolvedTrailers = fields), () => {});
    res.setHeader("Transfer-Encoding", "chunked");
  } else if (trailers) trailers.catch(() => {});

  const reader = response.body.getReader();
  state.cancelBody = (reason) => {
    reader.cancel(reason).catch(() => {});
  };
  try {
    let next: ReadableStreamReadResult<Uint8Array> = await reader.read();
    if (next.done) {
      if (pendingTrailers) await sendTrailersAtEnd(res, pendingTrailers, null);
      else res.end();
      return;
    }
    // Is the whole body already there? Then it goes out in one write with a Content-Length.
    let pending: Promise<ReadableStreamReadResult<Uint8Array>> | undefined = reader.read();
    // Awaited below unless the client leaves first; a failure then must not surface as unhandled.
    pending.catch(() => {});
    const early = await settledBeforeNextTask(pending);
    if (early?.done) {
      if (pendingTrailers) {
        declareTrailers(res, resolvedTrailers);
        await sendTrailersAtEnd(res, pendingTrailers, next.value);
      } else if (!state.closed) res.end(next.value);
      return;
    }
    if (pendingTrailers) declareTrailers(res, resolvedTrailers);
    while (!state.closed) {
      if (!res.write(next.value)) await drained(res, state);
      if (state.closed) break;
      next = pending ? await pending : await reader.read();
      pending = undefined;
      if (next.done) {
        if (state.closed) break;
        if (pendingTrailers) await sendTrailersAtEnd(res, pendingTrailers, null);
        else res.end();
        return;
      }
    }
    await reader.cancel().catch(() => {});
  } finally {
    state.cancelBody = undefined;
    reader.releaseLock();
  }
}

/** Adds a `Trailer` field naming `fields`, unless the response declared its own. */
function declareTrailers(res: ServerResponse, fields: HeadersInit | undefined): void {
  if (fields === undefined || res.hasHeader("trailer")) return;
  const names = [...new Set([...new Headers(fields).keys()])];
  if (names.length > 0) res.setHeader("Trailer", names.join(", "));
}

async function sendTrailersAtEnd(
  res: ServerResponse,
  trailers: Promise<HeadersInit>,
  lastChunk: Uint8Array | null,
): Promise<void> {
  if (lastChunk) {
    // The head has to go before the trailers are awaited, or a slow promise would hold the body back.
    res.write(lastChunk);
  }
  const fields = await trailers;
  if (res.destroyed) return;
  if (!res.headersSent) declareTrailers(res, fields);
  res.addTrailers([...new Headers(fields)]);
  res.end();
}

/** Resolves once `res` can take more, or once it closed (a dead connection never drains). */
function drained(res: ServerResponse, state: { closed: boolean }): Promise<void> {
  if (state.closed) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

/** The value of `promise` if it settles before the next macrotask; `undefined` otherwise. */
async function settledBeforeNextTask<T>(promise: Promise<T>): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const later = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), 0)));
  try {
    return await Promise.race([promise, later]);
  } finally {
    clearTimeout(timer);
  }
}

function firstValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
