/**
 * One contract suite for whichever runtime transport is active (`defaultTransport()`): Deno's under
 * `deno test`, Bun's under `bun test`. Every case runs over TCP on 127.0.0.1, over a unix socket in a
 * temporary directory and over TLS on TCP (the fixtures' localhost certificate), unless it is about one of
 * them only.
 */

import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "../_harness.ts";
import type {
  ConnectTarget,
  ListenTarget,
  TransportConn,
  TransportListener,
} from "../../src/io/transport.ts";
import { defaultTransport } from "../../src/transports/pick.ts";
import { pattern, Probe } from "./_probe.ts";
import { fixture } from "../https/_tls.ts";

const transport = defaultTransport();

type Kind = "tcp" | "unix" | "tls";
const KINDS: readonly Kind[] = ["tcp", "unix", "tls"];
const SERVER_TLS = { key: fixture("server.key"), cert: fixture("server.pem") };
const CLIENT_TLS = { ca: fixture("ca.pem"), servername: "localhost" };

interface Pair {
  listener: TransportListener;
  client: TransportConn;
  server: TransportConn;
  connectTarget: ConnectTarget;
  dispose(): Promise<void>;
}

async function tempDir(): Promise<string> {
  return await mkdtemp(join(tmpdir(), "wire-http-transport-"));
}

/** Opens a listener and one connection to it; `dispose` closes the listener and removes the temp dir. */
async function openPair(kind: Kind): Promise<Pair> {
  const dir = kind === "unix" ? await tempDir() : undefined;
  const listenTarget: ListenTarget = dir === undefined
    ? { port: 0, hostname: "127.0.0.1" }
    : { path: join(dir, "s.sock") };
  const accepted = Promise.withResolvers<TransportConn>();
  const tls = kind === "tls";
  const listener = await transport.listen(
    listenTarget,
    (conn) => accepted.resolve(conn),
    tls ? { tls: SERVER_TLS } : undefined,
  );
  const connectTarget: ConnectTarget = "path" in listenTarget
    ? { path: listenTarget.path }
    : { hostname: "127.0.0.1", port: listener.address.port };
  const client = await transport.connect(connectTarget, tls ? { tls: CLIENT_TLS } : undefined);
  const server = await accepted.promise;
  return {
    listener,
    client,
    server,
    connectTarget,
    async dispose() {
      await listener.close();
      if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Destroys both ends and waits for both `onClose`s. */
async function destroyBoth(a: Probe, b: Probe): Promise<void> {
  a.conn.destroy();
  b.conn.destroy();
  await Promise.all([a.closed.promise, b.closed.promise]);
}

for (const kind of KINDS) {
  test(`${transport.name} ${kind}: bytes echo back exactly and both ends close cleanly`, async () => {
    const { listener: _l, client, server, dispose } = await openPair(kind);
    // The echo keeps the view it hands to write(), so it answers onData with true (no copy).
    let serverCloses = 0;
    const serverClosed = Promise.withResolvers<Error | undefined>();
    server.start({
      onData: (chunk) => (server.write(chunk), true),
      onEnd: () => server.end(),
      onDrain: () => {},
      onClose: (error) => (serverCloses++, serverClosed.resolve(error)),
    });
    const probe = new Probe(client);
    const sent: Uint8Array[] = [];
    for (const size of [1, 2, 100, 4096, 65_535, 65_536, 65_537, 300_000, 7]) {
      const chunk = pattern(size, sent.length);
      sent.push(chunk);
      client.write(chunk.slice());
    }
    const total = sent.reduce((n, c) => n + c.byteLength, 0);
    await probe.receivedAtLeast(total);
    const expected = new Uint8Array(total);
    let offset = 0;
    for (const chunk of sent) {
      expected.set(chunk, offset);
      offset += chunk.byteLength;
    }
    assert.deepEqual(probe.bytes(), expected);
    client.end();
    await probe.ended.promise;
    assert.equal(await probe.closed.promise, undefined);
    assert.equal(await serverClosed.promise, undefined);
    assert.equal(probe.closeCount, 1);
    assert.equal(probe.endCount, 1);
    assert.equal(serverCloses, 1);
    await dispose();
  });

  test(`${transport.name} ${kind}: write() returns false when the peer does not read, then onDrain`, async () => {
    const { client, server, dispose } = await openPair(kind);
    const reader = new Probe(server, { collect: false, paused: true });
    const writer = new Probe(client);
    const size = 8 * 1024 * 1024;
    assert.equal(client.write(pattern(size)), false);
    assert.ok(client.bufferedAmount > 0);
    const drained = writer.drained();
    reader.conn.resume();
    await drained;
    assert.equal(client.bufferedAmount, 0);
    assert.equal(writer.drainCount, 1);
    await reader.receivedAtLeast(size);
    assert.equal(reader.received, size);
    await destroyBoth(reader, writer);
    await dispose();
  });

  test(`${transport.name} ${kind}: requestDrain() brings one onDrain once all is flushed, even with nothing queued`, async () => {
    const { client, server, dispose } = await openPair(kind);
    const reader = new Probe(server, { collect: false, paused: true });
    const writer = new Probe(client);
    assert.ok(client.requestDrain, "the in-tree adapters have it");
    // Nothing queued: the drain comes anyway, later.
    let drained = writer.drained();
    client.requestDrain();
    assert.equal(writer.drainCount, 0);
    await drained;
    assert.equal(writer.drainCount, 1);
    // A write under the adapter's own mark that the OS cannot take yet (the peer does not read): the
    // drain waits until the peer has read enough for the rest to go out.
    const size = 8 * 1024 * 1024;
    client.write(pattern(size));
    drained = writer.drained();
    client.requestDrain();
    assert.ok(client.bufferedAmount > 0);
    reader.conn.resume();
    await drained;
    assert.equal(client.bufferedAmount, 0);
    assert.equal(writer.drainCount, 2);
    await reader.receivedAtLeast(size);
    await destroyBoth(reader, writer);
    await dispose();
  });

  test(`${transport.name} ${kind}: pause() stops onData and resume() delivers the rest exactly`, async () => {
    const { client, server, dispose } = await openPair(kind);
    const reader = new Probe(server);
    const writer = new Probe(client);
    const size = 8 * 1024 * 1024;
    const data = pattern(size, 3);
    let state: "flowing" | "paused" | "resumed" = "flowing";
    let deliveredWhilePaused = 0;
    const pausedNow = Promise.withResolvers<void>();
    reader.onChunk = (chunk) => {
      if (state === "paused") deliveredWhilePaused += chunk.byteLength;
      else if (state === "flowing" && reader.received + chunk.byteLength >= 64 * 1024) {
        // Pause from inside onData once some bytes are in: no onData may follow until resume().
        state = "paused";
        server.pause();
        pausedNow.resolve();
      }
    };
    assert.equal(client.write(data.slice()), false);
    await pausedNow.promise;
    const receivedAtPause = reader.received;
    // Waiting for something *not* to happen needs a clock: give the sender time to fill the socket
    // buffers (on loopback this takes well under a millisecond) and check nothing came through meanwhile.
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(deliveredWhilePaused, 0);
    assert.equal(reader.received, receivedAtPause);
    // The OS window pushed back: the sender still holds bytes it could not send. Not over Deno's node:tls
    // (2.9.6): its TLS layer takes every written byte into an unbounded buffer of its own at once, so
    // nothing shows as queued and 'drain' comes early (measured: 56 MiB to a peer that reads nothing,
    // RSS +93 MiB). README's HTTPS section states this limit; the receiving side's pause holds regardless.
    const earlyDrain = kind === "tls" && transport.name === "deno";
    if (!earlyDrain) {
      assert.ok(client.bufferedAmount > 0, "sender should be blocked while the receiver is paused");
      assert.equal(writer.drainCount, 0);
    }
    const drained = earlyDrain ? Promise.resolve() : writer.drained();
    state = "resumed";
    server.resume();
    await reader.receivedAtLeast(size);
    await drained;
    assert.deepEqual(reader.bytes(), data);
    await destroyBoth(reader, writer);
    await dispose();
  });

  test(`${transport.name} ${kind}: end() half-closes; the peer can still answer`, async () => {
    const { client, server, dispose } = await openPair(kind);
    const a = new Probe(client);
    const b = new Probe(server);
    client.write(new TextEncoder().encode("request"));
    client.end();
    await b.ended.promise;
    assert.equal(new TextDecoder().decode(b.bytes()), "request");
    // Writing after end() is refused.
    assert.equal(client.write(new Uint8Array(1)), false);
    const reply = pattern(200_000, 9);
    server.write(reply.slice());
    await a.receivedAtLeast(reply.byteLength);
    assert.deepEqual(a.bytes(), reply);
    assert.equal(a.endCount, 0);
    server.end();
    await a.ended.promise;
    assert.equal(await a.closed.promise, undefined);
    assert.equal(await b.closed.promise, undefined);
    assert.equal(a.closeCount, 1);
    assert.equal(b.closeCount, 1);
    await dispose();
  });

  test(`${transport.name} ${kind}: destroy() gives the peer onEnd and lets it close`, async () => {
    const { client, server, dispose } = await openPair(kind);
    const a = new Probe(client);
    const b = new Probe(server);
    client.destroy();
    client.destroy(); // twice is harmless
    client.end(); // and so is end() afterwards
    assert.equal(client.write(new Uint8Array(1)), false);
    await b.ended.promise;
    server.end();
    await b.closed.promise;
    assert.equal(await a.closed.promise, undefined);
    assert.equal(a.closeCount, 1);
    assert.equal(a.endCount, 0);
    assert.equal(b.closeCount, 1);
    await dispose();
  });

  test(`${transport.name} ${kind}: destroy(error) reports that error in onClose, once`, async () => {
    const { client, server, dispose } = await openPair(kind);
    const a = new Probe(client);
    const b = new Probe(server);
    const error = new Error("boom");
    client.destroy(error);
    assert.equal(await a.closed.promise, error);
    await b.ended.promise;
    server.destroy();
    await b.closed.promise;
    assert.equal(a.closeCount, 1);
    assert.equal(b.closeCount, 1);
    await dispose();
  });
}

test(`${transport.name} tcp: addresses report ports and IPv4`, async () => {
  const { listener, client, server, dispose } = await openPair("tcp");
  assert.equal(listener.address.family, "IPv4");
  assert.equal(listener.address.address, "127.0.0.1");
  assert.ok(listener.address.port > 0);
  assert.deepEqual(client.remote, { address: "127.0.0.1", port: listener.address.port, family: "IPv4" });
  assert.deepEqual(server.local, { address: "127.0.0.1", port: listener.address.port, family: "IPv4" });
  assert.equal(client.local.family, "IPv4");
  assert.ok(client.local.port > 0);
  assert.deepEqual(server.remote, client.local);
  client.setNoDelay(true);
  client.setKeepAlive(true, 1000);
  server.setNoDelay(false);
  await destroyBoth(new Probe(client), new Probe(server));
  await dispose();
});

test(`${transport.name} unix: addresses report the path and family unix`, async () => {
  const { listener, client, server, connectTarget, dispose } = await openPair("unix");
  const path = (connectTarget as { path: string }).path;
  assert.deepEqual(listener.address, { address: path, port: 0, family: "unix" });
  assert.deepEqual(client.remote, { address: path, port: 0, family: "unix" });
  assert.deepEqual(server.local, { address: path, port: 0, family: "unix" });
  assert.equal(client.local.family, "unix");
  assert.equal(server.remote.family, "unix");
  // No-ops on unix sockets, and must not throw.
  client.setNoDelay(true);
  client.setKeepAlive(true, 1000);
  await destroyBoth(new Probe(client), new Probe(server));
  await dispose();
});

test(`${transport.name} tcp: a reset from the peer arrives as onClose(ECONNRESET)`, async () => {
  // The resetting peer is a node:net server: `resetAndDestroy()` sends RST on both runtimes, while closing
  // a Deno conn with unread bytes sends FIN (checked on Deno 2.9.6), so the transport cannot reset itself.
  const server = createServer((socket) => {
    socket.on("error", () => {});
    socket.once("data", () => socket.resetAndDestroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const a = new Probe(await transport.connect({ hostname: "127.0.0.1", port }));
  a.conn.write(new Uint8Array([1]));
  const error = await a.closed.promise;
  assert.equal((error as { code?: string } | undefined)?.code, "ECONNRESET");
  assert.equal(a.closeCount, 1);
  await new Promise<void>((resolve, reject) => server.close((err) => err ? reject(err) : resolve()));
});

test(`${transport.name}: connecting to a closed port rejects with ECONNREFUSED`, async () => {
  const listener = await transport.listen({ port: 0, hostname: "127.0.0.1" }, (conn) => conn.destroy());
  const port = listener.address.port;
  await listener.close();
  await assert.rejects(transport.connect({ hostname: "127.0.0.1", port }), { code: "ECONNREFUSED" });
});

test(`${transport.name}: connecting to a missing unix path rejects with ENOENT`, async () => {
  const dir = await tempDir();
  try {
    await assert.rejects(transport.connect({ path: join(dir, "missing.sock") }), { code: "ENOENT" });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test(`${transport.name}: listening on a port in use rejects with EADDRINUSE`, async () => {
  const listener = await transport.listen({ port: 0, hostname: "127.0.0.1" }, (conn) => conn.destroy());
  try {
    await assert.rejects(
      transport.listen({ port: listener.address.port, hostname: "127.0.0.1" }, (conn) => conn.destroy()),
      { code: "EADDRINUSE" },
    );
  } finally {
    await listener.close();
  }
});

test(`${transport.name}: listening on a unix path in use rejects with EADDRINUSE`, async () => {
  const dir = await tempDir();
  const path = join(dir, "s.sock");
  const listener = await transport.listen({ path }, (conn) => conn.destroy());
  try {
    await assert.rejects(transport.listen({ path }, (conn) => conn.destroy()), { code: "EADDRINUSE" });
  } finally {
    await listener.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test(`${transport.name}: a closed listener keeps accepted connections open`, async () => {
  const { listener, client, server, dispose } = await openPair("tcp");
  await listener.close();
  const a = new Probe(client);
  const b = new Probe(server);
  client.write(new Uint8Array([42]));
  await b.receivedAtLeast(1);
  await destroyBoth(a, b);
  await dispose(); // closing twice is harmless
});

test(`${transport.name}: an aborted signal rejects connect`, async () => {
  const controller = new AbortController();
  controller.abort(new Error("stop"));
  await assert.rejects(
    transport.connect({ hostname: "127.0.0.1", port: 1 }, { signal: controller.signal }),
    /stop/,
  );
});

test(`${transport.name}: reusePort either binds a second listener or rejects with a code`, async () => {
  const first = await transport.listen(
    { port: 0, hostname: "127.0.0.1", reusePort: true },
    (c) => c.destroy(),
  )
    .catch((error: { code?: string }) => {
      // Deno without --unstable-net cannot set SO_REUSEPORT; it must say so rather than exit the process.
      assert.equal(error.code, "ERR_FEATURE_UNAVAILABLE_ON_PLATFORM");
      return undefined;
    });
  if (first === undefined) return;
  const second = await transport.listen(
    { port: first.address.port, hostname: "127.0.0.1", reusePort: true },
    (c) => c.destroy(),
  );
  assert.equal(second.address.port, first.address.port);
  await second.close();
  await first.close();
});
