/**
 * Certificate rotation without a restart: `server.setSecureContext()` gives new handshakes the new
 * certificate while connections opened before keep theirs and go on serving requests.
 *
 * @module
 */

import assert from "node:assert/strict";
import { test } from "../_harness.ts";
import { closeServer, RawClient } from "../_net.ts";
import { connectTls, fixturePath, listenHttps, named, peerName, pki, run } from "./_tls.ts";

const KEEP = (path: string) => `GET ${path} HTTP/1.1\r\nHost: localhost\r\n\r\n`;

test("setSecureContext: the next connection gets the new certificate, one opened before keeps working on the old", async () => {
  const { server, port } = await listenHttps({}, (req, res) => res.end(`${req.url}\n`));
  const opened = await connectTls(port, { servername: "localhost", ca: pki.ca });
  const old = RawClient.from(opened);
  old.write(KEEP("/one"));
  await old.until("/one\n");
  const before = await connectTls(port, { servername: "localhost", ca: pki.ca });
  assert.equal(peerName(before), "localhost");

  server.setSecureContext(named("renewed"));

  const after = await connectTls(port, { servername: "localhost", ca: pki.ca });
  assert.equal(peerName(after), "renewed/localhost");
  // A client without SNI gets the new default too (curl sends none for an IP address).
  const curl = await run("curl", [
    "-sS",
    "-w",
    "%{ssl_verify_result}",
    "--cacert",
    fixturePath("ca.pem"),
    "-v",
    `https://127.0.0.1:${port}/curl`,
  ]);
  assert.match(curl.stderr, /subject: O=renewed; CN=localhost/);
  assert.match(curl.stdout, /^\/curl\n0$/);
  // The connection opened before the swap still answers, and still over the old certificate.
  old.write(KEEP("/two"));
  assert.match(await old.until("/two\n"), /\/one\n[^]*\/two\n$/);
  assert.equal(peerName(opened), "localhost");
  for (const conn of [before, after]) await RawClient.from(conn).close();
  await old.close();
  await closeServer(server);
});

test("setSecureContext before listen() sets the certificate it starts with; names added stay", async () => {
  const server = (await import("../../src/https/mod.ts")).createServer(
    { key: pki.serverKey, cert: pki.serverCert },
    (_req, res) => res.end(),
  );
  server.setSecureContext(named("renewed"));
  server.addContext("a.test", named("a"));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  const plain = await connectTls(port, { servername: "localhost", ca: pki.ca });
  assert.equal(peerName(plain), "renewed/localhost");
  server.setSecureContext({ key: pki.serverKey, cert: pki.serverCert });
  const a = await connectTls(port, { servername: "a.test", ca: pki.ca });
  assert.equal(peerName(a), "a.test");
  for (const conn of [plain, a]) await RawClient.from(conn).close();
  await closeServer(server);
});

test("setSecureContext with material that does not parse throws and keeps the current certificate", async () => {
  const { server, port } = await listenHttps({}, (_req, res) => res.end());
  assert.throws(() => server.setSecureContext({ key: "not a key", cert: "not a certificate" }));
  // A key that is not the certificate's: Node's code on both runtimes.
  assert.throws(
    () => server.setSecureContext({ key: named("a").key, cert: named("renewed").cert }),
    { code: "ERR_OSSL_X509_KEY_VALUES_MISMATCH" },
  );
  const conn = await connectTls(port, { servername: "localhost", ca: pki.ca });
  assert.equal(peerName(conn), "localhost");
  await RawClient.from(conn).close();
  await closeServer(server);
});
