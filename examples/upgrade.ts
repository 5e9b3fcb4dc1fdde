/**
 * Switching protocols with `Upgrade`: after a `101 Switching Protocols` response the connection stops
 * being HTTP, and both ends get the raw `Socket` to speak something else on it.
 *
 * Two protocols, each with its server side (on the server's `'upgrade'` event) and its client side (on
 * the `ClientRequest`'s `'upgrade'` event):
 *
 * (a) `line-echo/1`, a made-up line protocol: every line the client sends is answered with
 *     `echo: <line>`; the line `bye` is answered with `bye` and the server closes.
 * (b) WebSocket (RFC 6455), kept minimal: the handshake (`Sec-WebSocket-Accept`), text and binary frames
 *     echoed back, ping → pong, and the closing handshake. Client frames are masked, server frames are
 *     not, as the RFC requires. Only payloads under 126 bytes are handled (the 7-bit length form): larger
 *     frames and fragmented messages are refused with a close frame. Use a real WebSocket library for
 *     anything more.
 *
 * The `head` argument of both `'upgrade'` events holds bytes that arrived right behind the HTTP head; they
 * already belong to the new protocol, so both sides feed them to their parser before any `'data'`.
 *
 * Run it:
 *
 *   deno run -A examples/upgrade.ts
 *   bun examples/upgrade.ts
 */
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, request, type Server, type Socket } from "../mod.ts";

const encoder = new TextEncoder();

// ---------------------------------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------------------------------

/** A running upgrade server. */
export interface UpgradeServer {
  server: Server;
  port: number;
  /** Base URL, e.g. `http://127.0.0.1:8080`. */
  url: string;
  /** Stops the server and closes every connection, upgraded ones included. */
  close(): Promise<void>;
}

/** Starts a server that speaks `line-echo/1` and WebSocket after an upgrade, at 127.0.0.1:`port`. */
export async function startServer(port = 0): Promise<UpgradeServer> {
  // Plain requests are told which upgrades this server offers.
  const server = createServer((_req, res) => {
    res.writeHead(426, { Upgrade: "line-echo/1, websocket", Connection: "Upgrade" });
    res.end("this server only speaks line-echo/1 and websocket\n");
  });

  // An upgraded socket is no longer the server's: closeAllConnections() does not see it. Keep track.
  const upgraded = new Set<Socket>();

  server.on("upgrade", (req, socket, head) => {
    upgraded.add(socket);
    socket.on("close", () => upgraded.delete(socket));
    socket.on("error", () => {}); // a peer resetting the connection is not our problem here
    const protocol = String(req.headers.upgrade ?? "").toLowerCase();
    if (protocol === "line-echo/1") serveLineEcho(socket, head);
    else if (protocol === "websocket") serveWebSocket(req, socket, head);
    else {
      // We own the socket now, so even "no" is ours to write.
      socket.end(
        "HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Type: text/plain\r\n" +
          "Content-Length: 21\r\n\r\nunsupported protocol\n",
      );
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const bound = (server.address() as { port: number }).port;
  return {
    server,
    port: bound,
    url: `http://127.0.0.1:${bound}`,
    close: async () => {
      const closing = [...upgraded].map((s) => new Promise((resolve) => s.once("close", resolve)));
      for (const socket of upgraded) socket.destroy();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await Promise.all(closing);
    },
  };
}

// ---- (a) line-echo/1 --------------------------------------------------------------------------------

function serveLineEcho(socket: Socket, head: Uint8Array): void {
  socket.write("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: line-echo/1\r\n\r\n");
  const lines = new LineSplitter();
  const onBytes = (bytes: Uint8Array) => {
    for (const line of lines.push(bytes)) {
      if (socket.writableEnded) return;
      if (line === "bye") socket.end("bye\n");
      else socket.write(`echo: ${line}\n`);
    }
  };
  onBytes(head); // the client may have sent its first lines right behind its request head
  socket.on("data", (chunk) => onBytes(chunk as Uint8Array));
  socket.on("end", () => socket.end()); // the client hung up: so do we
}

/** Splits UTF-8 bytes into `\n`-terminated lines, across chunk boundaries. */
class LineSplitter {
  #decoder = new TextDecoder();
  #partial = "";

  push(bytes: Uint8Array): string[] {
    const parts = (this.#partial + this.#decoder.decode(bytes, { stream: true })).split("\n");
    this.#partial = parts.pop()!;
    return parts;
  }
}

// ---- (b) WebSocket -------------------------------------------------------------------------------

/** RFC 6455 section 1.3: the server proves it read the handshake by hashing the client's key. */
export function webSocketAccept(key: string): string {
  return createHash("sha1").update(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest("base64");
}

function serveWebSocket(req: IncomingMessage, socket: Socket, head: Uint8Array): void {
  const key = String(req.headers["sec-websocket-key"] ?? "");
  const validKey = /^[A-Za-z0-9+/]{22}==$/.test(key); // base64 of 16 bytes
  if (req.method !== "GET" || req.headers["sec-websocket-version"] !== "13" || !validKey) {
    socket.end(
      "HTTP/1.1 400 Bad Request\r\nSec-WebSocket-Version: 13\r\nConnection: close\r\n" +
        "Content-Length: 0\r\n\r\n",
    );
    return;
  }
  socket.write(
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
      `Sec-WebSocket-Accept: ${webSocketAccept(key)}\r\n\r\n`,
  );
  const frames = new FrameReader("masked"); // a server must refuse unmasked client frames
  const onBytes = (bytes: Uint8Array) => {
    if (socket.writableEnded) return;
    let list: Frame[];
    try {
      list = frames.push(bytes);
    } catch (err) {
      // 1009: message too big; 1002: protocol error. Then close our side.
      const code = err instanceof FrameTooLarge ? 1009 : 1002;
      socket.end(encodeFrame(OP_CLOSE, closePayload(code)));
      return;
    }
    for (const frame of list) {
      switch (frame.opcode) {
        case OP_TEXT:
        case OP_BINARY:
          socket.write(encodeFrame(frame.opcode, frame.payload)); // echo, unmasked
          break;
        case OP_PING:
          socket.write(encodeFrame(OP_PONG, frame.payload));
          break;
        case OP_CLOSE:
          // Closing handshake: answer with the same status code, then close the TCP connection.
          socket.end(encodeFrame(OP_CLOSE, frame.payload.subarray(0, 2)));
          return;
      }
    }
  };
  onBytes(head);
  socket.on("data", (chunk) => onBytes(chunk as Uint8Array));
  socket.on("end", () => socket.end());
}

// ---- WebSocket framing (both sides) -------------------------------------------------------------

export const OP_TEXT = 0x1;
export const OP_BINARY = 0x2;
export const OP_CLOSE = 0x8;
export const OP_PING = 0x9;
export const OP_PONG = 0xa;

/** One complete, unfragmented frame. */
export interface Frame {
  opcode: number;
  payload: Uint8Array;
}

/** Thrown for a frame whose payload needs the 16- or 64-bit length form (126 bytes or more). */
export class FrameTooLarge extends Error {}

/**
 * Encodes one final frame of under 126 payload bytes. With `mask` (4 bytes, a client's job) the payload
 * is XORed with it, as RFC 6455 section 5.3 requires of every client frame.
 */
export function encodeFrame(opcode: number, payload: Uint8Array, mask?: Uint8Array): Uint8Array {
  if (payload.byteLength > 125) throw new FrameTooLarge("this example sends only payloads under 126 bytes");
  const headerSize = mask ? 6 : 2;
  const frame = new Uint8Array(headerSize + payload.byteLength);
  frame[0] = 0x80 | opcode; // FIN + opcode
  frame[1] = (mask ? 0x80 : 0) | payload.byteLength;
  if (mask) {
    frame.set(mask, 2);
    for (let i = 0; i < payload.byteLength; i++) frame[6 + i] = payload[i]! ^ mask[i % 4]!;
  } else frame.set(payload, 2);
  return frame;
}

/** Collects bytes and returns the frames they complete. `masked` says what the peer must send. */
export class FrameReader {
  #buffer = new Uint8Array(0);
  #masked: boolean;

  constructor(peer: "masked" | "unmasked") {
    this.#masked = peer === "masked";
  }

  push(bytes: Uint8Array): Frame[] {
    const joined = new Uint8Array(this.#buffer.byteLength + bytes.byteLength);
    joined.set(this.#buffer);
    joined.set(bytes, this.#buffer.byteLength);
    const frames: Frame[] = [];
    let at = 0;
    while (joined.byteLength - at >= 2) {
      const b0 = joined[at]!;
      const b1 = joined[at + 1]!;
      if ((b0 & 0x80) === 0 || (b0 & 0x70) !== 0) {
        throw new Error("fragmented frames and extensions are not supported");
      }
      if (Boolean(b1 & 0x80) !== this.#masked) {
        throw new Error(this.#masked ? "unmasked frame" : "masked frame");
      }
      const length = b1 & 0x7f;
      if (length > 125) throw new FrameTooLarge(`payload over 125 bytes`);
      const headerSize = this.#masked ? 6 : 2;
      if (joined.byteLength - at < headerSize + length) break; // wait for the rest of the frame
      const payload = joined.slice(at + headerSize, at + headerSize + length);
      if (this.#masked) {
        const mask = joined.subarray(at + 2, at + 6);
        for (let i = 0; i < length; i++) payload[i]! ^= mask[i % 4]!;
      }
      frames.push({ opcode: b0 & 0x0f, payload });
      at += headerSize + length;
    }
    this.#buffer = joined.slice(at);
    return frames;
  }
}

function closePayload(code: number): Uint8Array {
  return new Uint8Array([code >> 8, code & 0xff]);
}

// ---------------------------------------------------------------------------------------------------
// Clients
// ---------------------------------------------------------------------------------------------------

/**
 * Sends an upgrade request and resolves with the raw socket and the bytes that came with the `101`, or
 * rejects when the server answers with anything else.
 */
function upgrade(
  url: string | URL,
  headers: Record<string, string>,
): Promise<{ res: IncomingMessage; socket: Socket; head: Uint8Array }> {
  return new Promise((resolve, reject) => {
    // `agent: false`: the socket leaves HTTP for good, there is nothing to pool.
    const req = request(url, { agent: false, headers: { Connection: "Upgrade", ...headers } });
    req.on("upgrade", (res, socket, head) => resolve({ res, socket, head }));
    req.on("response", (res) => {
      res.resume();
      reject(new Error(`the server did not switch protocols: ${res.statusCode} ${res.statusMessage}`));
    });
    req.on("error", reject);
    req.end();
  });
}

/** (a) Sends `lines` over `line-echo/1`, then `bye`; resolves with every line the server sent back. */
export async function lineEchoSession(url: string | URL, lines: string[]): Promise<string[]> {
  const { res, socket, head } = await upgrade(url, { Upgrade: "line-echo/1" });
  if (String(res.headers.upgrade).toLowerCase() !== "line-echo/1") {
    socket.destroy();
    throw new Error(`switched to an unexpected protocol: ${res.headers.upgrade}`);
  }
  const received: string[] = [];
  const splitter = new LineSplitter();
  const closed = new Promise<void>((resolve, reject) => {
    socket.on("error", reject);
    socket.on("close", () => resolve());
  });
  closed.catch(() => {}); // awaited below; this only keeps an early error from counting as unhandled
  received.push(...splitter.push(head)); // lines that arrived together with the 101
  socket.on("data", (chunk) => received.push(...splitter.push(chunk as Uint8Array)));
  socket.on("end", () => socket.end()); // the server said bye and closed: close our side too
  for (const line of lines) socket.write(`${line}\n`);
  socket.write("bye\n");
  await closed;
  return received;
}

/**
 * (b) Opens a WebSocket, sends each message as a masked text frame, then closes (status 1000). Resolves
 * with the text messages received before the server's close frame, and the close code it sent.
 */
export async function webSocketSession(
  url: string | URL,
  messages: string[],
): Promise<{ received: string[]; closeCode: number }> {
  const key = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
  const { res, socket, head } = await upgrade(url, {
    Upgrade: "websocket",
    "Sec-WebSocket-Version": "13",
    "Sec-WebSocket-Key": key,
  });
  if (res.headers["sec-websocket-accept"] !== webSocketAccept(key)) {
    socket.destroy();
    throw new Error("the server's Sec-WebSocket-Accept does not match our key");
  }
  const mask = () => crypto.getRandomValues(new Uint8Array(4)); // a fresh mask for every frame
  const frames = new FrameReader("unmasked"); // a client must refuse masked server frames
  const decoder = new TextDecoder();
  const received: string[] = [];
  let closeCode = 1005; // "no status received", until the server says otherwise
  const closed = new Promise<void>((resolve, reject) => {
    socket.on("error", reject);
    socket.on("close", () => resolve());
  });
  closed.catch(() => {}); // awaited below; this only keeps an early error from counting as unhandled
  const onBytes = (bytes: Uint8Array) => {
    for (const frame of frames.push(bytes)) {
      if (frame.opcode === OP_TEXT) received.push(decoder.decode(frame.payload));
      else if (frame.opcode === OP_CLOSE && frame.payload.byteLength >= 2) {
        closeCode = (frame.payload[0]! << 8) | frame.payload[1]!;
      }
    }
  };
  onBytes(head);
  socket.on("data", (chunk) => onBytes(chunk as Uint8Array));
  socket.on("end", () => socket.end());
  for (const message of messages) socket.write(encodeFrame(OP_TEXT, encoder.encode(message), mask()));
  socket.write(encodeFrame(OP_CLOSE, closePayload(1000), mask()));
  await closed;
  return { received, closeCode };
}

// ---------------------------------------------------------------------------------------------------
// Demo
// ---------------------------------------------------------------------------------------------------

if ((import.meta as { main?: boolean }).main) {
  const service = await startServer();
  try {
    console.log("line-echo/1:", await lineEchoSession(service.url, ["hello", "upgraded world"]));
    const ws = await webSocketSession(service.url, ["hi", "a WebSocket frame, masked by the client"]);
    console.log("websocket:", ws.received, "closed with", ws.closeCode);
  } finally {
    await service.close();
  }
}
