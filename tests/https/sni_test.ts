/**
 * Many names on one HTTPS server: `addContext()` (wildcards as Node: one label), `SNICallback` answering
 * at once or later, a failing `SNICallback` reported as 'tlsClientError' for that handshake only, and the
 * default certificate for a client that sends no name. curl checks each name's certificate against the
 * test CA, so a wrong certificate fails the request.
 *
 * @module
 */

import assert from "node:assert/strict";
import { once, test } from "../_harness.ts";
import { closeServer, RawClient } from "../_net.ts";
import { connectTls, fixturePath, listenHttps, named, peerName, pki, run } from "./_tls.ts";

const GET = "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";

/** curl to `https://NAME:port/` resolved to 127.0.0.1, verifying against the test CA. */
function curl(name: string, port: number): Promise<{ code: number; stdout: string; stderr: string }> {
  const url = `https://${name}:${port}/`;
  const resolve = name === "127.0.0.1" ? [] : ["--resolve", `${name}:${port}:127.0.0.1`];
  return run("curl", ["-sS", "--cacert", fixturePath("ca.pem"), ...resolve, url]);
}

test("addContext: curl gets each name's certificate, a wildcard covers one label, no SNI gets the default", async () => {
  const { server, port } = await listenHttps({}, (req, res) => res.end(`${req.socket.servername}\n`));
  server.addContext("a.test", named("a"));
  server.addContext("b.test", named("b"));
  server.addContext("*.wild.test", named("wild"));
  for (const name of ["a.test", "b.test", "x.wild.test"]) {
    const result = await curl(name, port);
    assert.equal(result.stderr, "", name);
    assert.equal(result.stdout, `${name}\n`);
  }
  // curl sends no SNI for an IP address: the default certificate (its SAN holds 127.0.0.1) answers.
  const bare = await curl("127.0.0.1", port);
  assert.equal(bare.stderr, "");
  assert.equal(bare.stdout, "false\n");
  // Two labels under the wildcard, or the bare parent, are not covered: the default certificate.
  for (const name of ["a.b.wild.test", "wild.test"]) {
    const conn = await connectTls(port, { servername: name, rejectUnauthorized: false });
    assert.equal(peerName(conn), "localhost", name);
    await RawClient.from(conn).close();
  }
  await closeServer(server);
});

test("addContext after listen() counts for the next handshake; the entry added last wins", async () => {
  const { server, port } = await listenHttps({}, (_req, res) => res.end());
  const before = await connectTls(port, { servername: "a.test", rejectUnauthorized: false });
  assert.equal(peerName(before), "localhost");
  server.addContext("*.test", named("b"));
  server.addContext("a.test", named("a"));
  const a = await connectTls(port, { servername: "a.test", ca: pki.ca });
  assert.equal(peerName(a), "a.test");
  const other = await connectTls(port, { servername: "b.test", ca: pki.ca });
  assert.equal(peerName(other), "b.test");
  for (const conn of [before, a, other]) await RawClient.from(conn).close();
  await closeServer(server);
});

test("SNICallback answering later picks the certificate; its error fails only that handshake", async () => {
  const asked: string[] = [];
  const { server, port } = await listenHttps(
    {
      SNICallback: (servername, callback) => {
        asked.push(servername);
        // Answer from a later turn, as a lookup in a certificate store would.
        void Promise.resolve().then(() => {
          if (servername === "refused.test") callback(new Error("no certificate for refused.test"));
          else callback(null, servername === "a.test" ? named("a") : undefined);
        });
      },
    },
    (req, res) => res.end(`${req.socket.servername}\n`),
  );
  const result = await curl("a.test", port);
  assert.equal(result.stderr, "");
  assert.equal(result.stdout, "a.test\n");
  const fallback = await connectTls(port, { servername: "localhost", ca: pki.ca });
  assert.equal(peerName(fallback), "localhost");
  const failed = once<[Error]>(server, "tlsClientError");
  await assert.rejects(connectTls(port, { servername: "refused.test", ca: pki.ca }));
  const [error] = await failed;
  assert.match(error.message, /refused\.test/);
  // The connection made before the failure still answers.
  const client = RawClient.from(fallback);
  client.write(GET);
  assert.match(await client.readAll(), /^HTTP\/1\.1 200 OK[^]*localhost\n$/);
  await client.close();
  assert.deepEqual(asked, ["a.test", "localhost", "refused.test"]);
  await closeServer(server);
});

test("SNICallback may answer with a context from node:tls createSecureContext()", async () => {
  const tls = await import("node:tls");
  const context = tls.createSecureContext(named("b"));
  const { server, port } = await listenHttps(
    { SNICallback: (_name, callback) => callback(null, context) },
    (_req, res) => res.end(),
  );
  const conn = await connectTls(port, { servername: "b.test", ca: pki.ca });
  assert.equal(peerName(conn), "b.test");
  await RawClient.from(conn).close();
  await closeServer(server);
});

test("addContext refuses an empty name with Node's code", async () => {
  const { server } = await listenHttps({}, (_req, res) => res.end());
  assert.throws(() => server.addContext("", named("a")), { code: "ERR_TLS_REQUIRED_SERVER_NAME" });
  await closeServer(server);
});

test("mutual TLS with a context chosen by SNI: that context's ca verifies the client, as in Node", async () => {
  const { server, port } = await listenHttps(
    { ca: pki.ca, requestCert: true, rejectUnauthorized: false },
    (req, res) => res.end(`${req.socket.servername} ${req.socket.authorized} ${peerCn(req.socket)}\n`),
  );
  // Node verifies with the chosen context's CAs: a context without `ca` does not trust the client
  // (Node 20.20.2: authorized false, SELF_SIGNED_CERT_IN_CHAIN); with it, the client is authorized.
  server.addContext("a.test", named("a"));
  server.addContext("b.test", { ...named("b"), ca: pki.ca });
  const answers: string[] = [];
  for (const servername of ["a.test", "b.test"]) {
    const conn = await connectTls(port, { servername, ca: pki.ca, key: pki.clientKey, cert: pki.clientCert });
    const client = RawClient.from(conn);
    client.write(GET);
    answers.push((await client.readAll()).split("\r\n\r\n")[1]!);
    await client.close();
  }
  assert.deepEqual(answers, ["a.test false test-client\n", "b.test true test-client\n"]);
  await closeServer(server);
});

function peerCn(socket: { getPeerCertificate(): { subject?: Record<string, unknown> } }): string {
  return String(socket.getPeerCertificate().subject?.CN);
}
