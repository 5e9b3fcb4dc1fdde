/**
 * The `ws` package's WebSocketServer on each implementation's `'upgrade'` event
 * (`new WebSocketServer({ noServer: true })` + `wss.handleUpgrade(req, socket, head, ...)`). The client is
 * the same for both: the `ws` package's WebSocket over the runtime's node:http client, or a raw node:net
 * socket for the frame that shares a TCP write with the upgrade request.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type * as NodeHttp from "node:http";
import type { Duplex } from "node:stream";
import { closeServer, type Impl, listen, RawHttp, type Scope, testEach } from "./_impls.ts";

// ws ships no type declarations; these are the parts the tests use.
interface WebSocket {
  on(event: "message", listener: (data: Buffer, isBinary: boolean) => void): this;
  on(event: "open", listener: () => void): this;
  on(event: "close", listener: (code: number, reason: Buffer) => void): this;
  on(event: "error", listener: (err: Error) => void): this;
  once(event: "open", listener: () => void): this;
  once(event: "close", listener: (code: number, reason: Buffer) => void): this;
  once(event: "error", listener: (err: Error) => void): this;
  readonly readyState: 0 | 1 | 2 | 3;
  send(data: string | Uint8Array, options?: { binary?: boolean }): void;
  close(code?: number): void;
  terminate(): void;
}
interface WebSocketServer {
  handleUpgrade(
    req: NodeHttp.IncomingMessage,
    socket: Duplex,
    head: Buffer,
    callback: (ws: WebSocket) => void,
  ): void;
  close(callback?: (err?: Error) => void): void;
}

// The package's own files, not the runtime's: on Bun, `import "ws"` and `require("ws")` give Bun's
// built-in WebSocket shim (require.resolve("ws") returns "ws" there), and "ws/lib/..." subpaths are not in
// ws's package.json "exports", so a bare subpath import is refused on both runtimes. "ws/package.json" is
// exported, so it locates the installed package, and its lib files are required by absolute path.
const require = createRequire(import.meta.url);
const wsDir = dirname(require.resolve("ws/package.json"));
const WebSocketServer = require(join(wsDir, "lib/websocket-server.js")) as new (
  options: { noServer: true; clientTracking: boolean },
) => WebSocketServer;
const WebSocket = require(join(wsDir, "lib/websocket.js")) as new (url: string) => WebSocket;

/** A server that hands every upgrade to ws; each server-side WebSocket echoes what it gets. */
async function serve(impl: Impl, scope: Scope): Promise<{
  port: number;
  /** Resolves with the server-side WebSocket's close code, once it has closed. */
  serverClosed: Promise<number>;
}> {
  // Without client tracking, wss.close() does not wait for every server-side WebSocket to close: if ours
  // breaks one mid-way it may never emit 'close', and the cleanup must not hang on it. The test awaits
  // the server-side close itself (serverClosed); the cleanup terminates whatever is still open.
  const wss = new WebSocketServer({ noServer: true, clientTracking: false });
  const open = new Set<WebSocket>();
  const server = impl.http.createServer((_req, res) => res.writeHead(426).end());
  let closedResolve!: (code: number) => void;
  const serverClosed = new Promise<number>((resolve) => (closedResolve = resolve));
  server.on("upgrade", (req: NodeHttp.IncomingMessage, socket: Duplex, head: Buffer) => {
    // On node:http an exception here is uncaught; an implementation may instead catch it and drop the
    // connection. Either way the test fails with that exception, not with a symptom of it.
    try {
      wss.handleUpgrade(req, socket, head, (ws) => {
        open.add(ws);
        ws.on("message", (data, isBinary) => {
          try {
            ws.send(data, { binary: isBinary });
          } catch (err) {
            scope.fail(err); // as above: a throw here may be swallowed by the socket that delivered it
            throw err;
          }
        });
        ws.on("close", (code) => {
          open.delete(ws);
          closedResolve(code);
        });
      });
    } catch (err) {
      scope.fail(err);
      throw err;
    }
  });
  scope.defer(async () => {
    for (const ws of open) ws.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
    await closeServer(server);
  });
  const port = await listen(server);
  return { port, serverClosed };
}

testEach(
  "ws: handleUpgrade on the server's 'upgrade' event; text and binary messages echo",
  async (impl, scope) => {
    const { port, serverClosed } = await serve(impl, scope);
    const client = new WebSocket(`ws://127.0.0.1:${port}/chat`);
    scope.defer(async () => {
      if (client.readyState === 3) return; // CLOSED
      const closed = new Promise((resolve) => client.once("close", resolve));
      client.terminate();
      await closed;
    });
    await new Promise<void>((resolve, reject) => {
      client.once("open", resolve);
      client.once("error", reject);
    });
    const messages: { data: Buffer; isBinary: boolean }[] = [];
    let received!: () => void;
    const twoReceived = new Promise<void>((resolve) => (received = resolve));
    client.on("message", (data, isBinary) => {
      messages.push({ data, isBinary });
      if (messages.length === 2) received();
    });
    const binary = Uint8Array.from({ length: 300 }, (_, i) => (i * 7) & 0xff);
    client.send("hello ✓");
    client.send(binary);
    await twoReceived;
    assert.equal(messages[0]?.isBinary, false);
    assert.equal(messages[0]?.data.toString("utf8"), "hello ✓");
    assert.equal(messages[1]?.isBinary, true);
    assert.ok(messages[1]?.data.equals(binary), "the binary message came back different");
    const clientClosed = new Promise<number>((resolve) => client.once("close", resolve));
    client.close(1000);
    assert.equal(await clientClosed, 1000);
    assert.equal(await serverClosed, 1000);
  },
);

/** A client frame (clients must mask): FIN set, `opcode`, a payload under 126 bytes. */
function maskedFrame(opcode: number, payload: Uint8Array): Buffer {
  const mask = Buffer.from([0x37, 0xfa, 0x21, 0x3d]);
  const frame = Buffer.alloc(2 + 4 + payload.length);
  frame[0] = 0x80 | opcode;
  frame[1] = 0x80 | payload.length;
  mask.copy(frame, 2);
  for (let i = 0; i < payload.length; i++) frame[6 + i] = payload[i]! ^ mask[i % 4]!;
  return frame;
}

testEach(
  "ws: a frame in the same TCP write as the upgrade request reaches ws (head) and is echoed",
  async (impl, scope) => {
    const { port, serverClosed } = await serve(impl, scope);
    const client = await RawHttp.connect(port);
    scope.defer(() => client.close());
    const request = "GET /chat HTTP/1.1\r\n" +
      `Host: 127.0.0.1:${port}\r\n` +
      "Upgrade: websocket\r\n" +
      "Connection: Upgrade\r\n" +
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
      "Sec-WebSocket-Version: 13\r\n" +
      "\r\n";
    const text = Buffer.from("first frame, same packet ✓", "utf8");
    // One write: the upgrade request and the first frame leave in one TCP segment.
    client.write(Buffer.concat([Buffer.from(request, "latin1"), maskedFrame(0x1, text)]));

    const head = await client.readHead();
    assert.match(head, /^HTTP\/1\.1 101 Switching Protocols\r\n/);
    assert.match(head, /\r\nUpgrade: websocket\r\n/i);
    assert.match(head, /\r\nConnection: Upgrade\r\n/i);
    // RFC 6455's own example key and accept value.
    assert.match(head, /\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=\r\n/);

    // The echo: an unmasked text frame from the server.
    const echoHead = await client.readBytes(2);
    assert.deepEqual([...echoHead], [0x81, text.length]);
    assert.equal((await client.readBytes(text.length)).toString("utf8"), text.toString("utf8"));

    // Close handshake: code 1000 out, 1000 back.
    client.write(maskedFrame(0x8, Uint8Array.of(0x03, 0xe8)));
    assert.deepEqual([...(await client.readBytes(4))], [0x88, 0x02, 0x03, 0xe8]);
    assert.equal(await serverClosed, 1000);
  },
);
