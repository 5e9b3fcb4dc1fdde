/**
 * `startTls(socket)` from `@wire/http/https` on a transport with a native `startTls` (the workerd shape:
 * a pair opened plain whose `startTls()` returns the encrypted pair). Here the pair is `node:net` through
 * `Duplex.toWeb`, and its `startTls()` runs `node:tls` over the same TCP socket, standing in for the
 * runtime. The Deno and Bun transports have no native `startTls`; their path (node:tls over the Socket)
 * is covered by the proxy example's tunnel test.
 *
 * @module
 */

import assert from "node:assert/strict";
import { connect as netConnect } from "node:net";
import { Duplex } from "node:stream";
import { connect as tlsConnect } from "node:tls";
import { once, test } from "../_harness.ts";
import { closeServer } from "../_net.ts";
import { fromWebStreams, type WebStreamPair } from "../../src/transports/web_streams.ts";
import { Socket } from "../../src/io/socket.ts";
import { request, startTls } from "../../src/https/mod.ts";
import type { IncomingMessage } from "../../src/io/incoming_message.ts";
import { listenHttps, pki } from "./_tls.ts";

test("startTls() hands a socket to the transport's native startTls and speaks HTTPS on the result", async () => {
  const { server, port } = await listenHttps({}, (req, res) => res.end(`hello ${req.socket.servername}`));
  const tcp = netConnect({ host: "127.0.0.1", port });
  await new Promise<void>((resolve, reject) => {
    tcp.once("connect", () => resolve());
    tcp.once("error", reject);
  });
  const names: (string | undefined)[] = [];
  const pair = Duplex.toWeb(tcp) as unknown as WebStreamPair;
  pair.startTls = (options) => {
    names.push(options?.expectedServerHostname);
    const secure = tlsConnect({ socket: tcp, servername: options?.expectedServerHostname, ca: pki.ca });
    const next = Duplex.toWeb(secure) as unknown as WebStreamPair;
    next.opened = new Promise((resolve, reject) => {
      secure.once("secureConnect", () => resolve(undefined));
      secure.once("error", reject);
    });
    return next;
  };
  const plain = new Socket(fromWebStreams(pair, { remote: { address: "127.0.0.1", port, family: "IPv4" } }));
  const secure = await startTls(plain, { servername: "localhost" });
  assert.equal(secure.encrypted, true);
  assert.equal(secure.authorized, true);
  assert.deepEqual(names, ["localhost"]);
  const req = request({ host: "localhost", port, agent: false, createConnection: () => secure });
  req.end();
  const [res] = await once<[IncomingMessage]>(req, "response");
  assert.equal(await res.text(), "hello localhost");
  await closeServer(server);
});
