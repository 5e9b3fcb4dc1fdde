/**
 * A failed TLS handshake reaches `'clientError'` as on Node's https server, with a socket: a client that
 * sends nothing until `handshakeTimeout`, a client that sends bytes that are not TLS, and a
 * `'clientError'` listener written as Node's docs show it (`socket.end("HTTP/1.1 400 ...")`).
 *
 * Measured on Node 20 (node:https, tests/https/fixtures, `handshakeTimeout: 50`, a `net.connect` that sends
 * nothing, then one that sends `de ad be ef 01 02 ...`): a new server has one `'tlsClientError'` listener
 * (its own, which emits `'clientError'`), so `'clientError'` comes first, then the user's
 * `'tlsClientError'`, both with the same `TLSSocket`: remoteAddress "127.0.0.1", remoteFamily "IPv4", a
 * number for remotePort, `encrypted` true, `_secureEstablished` false; codes ERR_TLS_HANDSHAKE_TIMEOUT and
 * ERR_SSL_WRONG_VERSION_NUMBER. For the bad bytes that socket is already destroyed (`destroyed` true,
 * `writable` false, readyState "closed"), and `socket.end("HTTP/1.1 400 ...")` then `destroy()` in the
 * listener neither throw nor emit 'error'; 'close' follows. On the timeout Node's socket is still open
 * while the listeners run (writable true), yet `end("HTTP/1.1 400 ...")` on it sends the client no byte
 * (no TLS session to carry it); ours has been closed by the transport in both cases.
 *
 * @module
 */

import assert from "node:assert/strict";
import tls from "node:tls";
import { once, test } from "../_harness.ts";
import { closeServer, RawClient } from "../_net.ts";
import { listenHttps } from "./_tls.ts";
import { Socket } from "../../src/io/socket.ts";
import type { Server } from "../../src/https/mod.ts";

type Failure = [Error & { code?: string }, Socket];

/**
 * The events of the next failed handshake, in the order they came, and the socket's `'close'` (listened
 * for from `'clientError'` on, as it follows in a later turn).
 */
function nextFailure(server: Server): Promise<{
  order: string[];
  clientError: Failure;
  tlsClientError: Failure;
  closed: Promise<unknown>;
}> {
  const order: string[] = [];
  let closed!: Promise<unknown>;
  server.once("clientError", (_err: Error, socket: Socket) => {
    order.push("clientError");
    closed = once(socket, "close");
  });
  server.once("tlsClientError", () => order.push("tlsClientError"));
  return Promise.all([
    once<Failure>(server, "clientError"),
    once<Failure>(server, "tlsClientError"),
  ]).then(([clientError, tlsClientError]) => ({ order, clientError, tlsClientError, closed }));
}

/** Node's shape of the failed handshake's socket, as measured (see the top of the file). */
function assertFailedSocket(socket: Socket): void {
  assert.ok(socket instanceof Socket);
  assert.ok(socket instanceof tls.TLSSocket);
  assert.equal(socket.remoteAddress, "127.0.0.1");
  assert.equal(socket.remoteFamily, "IPv4");
  assert.ok(Number.isInteger(socket.remotePort) && socket.remotePort! > 0);
  assert.equal(socket.encrypted, true);
  assert.equal(socket._secureEstablished, false);
  assert.equal(socket.destroyed, true);
  assert.equal(socket.writable, false);
  assert.equal(socket.readyState, "closed");
}

test("handshakeTimeout: 'clientError' then 'tlsClientError', with the same closed socket", async () => {
  const { server, port } = await listenHttps({ handshakeTimeout: 50 });
  // As Node's: the server's own listener, which passes the failure on as 'clientError'.
  assert.equal(server.listenerCount("tlsClientError"), 1);
  const failure = nextFailure(server);
  const silent = await RawClient.connect(port);
  const { order, clientError, tlsClientError, closed } = await failure;
  assert.deepEqual(order, ["clientError", "tlsClientError"]);
  assert.equal(clientError[0].code, "ERR_TLS_HANDSHAKE_TIMEOUT");
  assert.equal(tlsClientError[0], clientError[0]);
  assert.equal(tlsClientError[1], clientError[1]);
  assertFailedSocket(clientError[1]);
  assert.equal(await silent.readAll(), "");
  await silent.close();
  assert.deepEqual(await closed, [false]);
  await closeServer(server);
});

test("bytes that are not TLS: 'clientError' then 'tlsClientError', with the same closed socket", async () => {
  let requests = 0;
  const { server, port } = await listenHttps({}, (_req, res) => {
    requests++;
    res.end();
  });
  const failure = nextFailure(server);
  const garbage = await RawClient.connect(port);
  garbage.write(new Uint8Array([0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8]));
  const { order, clientError, tlsClientError, closed } = await failure;
  assert.deepEqual(order, ["clientError", "tlsClientError"]);
  assert.equal(typeof clientError[0].code, "string");
  assert.equal(tlsClientError[0], clientError[0]);
  assert.equal(tlsClientError[1], clientError[1]);
  assertFailedSocket(clientError[1]);
  // No HTTP answer (what comes, if anything, is the TLS layer's alert: Bun sends one).
  assert.doesNotMatch(await garbage.readAll(), /HTTP/);
  assert.equal(requests, 0);
  await garbage.close();
  assert.deepEqual(await closed, [false]);
  await closeServer(server);
});

test("a 'clientError' listener as in Node's docs: end() with a 400 and destroy() do nothing, and no 'error'", async () => {
  const { server, port } = await listenHttps({ handshakeTimeout: 50 });
  const seen: string[] = [];
  const closed = new Promise<boolean>((resolve) => {
    server.on("clientError", (err: Error & { code?: string }, socket: Socket) => {
      socket.on("close", resolve);
      // Node's docs' example, without its early return, so that the writes are tried.
      seen.push(`${err.code} writable=${socket.writable}`);
      socket.end("HTTP/1.1 400 Bad Request\r\n\r\n");
      socket.destroy();
    });
  });
  const silent = await RawClient.connect(port);
  // An 'error' on the socket would be uncaught here (no listener) and fail the test.
  assert.equal(await closed, false);
  assert.deepEqual(seen, ["ERR_TLS_HANDSHAKE_TIMEOUT writable=false"]);
  assert.equal(await silent.readAll(), "");
  await silent.close();
  await closeServer(server);
});
