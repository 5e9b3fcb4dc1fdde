/**
 * A hello-world server that reports its own memory, for `bench/memory/run.ts`:
 * `deno run -A --v8-flags=--expose-gc server.ts <ours|node|raw> <port>` or `bun server.ts <kind> <port>`.
 * `raw` is the runtime's floor: `Deno.listen` with a 2 KiB read buffer per connection, or `Bun.listen`,
 * answering every read with fixed bytes (no HTTP at all).
 *
 * Commands arrive one per line on stdin and are answered with one JSON line on stdout:
 * - `mem`: collect garbage (fully, twice), then `{ rss, heapUsed, external, arrayBuffers, open }`.
 * - `closed`: answers `{ open: 0 }` once every connection the server accepted has closed.
 *
 * @module
 */

import process from "node:process";
import { createServer as createNodeServer } from "node:http";
import { createServer as createOurServer } from "../../mod.ts";

const kind = process.argv[2] ?? "ours";
const port = Number(process.argv[3] ?? 0);
const hello = new TextEncoder().encode("Hello, World!");

type Res = {
  writeHead(status: number, headers: Record<string, string | number>): unknown;
  end(b: Uint8Array): void;
};
const handler = (_req: unknown, res: Res) => {
  res.writeHead(200, { "Content-Type": "text/plain", "Content-Length": hello.length });
  res.end(hello);
};

// Both servers are Node-shaped: 'connection' hands over a socket that emits 'close' once.
interface ServerLike {
  on(event: "connection", listener: (socket: { once(event: "close", l: () => void): void }) => void): void;
  listen(port: number, host: string, cb: () => void): void;
  address(): unknown;
}
const server =
  (kind === "node"
    ? createNodeServer(handler as never)
    : kind === "raw"
    ? createRawServer()
    : createOurServer(handler as never)) as unknown as ServerLike;

let open = 0;
let onAllClosed: (() => void) | undefined;
server.on("connection", (socket) => {
  open++;
  socket.once("close", () => {
    open--;
    if (open === 0) onAllClosed?.();
  });
});

function gc(): void {
  const bun = (globalThis as { Bun?: { gc(force: boolean): void } }).Bun;
  const v8gc = (globalThis as { gc?: () => void }).gc;
  for (let i = 0; i < 2; i++) {
    if (bun) bun.gc(true);
    else if (v8gc) v8gc();
    else throw new Error("no way to collect garbage: run Deno with --v8-flags=--expose-gc");
  }
}

function reply(value: unknown): void {
  process.stdout.write(JSON.stringify(value) + "\n");
}

async function command(line: string): Promise<void> {
  if (line === "mem") {
    gc();
    // A turn of the event loop lets finalizers run (Deno frees closed resources' memory there), then again.
    await new Promise((resolve) => setTimeout(resolve, 20));
    gc();
    const { rss, heapUsed, external, arrayBuffers } = process.memoryUsage();
    reply({ rss, heapUsed, external, arrayBuffers, open });
  } else if (line === "closed") {
    if (open > 0) await new Promise<void>((resolve) => onAllClosed = resolve);
    reply({ open });
  }
}

let pending = "";
let queue = Promise.resolve();
process.stdin.on("data", (chunk: Uint8Array | string) => {
  pending += typeof chunk === "string" ? chunk : new TextDecoder().decode(chunk);
  let at: number;
  while ((at = pending.indexOf("\n")) >= 0) {
    const line = pending.slice(0, at).trim();
    pending = pending.slice(at + 1);
    queue = queue.then(() => command(line));
  }
});

server.listen(port, "127.0.0.1", () => console.log("ready"));

// ---- The floor: the runtime's own sockets, no HTTP ------------------------------------------------------

interface Closable {
  once(event: "close", l: () => void): void;
}

function createRawServer(): ServerLike {
  const answer = new TextEncoder().encode(
    `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\nDate: ${
      new Date().toUTCString()
    }\r\n\r\n` +
      "Hello, World!",
  );
  let onConnection: (socket: Closable) => void = () => {};
  const closable = () => {
    let onClose = () => {};
    return { socket: { once: (_: "close", l: () => void) => onClose = l }, close: () => onClose() };
  };
  return {
    on(_event, listener) {
      onConnection = listener as (socket: Closable) => void;
    },
    address: () => null,
    listen(port, hostname, cb) {
      const bun = (globalThis as { Bun?: { listen(options: unknown): unknown } }).Bun;
      if (bun) {
        const closers = new WeakMap<object, () => void>();
        bun.listen({
          hostname,
          port,
          socket: {
            open(s: object) {
              const { socket, close } = closable();
              closers.set(s, close);
              onConnection(socket);
            },
            data(s: { write(b: Uint8Array): number }) {
              s.write(answer);
            },
            close(s: object) {
              closers.get(s)?.();
            },
          },
        });
        cb();
        return;
      }
      const listener = Deno.listen({ hostname, port });
      cb();
      (async () => {
        for await (const conn of listener) {
          const { socket, close } = closable();
          onConnection(socket);
          (async () => {
            const buffer = new Uint8Array(2048);
            try {
              while ((await conn.read(buffer)) !== null) await conn.write(answer);
            } catch {
              // reset
            }
            conn.close();
            close();
          })();
        }
      })();
    },
  };
}
