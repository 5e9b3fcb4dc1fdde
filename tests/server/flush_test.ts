/**
 * What a response counts as written, as Node 20 counts it: `writableLength` is what was written and not
 * yet handed to the OS (held in the message, or in its socket); the writes of one tick are held together
 * (Node corks the socket until the next tick, so `writableCorked` is 1 until then) and go out as one;
 * `'finish'` comes once the last byte is handed to the OS, so a client that does not read holds it back.
 *
 * Checked under node 20 with node:http, the same two scenarios: "start 0", "grew 8 corked 1", "next tick
 * corked 0", "finish 0"; and for a 16 MiB body to a client that does not read: no 'finish' while it does
 * not read, then "finish 0" once it reads.
 */
import assert from "node:assert/strict";
import { test } from "../_harness.ts";
import { closeServer, listen, RawClient, stalled } from "../_net.ts";
import type { Socket } from "../../src/io/socket.ts";

test("res.writableLength counts the bytes not yet flushed; the writes of a tick are corked; 0 at 'finish'", async () => {
  const log: string[] = [];
  let finished!: () => void;
  const done = new Promise<void>((resolve) => (finished = resolve));
  const { server, port } = await listen({}, (_req, res) => {
    log.push(`start ${res.writableLength}`);
    res.write("");
    const len = res.writableLength;
    res.write("asd");
    // The chunk framed: "3\r\nasd\r\n".
    log.push(`grew ${res.writableLength - len} corked ${res.writableCorked}`);
    setTimeout(() => {
      log.push(`next tick corked ${res.writableCorked}`);
      res.end();
    }, 0);
    res.on("finish", () => {
      log.push(`finish ${res.writableLength}`);
      finished();
    });
  });
  const client = await RawClient.connect(port);
  client.write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  const text = await client.readAll();
  await done;
  await client.close();
  await closeServer(server);
  assert.match(text, /\r\n\r\n3\r\nasd\r\n0\r\n\r\n$/);
  assert.deepEqual(log, ["start 0", "grew 8 corked 1", "next tick corked 0", "finish 0"]);
});

test("'finish' waits until the body is handed to the OS: a client that does not read holds it back", async () => {
  const size = 16 * 1024 * 1024;
  let socket!: Socket;
  let finishedWith = -1;
  let finished!: () => void;
  const done = new Promise<void>((resolve) => (finished = resolve));
  const { server, port } = await listen({}, (_req, res) => {
    socket = res.socket!;
    res.setHeader("content-length", size);
    res.on("finish", () => {
      finishedWith = res.writableLength;
      finished();
    });
    res.end(new Uint8Array(size).fill(120));
  });
  const client = await RawClient.connect(port);
  client.pause();
  client.write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  // The kernel's buffers take what they can; the rest waits in the socket.
  await stalled(() => socket?.writableLength ?? -1);
  assert.ok(socket.writableLength > 0, "part of the body waits in the socket");
  assert.equal(finishedWith, -1, "no 'finish' while the client does not read");
  client.resume();
  await done;
  const text = await client.readAll();
  await client.close();
  await closeServer(server);
  assert.equal(finishedWith, 0);
  assert.ok(text.endsWith("x".repeat(16)));
});

// As Node 20 (test-http-byteswritten.js; under node the socket's bytesWritten counts what its cork
// holds): a body written in one loop is not held whole until the tick ends, the socket counts it as it goes.
test("a body written in one loop reaches the socket as it grows, not at the end of the tick", async () => {
  let during = -1;
  const { server, port } = await listen({}, (req, res) => {
    const chunk = "7".repeat(1024);
    for (let i = 0; i < 64; i++) res.write(chunk);
    during = req.socket.bytesWritten;
    res.end();
  });
  const client = await RawClient.connect(port);
  client.write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  const text = await client.readAll();
  await client.close();
  await closeServer(server);
  assert.ok(during >= 16 * 1024, `bytesWritten ${during} while the handler was still writing`);
  assert.ok(text.endsWith("7\r\n0\r\n\r\n"));
});
