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
import type { ServerResponse } from "../server/server_response.ts";
import { createServer, type RequestListener, type Server } from "../server/server.ts";
import { toRequest } from "./_request.ts";
import { answerFailure } from "../server/_failure_answer.ts";
import { errorResponse, writeResponse } from "./_response.ts";
import type {
  FetchApp,
  FetchBridgeOptions,
  FetchHandler,
  FetchHandlerInfo,
  FetchRemoteAddr,
  ServeFetchOptions,
} from "./types.ts";

/**
 * Turns a fetch-style handler into a request listener for {@linkcode createServer} (or
 * `server.on("request")`). The handler may also be an object with a `fetch` method.
 *
 * The `Request` has the method, an absolute `http:` URL built from `Host` (or `options.hostname`) and the
 * request-target (a proxy request's absolute-form `http:`/`https:` target is the URL itself; anything
 * else, or a host that is not `host[:port]`, is answered 400 without calling the handler), every field (repeated ones appended), a streamed body for requests that have one, and
 * a `signal` that aborts if the client disconnects before the response is complete. The `Response` is
 * written with its status, reason, fields (each `Set-Cookie` kept) and its body streamed with
 * backpressure; trailers follow the {@linkcode ResponseTrailers} convention. A failing handler gets a 500
 * (see {@linkcode FetchBridgeOptions.onError}); a body that fails after the head went out destroys the
 * connection.
 *
 * @example
 * ```ts
 * import { createServer } from "@wire/http";
 * import { toRequestListener } from "@wire/http/fetch";
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
 * import { serveFetch } from "@wire/http/fetch";
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

  // The transport's view (on a unix socket the path and port 0, as documented), not Node's getters.
  const peer = req.socket.remote;
  const remoteAddr: FetchRemoteAddr = { transport: "tcp", hostname: peer.address, port: peer.port };
  const info: FetchHandlerInfo = {
    remoteAddr,
    completed,
    requestIP: () => ({ address: peer.address, family: peer.family, port: peer.port }),
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
    console.error("Error while sending a fetch handler's response:", error);
    answerFailure(res);
  }
}
