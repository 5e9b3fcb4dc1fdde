/**
 * The target server of the client benchmark: `bun bench/client/server.ts [port]`, a raw `Bun.listen`
 * server in its own process, shared by every cell and every client. It parses only what it must and
 * prints `ready <port>` once listening (port 0 picks a free one).
 *
 * - `GET /` (any request head not matched below): a precomputed `200`, `Content-Length: 13`,
 *   `Hello, World!`, keep-alive. Every complete head in a data chunk is answered, in one write.
 * - `GET /download`: `200` with `Content-Length: 67108864`, the body sent in 64 KiB writes, each next
 *   write only after the kernel took the previous one (`drain`).
 * - `POST /upload`: the body (`Content-Length` or chunked) is counted and dropped; the answer is `200`
 *   with the count as its body.
 *
 * Bun's API is typed structurally so `deno check` passes.
 *
 * @module
 */

import { BLOCK, DOWNLOAD_BYTES, HELLO_RESPONSE } from "./shared.ts";

interface Conn {
  /** Bytes of an unfinished head or chunk-size line. */
  partial: Uint8Array | null;
  mode: Mode;
  /** Body bytes still to read (`BODY`, `CHUNK_DATA`) or CRLF bytes to skip (`CHUNK_CRLF`). */
  remaining: number;
  /** Body bytes counted for the current upload. */
  counted: number;
  /** Bytes the kernel did not take yet, in order. */
  out: Uint8Array[];
  /** Download body bytes not yet handed to `write`. */
  downloadLeft: number;
}

interface BunSocket {
  data: Conn;
  write(bytes: Uint8Array): number;
  setNoDelay?(on: boolean): void;
  end(): void;
}

interface BunLike {
  listen(options: {
    hostname: string;
    port: number;
    socket: {
      open(socket: BunSocket): void;
      data(socket: BunSocket, chunk: Uint8Array): void;
      drain(socket: BunSocket): void;
      close?(socket: BunSocket): void;
      error?(socket: BunSocket, error: Error): void;
    };
  }): { port: number };
  argv: string[];
}

const Bun = (globalThis as unknown as { Bun: BunLike }).Bun;

const Mode = { HEAD: 0, BODY: 1, CHUNK_SIZE: 2, CHUNK_DATA: 3, CHUNK_CRLF: 4, TRAILERS: 5 } as const;
type Mode = (typeof Mode)[keyof typeof Mode];

const encoder = new TextEncoder();
const latin1 = new TextDecoder("latin1");
const hello = encoder.encode(HELLO_RESPONSE);
const helloMany: Uint8Array[] = [hello];
const downloadHead = encoder.encode(
  `HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: ${DOWNLOAD_BYTES}\r\n\r\n`,
);
const block = new Uint8Array(BLOCK).fill(0x78);

/** `n` hello responses joined (cached). */
function hellos(n: number): Uint8Array {
  let joined = helloMany[n - 1];
  if (!joined) {
    joined = new Uint8Array(hello.length * n);
    for (let i = 0; i < n; i++) joined.set(hello, i * hello.length);
    if (n <= 64) helloMany[n - 1] = joined;
  }
  return joined;
}

/** Writes in order; whatever the kernel does not take waits for `drain`. Returns whether all went. */
function send(socket: BunSocket, bytes: Uint8Array): boolean {
  const conn = socket.data;
  if (conn.out.length > 0) {
    conn.out.push(bytes);
    return false;
  }
  const written = socket.write(bytes);
  if (written >= bytes.length) return true;
  conn.out.push(bytes.subarray(Math.max(0, written)));
  return false;
}

function flush(socket: BunSocket): boolean {
  const out = socket.data.out;
  while (out.length > 0) {
    const bytes = out[0]!;
    const written = socket.write(bytes);
    if (written < bytes.length) {
      out[0] = bytes.subarray(Math.max(0, written));
      return false;
    }
    out.shift();
  }
  return true;
}

/** Sends download blocks while the kernel takes them. */
function pumpDownload(socket: BunSocket): void {
  const conn = socket.data;
  while (conn.downloadLeft > 0 && conn.out.length === 0) {
    const size = Math.min(BLOCK, conn.downloadLeft);
    conn.downloadLeft -= size;
    send(socket, size === BLOCK ? block : block.subarray(0, size));
  }
}

function findHeadEnd(bytes: Uint8Array, from: number): number {
  let i = bytes.indexOf(13, from);
  while (i !== -1 && i + 3 < bytes.length) {
    if (bytes[i + 1] === 10 && bytes[i + 2] === 13 && bytes[i + 3] === 10) return i;
    i = bytes.indexOf(13, i + 1);
  }
  return -1;
}

function findLineEnd(bytes: Uint8Array, from: number): number {
  let i = bytes.indexOf(13, from);
  while (i !== -1 && i + 1 < bytes.length) {
    if (bytes[i + 1] === 10) return i;
    i = bytes.indexOf(13, i + 1);
  }
  return -1;
}

/** `GET / ` exactly: the hello fast path, no decoding. */
function isHello(bytes: Uint8Array, at: number): boolean {
  return bytes[at] === 0x47 && bytes[at + 1] === 0x45 && bytes[at + 2] === 0x54 && bytes[at + 3] === 0x20 &&
    bytes[at + 4] === 0x2f && bytes[at + 5] === 0x20;
}

function uploadDone(socket: BunSocket): void {
  const conn = socket.data;
  const body = String(conn.counted);
  conn.counted = 0;
  conn.mode = Mode.HEAD;
  send(
    socket,
    encoder.encode(
      `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    ),
  );
}

/** Handles one non-hello head; returns false on a request we do not serve (the socket is closed). */
function onHead(socket: BunSocket, head: string): boolean {
  const conn = socket.data;
  const lines = head.split("\r\n");
  const [method, path] = lines[0]!.split(" ");
  let contentLength = 0;
  let chunked = false;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(":");
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim().toLowerCase();
    if (name === "content-length") contentLength = Number(value);
    else if (name === "transfer-encoding") chunked = value.endsWith("chunked");
  }
  if (method === "POST" && path === "/upload") {
    conn.counted = 0;
    if (chunked) conn.mode = Mode.CHUNK_SIZE;
    else if (contentLength > 0) {
      conn.mode = Mode.BODY;
      conn.remaining = contentLength;
    } else uploadDone(socket);
    return true;
  }
  if (chunked || contentLength > 0) {
    socket.end();
    return false;
  }
  if (method === "GET" && path === "/download") {
    send(socket, downloadHead);
    conn.downloadLeft = DOWNLOAD_BYTES;
    pumpDownload(socket);
    return true;
  }
  send(socket, hello);
  return true;
}

function onData(socket: BunSocket, chunk: Uint8Array): void {
  const conn = socket.data;
  let bytes = chunk;
  if (conn.partial) {
    const joined = new Uint8Array(conn.partial.length + chunk.length);
    joined.set(conn.partial);
    joined.set(chunk, conn.partial.length);
    bytes = joined;
    conn.partial = null;
  }
  let i = 0;
  let hellosOwed = 0;
  while (i < bytes.length) {
    switch (conn.mode) {
      case Mode.HEAD: {
        const end = findHeadEnd(bytes, i);
        if (end === -1) {
          conn.partial = bytes.slice(i);
          i = bytes.length;
          break;
        }
        if (isHello(bytes, i)) hellosOwed++;
        else {
          if (hellosOwed > 0) send(socket, hellos(hellosOwed));
          hellosOwed = 0;
          if (!onHead(socket, latin1.decode(bytes.subarray(i, end)))) return;
        }
        i = end + 4;
        break;
      }
      case Mode.BODY: {
        const take = Math.min(conn.remaining, bytes.length - i);
        conn.counted += take;
        conn.remaining -= take;
        i += take;
        if (conn.remaining === 0) uploadDone(socket);
        break;
      }
      case Mode.CHUNK_SIZE:
      case Mode.TRAILERS: {
        const end = findLineEnd(bytes, i);
        if (end === -1) {
          conn.partial = bytes.slice(i);
          i = bytes.length;
          break;
        }
        const line = latin1.decode(bytes.subarray(i, end));
        i = end + 2;
        if (conn.mode === Mode.TRAILERS) {
          if (line === "") uploadDone(socket);
          break;
        }
        const size = parseInt(line.split(";")[0]!.trim(), 16);
        if (Number.isNaN(size)) {
          socket.end();
          return;
        }
        if (size === 0) conn.mode = Mode.TRAILERS;
        else {
          conn.mode = Mode.CHUNK_DATA;
          conn.remaining = size;
        }
        break;
      }
      case Mode.CHUNK_DATA: {
        const take = Math.min(conn.remaining, bytes.length - i);
        conn.counted += take;
        conn.remaining -= take;
        i += take;
        if (conn.remaining === 0) {
          conn.mode = Mode.CHUNK_CRLF;
          conn.remaining = 2;
        }
        break;
      }
      case Mode.CHUNK_CRLF: {
        const take = Math.min(conn.remaining, bytes.length - i);
        conn.remaining -= take;
        i += take;
        if (conn.remaining === 0) conn.mode = Mode.CHUNK_SIZE;
        break;
      }
    }
  }
  if (hellosOwed > 0) send(socket, hellos(hellosOwed));
}

const port = Number(Bun.argv[2] ?? "0");
const listener = Bun.listen({
  hostname: "127.0.0.1",
  port,
  socket: {
    open(socket) {
      socket.data = { partial: null, mode: Mode.HEAD, remaining: 0, counted: 0, out: [], downloadLeft: 0 };
      socket.setNoDelay?.(true);
    },
    data: onData,
    drain(socket) {
      if (flush(socket)) pumpDownload(socket);
    },
    error() {
      // peer reset: nothing to do
    },
  },
});
console.log(`ready ${listener.port}`);
