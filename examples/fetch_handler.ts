/**
 * A handler written exactly as for `Deno.serve` / `Bun.serve` / `deno serve` — an object with a
 * `fetch(request)` method returning a `Response` — served on `@wire/http` with `serveFetch`, unchanged.
 *
 *   deno run -A examples/fetch_handler.ts      (or: bun examples/fetch_handler.ts)
 *
 * then:
 *
 *   curl http://127.0.0.1:8000/                          a greeting
 *   curl -N http://127.0.0.1:8000/countdown?from=5       a body streamed line by line
 *   curl -T- http://127.0.0.1:8000/shout                 your input streamed back upper-cased
 *   curl --raw http://127.0.0.1:8000/count -d hello      the byte count, as a trailer
 *
 * @module
 */
import { type FetchHandlerInfo, type ResponseTrailers, serveFetch } from "../src/fetch/mod.ts";

const encoder = new TextEncoder();

/** A body that yields `from`, `from - 1`, ... `0`, one line every `delayMs`, and stops if cancelled. */
function countdown(from: number, delayMs: number): ReadableStream<Uint8Array> {
  let n = from;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let wake: (() => void) | undefined;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (n < from) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          timer = setTimeout(resolve, delayMs);
        });
      }
      controller.enqueue(encoder.encode(n === 0 ? "liftoff!\n" : `${n}\n`));
      if (n-- === 0) controller.close();
    },
    cancel() {
      // The client left (curl ^C): stop the clock.
      clearTimeout(timer);
      wake?.();
    },
  }, { highWaterMark: 0 });
}

/** The app, in the `export default { fetch }` shape that `deno serve` and Bun understand. */
const app = {
  fetch(request: Request, info?: FetchHandlerInfo): Response {
    const url = new URL(request.url);
    switch (url.pathname) {
      case "/":
        return new Response(`hello ${info?.remoteAddr.hostname ?? "there"}, you asked for ${url.href}\n`, {
          headers: { "Content-Type": "text/plain; charset=utf-8" },
        });
      case "/countdown": {
        const from = Math.min(Math.max(Number(url.searchParams.get("from") ?? 3) || 0, 0), 100);
        const delay = Math.min(Math.max(Number(url.searchParams.get("delay") ?? 300) || 0, 0), 5_000);
        return new Response(countdown(from, delay), {
          headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" },
        });
      }
      case "/shout": {
        // Streams both ways: each chunk of the upload goes back up-cased as soon as it arrives.
        if (!request.body) return new Response("send a body\n", { status: 400 });
        const upper = new TransformStream<string, string>({
          transform: (text, controller) => controller.enqueue(text.toUpperCase()),
        });
        const body = request.body.pipeThrough(new TextDecoderStream()).pipeThrough(upper)
          .pipeThrough(new TextEncoderStream());
        return new Response(body, { headers: { "Content-Type": "text/plain; charset=utf-8" } });
      }
      case "/count": {
        // The bridge's trailer convention: a `trailers` promise on the Response, sent after the body.
        let bytes = 0;
        let done!: (fields: HeadersInit) => void;
        const counter = new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, controller) {
            bytes += chunk.byteLength;
            controller.enqueue(chunk);
          },
          flush() {
            done({ "X-Byte-Count": String(bytes) });
          },
        });
        const source = request.body ?? new Response("").body!;
        const response: Response & ResponseTrailers = new Response(source.pipeThrough(counter), {
          headers: { "Content-Type": "application/octet-stream", Trailer: "X-Byte-Count" },
        });
        response.trailers = new Promise((resolve) => (done = resolve));
        return response;
      }
      default:
        return new Response("not found\n", { status: 404 });
    }
  },
};
export default app;

/** Serves the app on 127.0.0.1 (`port` 0: a free one); resolves once listening. */
export function startFetchExample(port = 0): Promise<{ port: number; close(): Promise<void> }> {
  return new Promise((resolve) => {
    const server = serveFetch(app, {
      port,
      hostname: "127.0.0.1",
      onListen: (addr) =>
        resolve({
          port: addr.port,
          close: () =>
            new Promise<void>((done) => {
              server.close(() => done());
              server.closeAllConnections();
            }),
        }),
    });
  });
}

if (import.meta.main) {
  // Deno.serve(app.fetch) or Bun.serve(app) would serve the same app; here it runs on @wire/http.
  serveFetch(app, { port: 8000, hostname: "127.0.0.1" });
}
