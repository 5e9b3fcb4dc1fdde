/**
 * An upgrade (the `wss:` shape) over TLS on both runtimes: the server's `'upgrade'` socket and the
 * client's are the encrypted sockets, and bytes after `101` flow both ways through TLS.
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
  const req = request({
    host: "localhost",
    port,
    agent: false,
    ca: pki.ca,
    headers: { Connection: "Upgrade", Upgrade: "shout" },
  });
  req.end();
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
