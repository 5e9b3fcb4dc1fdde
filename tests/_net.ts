/**
 * Loopback helpers for end-to-end tests: a raw client that writes exact bytes and reads exact bytes, and
 * a server fixture that always closes. Built on the runtime's transport, so they run on Deno and Bun.
 *
 * @module
 */

import { defaultTransport } from "../src/transports/pick.ts";
import type { TransportConn, TransportListener } from "../src/io/transport.ts";
import { createServer, type Server, type ServerOptions } from "../mod.ts";
import type { IncomingMessage } from "../src/io/incoming_message.ts";
import type { ServerResponse } from "../src/server/server_response.ts";

/** Bytes to a string one char per byte (true ISO-8859-1; TextDecoder("latin1") is windows-1252). */
function bytesToText(bytes: Uint8Array): string {
  let text = "";
  for (let i = 0; i < bytes.length; i += 8192) {
    text += String.fromCharCode(...bytes.subarray(i, Math.min(i + 8192, bytes.length)));
  }
  return text;
}
const encoder = new TextEncoder();

/** A raw TCP (or unix) client: exact bytes out, exact bytes in. */
export class RawClient {
  #conn: TransportConn;
  #received: Uint8Array[] = [];
  #receivedBytes = 0;
  #text = "";
  #ended = false;
  #closed: Promise<void>;
  #wake: (() => void) | undefined;
  #drainWaiter: (() => void) | undefined;
  /** Error the connection closed with, if any. */
  error: Error | undefined;

  private constructor(conn: TransportConn) {
    this.#conn = conn;
    let closedResolve!: () => void;
    this.#closed = new Promise((r) => (closedResolve = r));
    conn.start({
      onData: (chunk) => {
        this.#received.push(chunk.slice());
        this.#receivedBytes += chunk.byteLength;
        this.#text += bytesToText(chunk);
        this.#notify();
        return false;
      },
      onEnd: () => {
        this.#ended = true;
        this.#notify();
      },
      onDrain: () => {
        const w = this.#drainWaiter;
        this.#drainWaiter = undefined;
        w?.();
      },
      onClose: (error) => {
        this.error = error;
        this.#ended = true;
        this.#notify();
        closedResolve();
      },
    });
  }

  /** Wraps an accepted or connected transport connection. */
  static from(conn: TransportConn): RawClient {
    return new RawClient(conn);
  }

  /** Connects to 127.0.0.1:`port`, or to a unix socket `path`. */
  static async connect(target: number | string): Promise<RawClient> {
    const conn = await defaultTransport().connect(
      typeof target === "number" ? { hostname: "127.0.0.1", port: target } : { path: target },
    );
    return new RawClient(conn);
  }

  /** Everything received so far, as latin1 text. */
  get text(): string {
    return this.#text;
  }

  /** Bytes received so far. */
  get receivedBytes(): number {
    return this.#receivedBytes;
  }

  /** Whether the peer has ended its side. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Sends bytes (strings as latin1/ASCII). */
  write(data: string | Uint8Array): boolean {
    return this.#conn.write(typeof data === "string" ? latin1(data) : data);
  }

  /** Resolves when the send queue has drained after a `write()` that returned false. */
  drained(): Promise<void> {
    return new Promise((r) => (this.#drainWaiter = r));
  }

  /** Half-closes. */
  end(): void {
    this.#conn.end();
  }

  /** Pauses or resumes reading. */
  pause(): void {
    this.#conn.pause();
  }

  /** Resumes reading. */
  resume(): void {
    this.#conn.resume();
  }

  /** Resolves when the received text satisfies `done` (a substring or a predicate); rejects on EOF. */
  async until(done: string | ((text: string) => boolean)): Promise<string> {
    const ok = typeof done === "string" ? (t: string) => t.includes(done) : done;
    while (!ok(this.#text)) {
      if (this.#ended) {
        throw new Error(`connection ended before expected data; got: ${JSON.stringify(this.#text)}`);
      }
      await new Promise<void>((r) => (this.#wake = r));
    }
    return this.#text;
  }

  /** Resolves with everything received once the peer closes. */
  async readAll(): Promise<string> {
    while (!this.#ended) await new Promise<void>((r) => (this.#wake = r));
    return this.#text;
  }

  /** Destroys the connection and waits until it is closed. */
  async close(): Promise<void> {
    this.#conn.destroy();
    await this.#closed;
  }

  /** Resolves once the connection is closed (by either side). */
  get closed(): Promise<void> {
    return this.#closed;
  }

  #notify(): void {
    const w = this.#wake;
    this.#wake = undefined;
    w?.();
  }
}

/** Encodes a string byte-per-char (latin1), for exact request bytes. */
export function latin1(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

/** UTF-8 bytes. */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** A server of either kind (ours or a runtime's `node:http`/`node:https`) as `listenLocal` uses it. */
export interface LocalServer {
  once(event: "error", listener: (err: Error) => void): unknown;
  off(event: "error", listener: (err: Error) => void): unknown;
  listen(port: number, host: string, callback: () => void): unknown;
  address(): { port: number } | string | null;
}

/** Listens on 127.0.0.1, port 0 (any server with Node's `listen`); resolves with the port. */
export async function listenLocal(server: LocalServer): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === "string") {
    throw new Error(`expected a TCP address, got ${address}`);
  }
  return address.port;
}

/** Starts a server on 127.0.0.1:0 and resolves with it and its port. */
export async function listen(
  options: ServerOptions,
  handler?: (req: IncomingMessage, res: ServerResponse) => unknown,
): Promise<{ server: Server; port: number }> {
  const server = createServer(options, handler);
  return { server, port: await listenLocal(server as unknown as LocalServer) };
}

/** Closes a server, dropping its connections, and waits for `'close'`. */
export async function closeServer(server: Server): Promise<void> {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** Splits a raw HTTP response text into status line, header lines and body (for exact-byte asserts). */
export function splitResponse(text: string): { head: string; body: string } {
  const end = text.indexOf("\r\n\r\n");
  if (end === -1) return { head: text, body: "" };
  return { head: text.slice(0, end + 4), body: text.slice(end + 4) };
}

/** The response head with the `Date` value replaced by `<date>`, so heads can be compared exactly. */
export function normalizeDate(head: string): string {
  return head.replace(/\r\nDate: [^\r]+\r\n/g, "\r\nDate: <date>\r\n");
}

/** A raw server: every accepted connection is a {@linkcode RawClient} handed to `onConnection`. */
export class RawServer {
  readonly port: number;
  readonly connections: RawClient[];
  #listener: TransportListener;

  private constructor(port: number, listener: TransportListener, connections: RawClient[]) {
    this.port = port;
    this.#listener = listener;
    this.connections = connections;
  }

  /** Listens on 127.0.0.1:0 (or `path`). */
  static async start(onConnection: (conn: RawClient) => void, path?: string): Promise<RawServer> {
    const connections: RawClient[] = [];
    const listener = await defaultTransport().listen(
      path ? { path } : { port: 0, hostname: "127.0.0.1" },
      (conn) => {
        const client = RawClient.from(conn);
        connections.push(client);
        onConnection(client);
      },
    );
    return new RawServer(listener.address.port, listener, connections);
  }

  /** Stops listening and closes every accepted connection. */
  async close(): Promise<void> {
    await this.#listener.close();
    await Promise.all(this.connections.map((c) => c.close()));
  }
}

/**
 * Resolves once `progress()` has not moved for `quietChecks` consecutive checks `everyMs` apart. There is
 * no event for "the sender is blocked by a full TCP window", so this waits for the absence of progress;
 * it only bounds how long a passing test takes, never what it asserts.
 */
export async function stalled(progress: () => number, everyMs = 40, quietChecks = 4): Promise<void> {
  let last = -1;
  let quiet = 0;
  while (quiet < quietChecks) {
    await new Promise<void>((r) => setTimeout(r, everyMs));
    const now = progress();
    quiet = now === last ? quiet + 1 : 0;
    last = now;
  }
}

/**
 * Serves one GET with `handler` (it gets the response) and returns the response text up to and including
 * `until`, `Date` normalized. For the write-side tests, which check a response's exact bytes.
 */
export async function exchangeGet(
  handler: (res: ServerResponse) => void,
  until: string,
): Promise<string> {
  const { server, port } = await listen({}, (_req, res) => handler(res));
  const client = await RawClient.connect(port);
  try {
    client.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    return normalizeDate(await client.until(until));
  } finally {
    await client.close();
    await closeServer(server);
  }
}

/** Calls `action`, and returns the code it threw ("none" when it did not throw). */
export function codeOf(action: () => void): string {
  try {
    action();
    return "none";
  } catch (err) {
    return (err as { code?: string }).code ?? "no code";
  }
}
