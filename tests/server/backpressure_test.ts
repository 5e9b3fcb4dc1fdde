import assert from "node:assert/strict";
import { test } from "../_harness.ts";
import { closeServer, listen, RawClient, stalled } from "../_net.ts";
import { BODY_HIGH_WATER_MARK } from "../../src/io/incoming_message.ts";
import type { IncomingMessage } from "../../src/io/incoming_message.ts";

const TOTAL = 100 * 1024 * 1024;
/**
 * The most one socket read hands over: Deno reads into 64 KiB, Bun up to its receive buffer (uSockets'
 * 512 KiB; 96 KiB reads were seen here once the body queue's mark went down to 16 KiB).
 */
const LARGEST_READ = 512 * 1024;
const CHUNK = new Uint8Array(64 * 1024).fill(0x61);

test("a paused request stops reading the socket: a 100 MiB upload keeps server memory bounded", async () => {
  let request!: IncomingMessage;
  let gotRequest!: () => void;
  const arrived = new Promise<void>((r) => (gotRequest = r));
  let received = 0;
  const { server, port } = await listen({}, (req, res) => {
    request = req;
    req.pause();
    gotRequest();
    req.on("data", (chunk) => (received += (chunk as Uint8Array).byteLength));
    req.on("end", () => res.end(`received ${received}`));
  });
  const client = await RawClient.connect(port);
  client.write(`POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${TOTAL}\r\n\r\n`);
  let sent = 0;
  const sending = (async () => {
    while (sent < TOTAL) {
      const size = Math.min(CHUNK.byteLength, TOTAL - sent);
      const ok = client.write(CHUNK.subarray(0, size));
      sent += size;
      if (!ok) await client.drained();
    }
  })();
  await arrived;
  await stalled(() => sent);
  // While paused, the server holds at most the body queue's mark plus one socket read.
  assert.equal(received, 0);
  assert.ok(
    request.readableLength <= BODY_HIGH_WATER_MARK + LARGEST_READ,
    `buffered ${request.readableLength}`,
  );
  assert.ok(sent < TOTAL / 2, `the sender was not held back: sent ${sent}`);
  request.resume();
  await sending;
  const text = await client.until(`received ${TOTAL}`);
  await client.close();
  await closeServer(server);
  assert.ok(text.endsWith(`received ${TOTAL}`));
});

// As Node 20 (test-http-outgoing-finish.js passes under node): every write's callback runs, those of
// writes that returned false included, and all of them before 'finish', even when end() comes before any
// 'drain' (here the response waits behind a pipelined one, so its writes queue in it; under node the
// same scenario gives "cb 0", then "finish").
test("callbacks of writes that met backpressure run before 'finish' when end() overtakes the drain", async () => {
  const order: string[] = [];
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  let releaseFirst!: () => void;
  const { server, port } = await listen({}, (req, res) => {
    if (req.url === "/1") {
      releaseFirst = () => res.end("first");
      return;
    }
    const chunk = new Uint8Array(1024 * 1024).fill(120);
    let n = 0;
    let ok = true;
    while (ok) {
      const i = n++;
      ok = res.write(chunk, (err) => order.push(err ? `error ${i}` : `cb ${i}`));
    }
    res.on("finish", () => {
      order.push("finish");
      done();
    });
    res.end(chunk);
    releaseFirst();
  });
  const client = await RawClient.connect(port);
  client.write("GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  await client.readAll();
  await finished;
  await client.close();
  await closeServer(server);
  const writes = order.length - 1;
  assert.ok(writes >= 1);
  assert.deepEqual(order, [...Array.from({ length: writes }, (_, i) => `cb ${i}`), "finish"]);
});

// As Node 20's flood protection (test-http-pipeline-flood.js passes under node): once the socket's send
// queue is full, a new request stops the reading until it drains, so a client that pipelines requests
// without reading the answers is held back by its own TCP window instead of growing our send queue.
test("a client that pipelines without reading the answers is stopped: requests read stay bounded", async () => {
  const body = new Uint8Array(10240).fill(120);
  let requests = 0;
  const { server, port } = await listen({}, (_req, res) => {
    requests++;
    res.setHeader("content-length", body.byteLength);
    res.end(body);
  });
  const client = await RawClient.connect(port);
  client.pause();
  const batch = "GET / HTTP/1.1\r\nHost: x\r\n\r\n".repeat(1024);
  const total = 200;
  let sent = 0;
  let stop = false;
  const sending = (async () => {
    while (sent < total && !stop) {
      sent++;
      if (!client.write(batch)) await Promise.race([client.drained(), client.closed]);
    }
  })();
  await stalled(() => requests);
  stop = true;
  // Bounded by the socket buffers on both sides, far below what the client offered.
  assert.ok(requests < (total * 1024) / 2, `read ${requests} requests`);
  await client.close();
  await sending;
  await closeServer(server);
});

// As Node 20, whose parser stops reading with `socket.pause()` once an unread body fills the request's
// queue and restarts with `socket.resume()` when it is read (test-http-no-read-no-dump.js waits for that
// 'pause'). The same scenario under node (node:http, 256 KiB body, the body read 50 ms after the first
// 'pause') gives "pause read resume pause resume ... end".
test("a body nobody reads pauses the socket visibly: 'pause', then 'resume' once it is read", async () => {
  const size = 256 * 1024;
  const events: string[] = [];
  const { server, port } = await listen({}, (req, res) => {
    req.socket.on("pause", () => {
      events.push("pause");
      if (events.length === 1) {
        // Nothing more arrives while the socket is paused: the body is still short of complete.
        assert.equal(req.complete, false);
        events.push("read");
        req.resume();
      }
    });
    req.socket.on("resume", () => events.push("resume"));
    req.on("end", () => {
      events.push("end");
      res.end("ok");
    });
  });
  const client = await RawClient.connect(port);
  client.write(`POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${size}\r\nConnection: close\r\n\r\n`);
  client.write(new Uint8Array(size).fill(97));
  const text = await client.readAll();
  await client.close();
  await closeServer(server);
  assert.match(text, /^HTTP\/1\.1 200 /);
  assert.deepEqual(events.slice(0, 3), ["pause", "read", "resume"]);
  assert.equal(events.at(-1), "end");
  // Every pause was undone before the body ended.
  assert.equal(events.filter((e) => e === "pause").length, events.filter((e) => e === "resume").length);
});

// As Node 20 (test-http-outgoing-end-cork.js; the same three requests under node:http, by default and
// with `highWaterMark: 4096`, give "small true", "/exact false" then 'drain', "/below true"): a write as
// large as the socket's writableHighWaterMark returns false even when the OS takes it at once, and 'drain'
// follows; a smaller one returns true.
for (const highWaterMark of [undefined, 4096]) {
  test(
    `res.write() of a chunk as large as the socket's mark returns false, then 'drain' (${
      highWaterMark ?? "default"
    } mark)`,
    async () => {
      const seen: string[] = [];
      const { server, port } = await listen(
        highWaterMark === undefined ? {} : { highWaterMark },
        (req, res) => {
          const mark = res.socket!.writableHighWaterMark;
          if (req.url === "/small") {
            seen.push(`small ${res.write("x")}`);
            res.end();
            return;
          }
          const size = req.url === "/exact" ? mark : mark - 200;
          seen.push(`${req.url} ${res.write(new Uint8Array(size).fill(120))}`);
          if (req.url === "/below") {
            res.end();
            return;
          }
          res.once("drain", () => {
            seen.push("drain");
            res.end();
          });
        },
      );
      for (const path of ["/small", "/exact", "/below"]) {
        const client = await RawClient.connect(port);
        client.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
        await client.readAll();
        await client.close();
      }
      await closeServer(server);
      assert.deepEqual(seen, ["small true", "/exact false", "drain", "/below true"]);
    },
  );
}

// As Node 20, which sets `readableFlowing = null` on the socket it hands over: the same scenario under
// node (a 256 KiB body answered and read once it paused the socket, then an upgrade on the same
// connection) gives "flowing null", and the bytes sent after the switch reach the 'data' listener added
// later.
test("a socket handed over after the server paused and resumed it is not flowing: no byte is lost", async () => {
  const size = 256 * 1024;
  let pauses = 0;
  const { server, port } = await listen({}, (req, res) => {
    // Answered and read once the unread body paused the socket, so the answer is out before the upgrade.
    req.socket.once("pause", () => {
      res.end("ok");
      req.resume();
    });
  });
  server.on("connection", (socket) => socket.on("pause", () => pauses++));
  const got = new Promise<[number, boolean | null, string]>((resolve) => {
    server.on("upgrade", (_req, socket) => {
      const flowing = socket.readableFlowing;
      socket.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n");
      // The peer's bytes may already have arrived: they must wait for this listener.
      setTimeout(() => {
        socket.once("data", (chunk) => {
          resolve([pauses, flowing, String(chunk)]);
          socket.end();
        });
      }, 50);
    });
  });
  const client = await RawClient.connect(port);
  client.write(`POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${size}\r\n\r\n`);
  client.write(new Uint8Array(size).fill(97));
  client.write("GET /u HTTP/1.1\r\nHost: x\r\nConnection: upgrade\r\nUpgrade: echo\r\n\r\n");
  await client.until((text) => text.includes("101 Switching"));
  client.write("hello");
  const [paused, flowing, data] = await got;
  await client.readAll();
  await client.close();
  await closeServer(server);
  assert.ok(paused > 0, "the body paused the socket");
  assert.equal(flowing, null);
  assert.equal(data, "hello");
});
