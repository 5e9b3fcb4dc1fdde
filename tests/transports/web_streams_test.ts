/**
 * `fromWebStreams` and `webStreamsTransport`: in memory over cross-wired TransformStreams on both runtimes,
 * and over a real socket's streams.
 */

import assert from "node:assert/strict";
import { runtime, test } from "../_harness.ts";
import type { ConnectTarget, TransportConn } from "../../src/io/transport.ts";
import { fromWebStreams, type WebStreamPair, webStreamsTransport } from "../../src/transports/web_streams.ts";
import { defaultTransport } from "../../src/transports/pick.ts";
import { pattern, Probe } from "./_probe.ts";

/** Two stream pairs wired back to back: what one writes, the other reads. */
function memoryPairs(): [WebStreamPair, WebStreamPair] {
  const ab = new TransformStream<Uint8Array, Uint8Array>();
  const ba = new TransformStream<Uint8Array, Uint8Array>();
  return [
    { readable: ba.readable, writable: ab.writable },
    { readable: ab.readable, writable: ba.writable },
  ];
}

function memoryConns(): [TransportConn, TransportConn] {
  const [a, b] = memoryPairs();
  return [fromWebStreams(a), fromWebStreams(b)];
}

test("fromWebStreams() carries bytes both ways and half-closes with end()", async () => {
  const [left, right] = memoryConns();
  const a = new Probe(left);
  const b = new Probe(right);
  const request = pattern(300_000, 1);
  left.write(request.subarray(0, 1000));
  left.write(request.subarray(1000));
  left.end();
  await b.ended.promise;
  assert.deepEqual(b.bytes(), request);
  const reply = pattern(70_000, 2);
  right.write(reply);
  await a.receivedAtLeast(reply.byteLength);
  assert.deepEqual(a.bytes(), reply);
  right.end();
  assert.equal(await a.closed.promise, undefined);
  assert.equal(await b.closed.promise, undefined);
  assert.equal(a.endCount, 1);
  assert.equal(a.closeCount, 1);
  assert.equal(b.closeCount, 1);
});

test("fromWebStreams() write() returns false past the high-water mark, then onDrain", async () => {
  const [left, right] = memoryConns();
  const writer = new Probe(left);
  const reader = new Probe(right, { paused: true });
  let accepted = true;
  let sent = 0;
  while (accepted) {
    accepted = left.write(pattern(16 * 1024, sent));
    sent += 16 * 1024;
  }
  assert.ok(left.bufferedAmount > 64 * 1024);
  const drained = writer.drained();
  right.resume();
  await drained;
  assert.equal(left.bufferedAmount, 0);
  await reader.receivedAtLeast(sent);
  assert.equal(reader.received, sent);
  left.destroy();
  right.destroy();
  await Promise.all([writer.closed.promise, reader.closed.promise]);
});

test("fromWebStreams() pause() stops onData until resume()", async () => {
  const [left, right] = memoryConns();
  const writer = new Probe(left);
  const reader = new Probe(right);
  const first = Promise.withResolvers<void>();
  let deliveredWhilePaused = 0;
  let paused = false;
  reader.onChunk = (chunk) => {
    if (paused) deliveredWhilePaused += chunk.byteLength;
    else if (reader.received === 0) {
      paused = true;
      right.pause();
      first.resolve();
    }
  };
  left.write(new Uint8Array([1]));
  await first.promise;
  left.write(new Uint8Array([2, 3]));
  left.end();
  // The writer can only finish closing once the reader pulls, which it must not do while paused: the
  // stream's backpressure holds `end()` back. Let the event loop turn to show nothing leaks through.
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(deliveredWhilePaused, 0);
  assert.equal(reader.endCount, 0);
  paused = false;
  right.resume();
  await reader.ended.promise;
  assert.deepEqual(reader.bytes(), new Uint8Array([1, 2, 3]));
  right.end();
  await Promise.all([writer.closed.promise, reader.closed.promise]);
});

test("fromWebStreams() destroy() cancels both streams, calls close() and waits for closed", async () => {
  const [pairA, pairB] = memoryPairs();
  let closeCalls = 0;
  const closed = Promise.withResolvers<void>();
  const left = fromWebStreams({
    ...pairA,
    close: () => {
      closeCalls++;
      closed.resolve();
    },
    closed: closed.promise,
  }, { remote: { address: "10.0.0.1", port: 80, family: "IPv4" } });
  assert.deepEqual(left.remote, { address: "10.0.0.1", port: 80, family: "IPv4" });
  const right = fromWebStreams(pairB);
  const a = new Probe(left);
  const b = new Probe(right);
  const error = new Error("gone");
  left.destroy(error);
  left.destroy();
  assert.equal(left.write(new Uint8Array(1)), false);
  assert.equal(await a.closed.promise, error);
  assert.equal(closeCalls, 1);
  assert.equal(a.closeCount, 1);
  // In memory the abort reaches the other side as a stream error, not as EOF.
  assert.ok(await b.closed.promise instanceof Error);
  assert.equal(b.closeCount, 1);
});

test("fromWebStreams() waits for opened: a refused socket closes with a connect error, no write is tried", async () => {
  let writes = 0;
  let rejectOpen!: (e: Error) => void;
  const pair: WebStreamPair = {
    readable: new ReadableStream<Uint8Array>(),
    writable: new WritableStream<Uint8Array>({ write: () => void writes++ }),
    opened: new Promise((_, reject) => (rejectOpen = reject)),
  };
  const conn = fromWebStreams(pair);
  const closed = new Promise<Error | undefined>((resolve) =>
    conn.start({ onData: () => false, onEnd: () => {}, onDrain: () => {}, onClose: resolve })
  );
  conn.write(new Uint8Array([1, 2, 3]));
  rejectOpen(new Error("proxy request failed, cannot connect to the specified address"));
  const error = (await closed) as Error & { code?: string; syscall?: string };
  assert.equal(error.code, "ECONNREFUSED");
  assert.equal(error.syscall, "connect");
  assert.equal(writes, 0);
});

test("fromWebStreams() after opened: bytes flow; chunks are plain Uint8Arrays", async () => {
  const [a, b] = memoryPairs();
  let open!: () => void;
  const left = fromWebStreams({ ...a, opened: new Promise<void>((r) => (open = r)) });
  const right = fromWebStreams(b);
  const got = new Promise<Uint8Array>((resolve) =>
    right.start({ onData: (c) => (resolve(c), false), onEnd: () => {}, onDrain: () => {}, onClose: () => {} })
  );
  const leftClosed = new Promise<void>((r) =>
    left.start({ onData: () => false, onEnd: () => {}, onDrain: () => {}, onClose: () => r() })
  );
  left.write(new Uint8Array([7]));
  open();
  const chunk = await got;
  assert.deepEqual([...chunk], [7]);
  assert.equal(chunk.constructor, Uint8Array);
  left.destroy();
  right.destroy();
  await leftClosed;
});

test("fromWebStreams() a write that fails (another context's socket) closes it though a read never settles", async () => {
  // workerd: a socket from a finished invocation refuses I/O and its pending read never settles.
  const pair: WebStreamPair = {
    readable: new ReadableStream<Uint8Array>({ pull: () => new Promise(() => {}) }),
    writable: new WritableStream<Uint8Array>({
      write: () => {
        throw new Error("Cannot perform I/O on behalf of a different request. (I/O type: Writable)");
      },
    }),
  };
  const conn = fromWebStreams(pair);
  const closed = new Promise<Error | undefined>((resolve) =>
    conn.start({ onData: () => false, onEnd: () => {}, onDrain: () => {}, onClose: resolve })
  );
  conn.write(new Uint8Array([1]));
  const error = (await closed) as Error & { code?: string };
  assert.equal(error.code, "ERR_SOCKET_OTHER_CONTEXT");
});

test("webStreamsTransport() connects through the given function and cannot listen", async () => {
  const [near, far] = memoryPairs();
  const targets: ConnectTarget[] = [];
  const transport = webStreamsTransport((target) => {
    targets.push(target);
    return { ...near, opened: Promise.resolve() };
  });
  assert.equal(transport.name, "web-streams");
  await assert.rejects(transport.listen({ port: 0, hostname: "127.0.0.1" }, () => {}), {
    code: "ERR_METHOD_NOT_IMPLEMENTED",
  });
  const conn = await transport.connect({ hostname: "example.com", port: 8080 });
  assert.deepEqual(targets, [{ hostname: "example.com", port: 8080 }]);
  assert.deepEqual(conn.remote, { address: "example.com", port: 8080, family: "IPv4" });
  const a = new Probe(conn);
  const b = new Probe(fromWebStreams(far));
  conn.write(new Uint8Array([7, 8]));
  await b.receivedAtLeast(2);
  conn.end();
  await b.ended.promise;
  b.conn.end();
  await Promise.all([a.closed.promise, b.closed.promise]);
});

test("webStreamsTransport() rejects connect with the code of a failed open", async () => {
  const refused = Object.assign(new Error("refused"), { code: "ECONNREFUSED" });
  const [near] = memoryPairs();
  const opened = Promise.reject(refused);
  opened.catch(() => {});
  const transport = webStreamsTransport(() => ({ ...near, opened }));
  await assert.rejects(transport.connect({ hostname: "127.0.0.1", port: 1 }), { code: "ECONNREFUSED" });
  const failing = webStreamsTransport(() => Promise.reject(refused));
  await assert.rejects(failing.connect({ path: "/nowhere" }), { code: "ECONNREFUSED" });
});

interface DenoStreamConnLike {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
  close(): void;
}

/** A real TCP connection's bytes as a stream pair: Deno's own `conn.readable/writable`; on Bun, whose
 * `Bun.connect` has callbacks and no stream pair, a `node:net` socket through `Duplex.toWeb`. */
async function realSocketPair(port: number): Promise<WebStreamPair> {
  if (runtime === "deno") {
    const denoNs = (globalThis as unknown as {
      Deno: { connect(o: { hostname: string; port: number }): Promise<DenoStreamConnLike> };
    }).Deno;
    const socket = await denoNs.connect({ hostname: "127.0.0.1", port });
    return { readable: socket.readable, writable: socket.writable, close: () => socket.close() };
  }
  const net = await import("node:net");
  const { Duplex } = await import("node:stream");
  // allowHalfOpen: a TCP socket's two directions end separately, as the transport contract expects.
  const socket = net.connect({ port, host: "127.0.0.1", allowHalfOpen: true });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  const pair = Duplex.toWeb(socket) as unknown as WebStreamPair;
  return { readable: pair.readable, writable: pair.writable, close: () => socket.destroy(), closed };
}

// On Deno, closing `conn.writable` closes the whole resource (checked on 2.9.6: the readable then fails
// with BadResource), so this test lets the server end first and only then ends the stream pair.
test("fromWebStreams() over a real socket's readable/writable echoes and closes", async () => {
  const transport = defaultTransport();
  const data = pattern(500_000, 5);
  const serverClosed = Promise.withResolvers<void>();
  const listener = await transport.listen({ port: 0, hostname: "127.0.0.1" }, (conn) => {
    let echoed = 0;
    conn.start({
      onData: (chunk) => {
        conn.write(chunk);
        echoed += chunk.byteLength;
        if (echoed === data.byteLength) conn.end();
        return true;
      },
      onEnd: () => {},
      onDrain: () => {},
      onClose: () => serverClosed.resolve(),
    });
  });
  const conn = fromWebStreams(await realSocketPair(listener.address.port));
  const probe = new Probe(conn);
  conn.write(data.slice());
  await probe.ended.promise;
  assert.deepEqual(probe.bytes(), data);
  conn.end();
  assert.equal(await probe.closed.promise, undefined);
  await serverClosed.promise;
  await listener.close();
});

test("webStreamsTransport() TLS: secureTransport 'on' with tls, 'starttls' without; facts never pretend", async () => {
  const asked: string[] = [];
  const transport = webStreamsTransport((_target, options) => {
    asked.push(options.secureTransport);
    return memoryPairs()[0];
  });
  const plain = await transport.connect({ hostname: "example.com", port: 80 });
  const secure = await transport.connect({ hostname: "example.com", port: 443 }, {
    tls: { servername: "example.com", ALPNProtocols: ["http/1.1"] },
  });
  assert.deepEqual(asked, ["starttls", "on"]);
  assert.equal(plain.tls, undefined);
  const tls = secure.tls!;
  assert.equal(tls.authorized, true);
  assert.equal(tls.servername, "example.com");
  assert.equal(tls.getProtocol(), null);
  assert.throws(() => tls.getPeerCertificate(), { code: "ERR_FEATURE_UNAVAILABLE_ON_PLATFORM" });
  assert.throws(() => tls.getCipher(), { code: "ERR_FEATURE_UNAVAILABLE_ON_PLATFORM" });
  plain.destroy();
  secure.destroy();
});

test("webStreamsTransport() TLS: ca, client cert/key, rejectUnauthorized:false, another SNI are refused", async () => {
  let connects = 0;
  const transport = webStreamsTransport(() => (connects++, memoryPairs()[0]));
  for (
    const tls of [
      { ca: "CA" },
      { cert: "C", key: "K" },
      { rejectUnauthorized: false },
      { servername: "other.example" },
      { maxVersion: "TLSv1.2" as const },
      { ALPNProtocols: ["h2"] },
    ]
  ) {
    await assert.rejects(transport.connect({ hostname: "example.com", port: 443 }, { tls }), {
      code: "ERR_FEATURE_UNAVAILABLE_ON_PLATFORM",
    });
  }
  assert.equal(connects, 0);
});

test("fromWebStreams() startTls(): the runtime's startTls with the expected name; this conn is spent", async () => {
  const [a] = memoryPairs();
  const upgraded = memoryPairs()[0];
  const names: (string | undefined)[] = [];
  const conn = fromWebStreams({
    ...a,
    startTls: (options) => (names.push(options?.expectedServerHostname), upgraded),
  }, { remote: { address: "10.0.0.1", port: 443, family: "IPv4" } });
  assert.equal(typeof conn.startTls, "function");
  await assert.rejects(conn.startTls!({ ca: "CA" }), { code: "ERR_FEATURE_UNAVAILABLE_ON_PLATFORM" });
  const tls = await conn.startTls!({ servername: "api.example" });
  assert.deepEqual(names, ["api.example"]);
  assert.equal(tls.tls?.servername, "api.example");
  assert.equal(fromWebStreams(memoryPairs()[0]).startTls, undefined, "absent where the pair has no startTls");
  tls.destroy();
});
