/**
 * An upgrade (the `wss:` shape) over TLS on both runtimes: the server's `'upgrade'` socket and the
 * client's are the encrypted sockets, and bytes after `101` flow both ways through TLS. As Node's
 * tls.Server (checked under node: an https server's socket has `allowHalfOpen` false, an http server's
 * true), the server's raw socket ends its side by itself after the client's FIN unless the server was made
 * with `allowHalfOpen: true`.
 *
 * @module
 */

import assert from "node:assert/strict";
import { once, test } from "../_harness.ts";
import { closeServer } from "../_net.ts";
import { request } from "../../src/https/mod.ts";
import type { IncomingMessage } from "../../src/io/incoming_message.ts";
import type { Socket } from "../../src/io/socket.ts";
import { listenHttps, pki } from "./_tls.ts";

/** An upgrade request to `protocol` over TLS to our test server, sent. */
function upgradeRequest(port: number, protocol: string): ReturnType<typeof request> {
  const req = request({
    host: "localhost",
    port,
    agent: false,
    ca: pki.ca,
    headers: { Connection: "Upgrade", Upgrade: protocol },
  });
  req.end();
  return req;
}

test("an upgrade over TLS: 101, then raw bytes both ways on the encrypted sockets", async () => {
  const { server, port } = await listenHttps({});
  let serverSide: Socket | undefined;
  server.on("upgrade", (_req: IncomingMessage, socket: Socket, head: Uint8Array) => {
    serverSide = socket;
    socket.write("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: shout\r\n\r\n");
    if (head.byteLength > 0) socket.write(new TextDecoder().decode(head).toUpperCase());
    socket.on("data", (chunk) => socket.write(new TextDecoder().decode(chunk as Uint8Array).toUpperCase()));
    socket.on("end", () => socket.end());
  });
  const req = upgradeRequest(port, "shout");
  const [res, socket] = await once<[IncomingMessage, Socket, Uint8Array]>(req, "upgrade");
  assert.equal(res.statusCode, 101);
  assert.equal(socket.encrypted, true);
  assert.equal(socket.authorized, true);
  let echoed = "";
  socket.on("data", (chunk) => (echoed += new TextDecoder().decode(chunk as Uint8Array)));
  const ended = new Promise<void>((resolve) => socket.once("end", () => resolve()));
  socket.write("hello through tls");
  socket.end();
  await ended;
  assert.equal(echoed, "HELLO THROUGH TLS");
  assert.equal(serverSide?.encrypted, true);
  await new Promise<void>((resolve) => socket.destroyed ? resolve() : socket.once("close", () => resolve()));
  await closeServer(server);
});

for (const allowHalfOpen of [undefined, true]) {
  test(`an upgraded TLS socket after the client's FIN (allowHalfOpen ${allowHalfOpen}): ${allowHalfOpen ? "stays writable" : "ends its side"}`, async () => {
    const { server, port } = await listenHttps(allowHalfOpen === undefined ? {} : { allowHalfOpen });
    const seen: string[] = [];
    const serverDone = new Promise<void>((resolve) => {
      server.on("upgrade", (_req: IncomingMessage, socket: Socket) => {
        seen.push(`allowHalfOpen ${socket.allowHalfOpen}`);
        socket.write("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: x\r\n\r\n");
        socket.on("end", () => {
          // A tick later: the stream's own end of the writable side (when not half-open) has run.
          setTimeout(() => {
            seen.push(`writableEnded ${socket.writableEnded}`);
            if (!socket.writableEnded) socket.end("still here");
            resolve();
          }, 0);
        });
        socket.resume();
      });
    });
    const req = upgradeRequest(port, "x");
    const [, socket] = await once<[IncomingMessage, Socket, Uint8Array]>(req, "upgrade");
    let text = "";
    socket.on("data", (chunk) => (text += new TextDecoder().decode(chunk as Uint8Array)));
    const closed = once(socket, "close");
    socket.end();
    await serverDone;
    await closed;
    await closeServer(server);
    assert.deepEqual(seen, [
      `allowHalfOpen ${allowHalfOpen === true}`,
      `writableEnded ${allowHalfOpen !== true}`,
    ]);
    assert.equal(text, allowHalfOpen ? "still here" : "");
  });
}
