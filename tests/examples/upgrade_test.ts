import assert from "node:assert/strict";
import { test } from "../_harness.ts";
import { closeServer, latin1, listen, RawClient, splitResponse } from "../_net.ts";
import {
  encodeFrame,
  FrameReader,
  lineEchoSession,
  OP_CLOSE,
  OP_PING,
  OP_TEXT,
  startServer,
  webSocketAccept,
  webSocketSession,
} from "../../examples/upgrade.ts";

const encoder = new TextEncoder();
const MASK = new Uint8Array([0x37, 0xfa, 0x21, 0x3d]);

/** Bytes as RawClient shows them: one char per byte (ISO-8859-1). */
function text(bytes: Uint8Array | number[]): string {
  return String.fromCharCode(...bytes);
}

test("upgrade example (line-echo/1): the client's lines come back echoed, then bye", async () => {
  const service = await startServer();
  try {
    const lines = await lineEchoSession(service.url, ["hello", "wörld, in UTF-8", ""]);
    assert.deepEqual(lines, ["echo: hello", "echo: wörld, in UTF-8", "echo: ", "bye"]);
  } finally {
    await service.close();
  }
});

test("upgrade example (line-echo/1): the server answers bytes sent right behind the request head", async () => {
  const service = await startServer();
  const client = await RawClient.connect(service.port);
  try {
    // One write: head plus the first line, so the server finds "first" in `head`, not in 'data'.
    client.write("GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: line-echo/1\r\n\r\nfirst\n");
    await client.until("echo: first\n");
    client.write("sec");
    client.write("ond\nbye\n");
    const all = await client.readAll();
    assert.equal(
      all,
      "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: line-echo/1\r\n\r\n" +
        "echo: first\necho: second\nbye\n",
    );
  } finally {
    await client.close();
    await service.close();
  }
});

test("upgrade example (line-echo/1): the client reads lines that arrive together with the 101", async () => {
  // A server that sends its whole conversation in the same write as the 101 head.
  const { server, port } = await listen({});
  server.on("upgrade", (_req, socket) => {
    socket.end(
      "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: line-echo/1\r\n\r\n" +
        "echo: early\nbye\n",
    );
  });
  try {
    assert.deepEqual(await lineEchoSession(`http://127.0.0.1:${port}/`, []), ["echo: early", "bye"]);
  } finally {
    await closeServer(server);
  }
});

test("upgrade example: a plain request gets 426, an unknown protocol gets 400", async () => {
  const service = await startServer();
  try {
    const client = await RawClient.connect(service.port);
    client.write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    const plain = splitResponse(await client.readAll());
    await client.close();
    assert.match(plain.head, /^HTTP\/1\.1 426 Upgrade Required\r\n/);
    assert.match(plain.head, /\r\nUpgrade: line-echo\/1, websocket\r\n/);

    const other = await RawClient.connect(service.port);
    other.write("GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n");
    const refused = splitResponse(await other.readAll());
    await other.close();
    assert.match(refused.head, /^HTTP\/1\.1 400 Bad Request\r\n/);
    assert.equal(refused.body, "unsupported protocol\n");
  } finally {
    await service.close();
  }
});

test("upgrade example (line-echo/1): the client rejects when the server does not switch", async () => {
  const { server, port } = await listen({});
  server.on("upgrade", (_req, socket) => {
    socket.end("HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
  });
  try {
    await assert.rejects(
      lineEchoSession(`http://127.0.0.1:${port}/`, ["x"]),
      /did not switch protocols: 503 Service Unavailable/,
    );
  } finally {
    await closeServer(server);
  }
});

test("upgrade example (WebSocket): handshake, masked frames echoed, closing handshake", async () => {
  const service = await startServer();
  try {
    const messages = ["hi", "ünïcödé ✓", "", "x".repeat(125)];
    const result = await webSocketSession(service.url, messages);
    assert.deepEqual(result, { received: messages, closeCode: 1000 });
  } finally {
    await service.close();
  }
});

test("upgrade example (WebSocket): the accept key is RFC 6455's, and server frames are unmasked", async () => {
  assert.equal(webSocketAccept("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  const service = await startServer();
  const client = await RawClient.connect(service.port);
  try {
    client.write(
      "GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
    );
    const head = await client.until("\r\n\r\n");
    assert.equal(
      head,
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n",
    );
    // A masked "Hello" (RFC 6455 section 5.7's example) and a masked ping, in one write.
    const hello = latin1("\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58");
    const ping = encodeFrame(OP_PING, encoder.encode("p"), MASK);
    client.write(new Uint8Array([...hello, ...ping]));
    // Server frames carry no mask: RFC 6455 section 5.7's unmasked "Hello", then an unmasked pong.
    const expected = head + text([0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]) + text([0x8a, 0x01, 0x70]);
    await client.until((t) => t.length >= expected.length);
    assert.equal(client.text, expected);
    client.write(encodeFrame(OP_CLOSE, new Uint8Array([0x03, 0xe8]), MASK));
    assert.equal(await client.readAll(), expected + text([0x88, 0x02, 0x03, 0xe8]));
  } finally {
    await client.close();
    await service.close();
  }
});

test("upgrade example (WebSocket): frames of 126+ bytes and unmasked client frames are refused", async () => {
  const service = await startServer();
  const handshake = "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
  try {
    const big = await RawClient.connect(service.port);
    big.write(handshake);
    const head = await big.until("\r\n\r\n");
    big.write(new Uint8Array([0x81, 0x80 | 126, 0x00, 0x7e, ...MASK])); // 16-bit length form
    assert.equal(await big.readAll(), head + text([0x88, 0x02, 0x03, 0xf1])); // close 1009: too big
    await big.close();

    const unmasked = await RawClient.connect(service.port);
    unmasked.write(handshake);
    await unmasked.until("\r\n\r\n");
    unmasked.write(encodeFrame(OP_TEXT, encoder.encode("no mask")));
    assert.ok((await unmasked.readAll()).endsWith(text([0x88, 0x02, 0x03, 0xea]))); // 1002: protocol error
    await unmasked.close();
  } finally {
    await service.close();
  }
});

test("upgrade example: FrameReader reassembles frames split across reads", () => {
  const reader = new FrameReader("masked");
  const frame = encodeFrame(OP_TEXT, encoder.encode("split me"), MASK);
  assert.deepEqual(reader.push(frame.subarray(0, 1)), []);
  assert.deepEqual(reader.push(frame.subarray(1, 7)), []);
  const [got] = reader.push(new Uint8Array([...frame.subarray(7), ...frame]));
  assert.equal(got!.opcode, OP_TEXT);
  assert.equal(new TextDecoder().decode(got!.payload), "split me");
});
