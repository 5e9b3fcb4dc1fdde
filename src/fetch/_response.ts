/**
 * Writes a Fetch `Response` with Node's `ServerResponse` API: head, body with backpressure, trailers;
 * and the answers for a handler that failed.
 *
 * @module
 */

import { hasToken } from "../core/connection_tokens.ts";
import { responseHasBody } from "../core/framing.ts";
import type { IncomingMessage } from "../io/incoming_message.ts";
import type { ServerResponse } from "../server/server_response.ts";
import type { FetchBridgeOptions, ResponseTrailers } from "./types.ts";

const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "upgrade", "proxy-connection"]);

export async function errorResponse(error: unknown, options: FetchBridgeOptions): Promise<Response> {
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

export function writePlain500(res: ServerResponse): void {
  res.writeHead(500, { "Content-Length": 0, Connection: "close" });
  res.end();
}

/** Writes `response` on `res`: head, body with backpressure, trailers. */
export async function writeResponse(
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
      if (name === "connection" && hasToken(value, "close")) res.shouldKeepAlive = false;
      continue;
    }
    res.setHeader(name, value);
  }
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) res.setHeader("set-cookie", cookies);

  const trailers = (response as Response & ResponseTrailers).trailers;
  // Core's rule, the one the response's head writer drops such a body by: no body for a HEAD, 1xx, 204, 304.
  const noBody = !responseHasBody(status, req.method ?? "GET");
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
