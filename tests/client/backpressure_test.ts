import assert from "node:assert/strict";
import { test } from "../_harness.ts";
import { RawServer, stalled } from "../_net.ts";
import { request } from "../../mod.ts";
import { BODY_HIGH_WATER_MARK, type IncomingMessage } from "../../src/io/incoming_message.ts";

const TOTAL = 100 * 1024 * 1024;
/**
 * The most one socket read hands over: Deno reads into 64 KiB, Bun up to its receive buffer (uSockets'
 * 512 KiB; 96 KiB reads were seen here once the body queue's mark went down to 16 KiB).
 */
const LARGEST_READ = 512 * 1024;
const CHUNK = new Uint8Array(64 * 1024).fill(0x62);

test("a paused 100 MiB download holds a small, bounded buffer and then completes", async () => {
  let sent = 0;
  const server = await RawServer.start(async (conn) => {
    await conn.until("\r\n\r\n");
    conn.write(`HTTP/1.1 200 OK\r\nContent-Length: ${TOTAL}\r\n\r\n`);
    while (sent < TOTAL) {
      const size = Math.min(CHUNK.byteLength, TOTAL - sent);
      const ok = conn.write(CHUNK.subarray(0, size));
      sent += size;
      if (!ok) await conn.drained();
    }
  });
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: server.port, agent: false }, (res) => {
      res.pause();
      resolve(res);
    });
    req.on("error", reject);
    req.end();
  });
  await stalled(() => sent);
  assert.ok(
    response.readableLength <= BODY_HIGH_WATER_MARK + LARGEST_READ,
    `buffered ${response.readableLength}`,
  );
  assert.ok(sent < TOTAL / 2, `the server was not held back: sent ${sent}`);
  let received = 0;
  await new Promise<void>((resolve) => {
    response.on("data", (chunk) => (received += (chunk as Uint8Array).byteLength));
    response.on("end", resolve);
    response.resume();
  });
  assert.equal(received, TOTAL);
  await server.close();
});

// As Node 20, whose parser (the same for both ends) stops reading with `socket.pause()` once an unread
// response body fills its queue, and restarts with `socket.resume()`: the same scenario under node
// (node:http, 256 KiB body, read 50 ms after the first 'pause') gives "pause read resume ... end".
test("a response body nobody reads pauses the socket visibly: 'pause', then 'resume' once it is read", async () => {
  const size = 256 * 1024;
  const server = await RawServer.start(async (conn) => {
    await conn.until("\r\n\r\n");
    conn.write(`HTTP/1.1 200 OK\r\nContent-Length: ${size}\r\nConnection: close\r\n\r\n`);
    conn.write(new Uint8Array(size).fill(0x62));
  });
  const events: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: server.port, agent: false }, (res) => {
      res.socket.on("pause", () => {
        events.push("pause");
        if (events.length === 1) {
          events.push("read");
          res.resume();
        }
      });
      res.socket.on("resume", () => events.push("resume"));
      res.on("end", () => {
        events.push("end");
        resolve();
      });
    });
    req.on("error", reject);
    req.end();
  });
  await server.close();
  assert.deepEqual(events.slice(0, 3), ["pause", "read", "resume"]);
  assert.equal(events.at(-1), "end");
  assert.equal(events.filter((e) => e === "pause").length, events.filter((e) => e === "resume").length);
});
