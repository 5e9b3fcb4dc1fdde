/**
 * The HTTPS server over real sockets on both runtimes: mutual TLS, the socket's TLS facts, refused
 * handshakes reported as 'tlsClientError' without touching other connections, and curl as the client.
 *
 * Verified against node:https on Node 20 (tests/https/fixtures, same scenarios): without requestCert a
 * TLS socket reports authorized false and authorizationError null; with requestCert and no client
 * certificate, authorized false and "UNABLE_TO_GET_ISSUER_CERT"; getPeerCertificate() is {} then. A TLS
 * socket's `_secureEstablished` is true in the request listener (test-http-url.parse-https.request.js
 * passes under node); a plain socket's is undefined on both ends (checked under node). A connection the
 * server accepted before `close()` (it sent its first flight) whose handshake ends after it is served, and
 * the server closes once it is done (checked under node with node:https: served, there with keep-alive).
 *
 * @module
 */

import assert from "node:assert/strict";
import net from "node:net";
import { Duplex } from "node:stream";
import tls from "node:tls";
import { once, test } from "../_harness.ts";
import { closeServer, listen, RawClient } from "../_net.ts";
import { fixturePath, listenHttps, pki, rawTls, run } from "./_tls.ts";
import type { IncomingMessage } from "../../src/io/incoming_message.ts";
import { Server } from "../../src/https/server.ts";
import { constructFunctionStyle } from "../_subclass.ts";
import type { ServerResponse } from "../../src/server/server_response.ts";

const GET = "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";

/** Answers with the TLS facts of the request's socket as JSON. */
function reportTls(req: IncomingMessage, res: ServerResponse): void {
  const s = req.socket;
  const cert = s.getPeerCertificate() as Record<string, unknown>;
  res.setHeader("content-type", "application/json");
  res.end(JSON.stringify({
    encrypted: s.encrypted,
    authorized: s.authorized,
    authorizationError: s.authorizationError,
    verifyPeer: s.verifyPeer(),
    subject: cert.subject ?? null,
    issuerCN: (cert.issuer as Record<string, string> | undefined)?.CN ?? null,
    hasRaw: cert.raw instanceof Uint8Array && cert.raw.byteLength > 0,
    fingerprint256: typeof cert.fingerprint256 === "string" &&
      /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/.test(cert.fingerprint256),
    validTo: cert.valid_to ?? null,
    protocol: s.getProtocol(),
    cipher: typeof s.getCipher()?.name === "string",
    alpn: s.alpnProtocol,
    servername: s.servername,
    secureEstablished: s._secureEstablished,
  }));
}

function body(text: string): Record<string, unknown> {
  return JSON.parse(text.slice(text.indexOf("\r\n\r\n") + 4));
}

test("mutual TLS: the server sees the client's certificate subject and verifyPeer() is true", async () => {
  const { server, port } = await listenHttps({ ca: pki.ca, requestCert: true }, reportTls);
  const client = await rawTls(port, {
    ca: pki.ca,
    key: pki.clientKey,
    cert: pki.clientCert,
    servername: "localhost",
    ALPNProtocols: ["http/1.1"],
  });
  client.write(GET);
  const facts = body(await client.readAll());
  assert.deepEqual(facts, {
    encrypted: true,
    authorized: true,
    authorizationError: null,
    verifyPeer: true,
    subject: { O: "wire-http tests", CN: "test-client" },
    issuerCN: "wire-http Test CA",
    hasRaw: true,
    fingerprint256: true,
    validTo: facts.validTo,
    protocol: "TLSv1.3",
    cipher: true,
    alpn: "http/1.1",
    servername: "localhost",
    secureEstablished: true,
  });
  assert.match(String(facts.validTo), /^[A-Z][a-z]{2} +\d+ \d\d:\d\d:\d\d \d{4} GMT$/);
  await client.close();
  await closeServer(server);
});

test("no client certificate with rejectUnauthorized false: authorized false, request still served", async () => {
  const { server, port } = await listenHttps(
    { ca: pki.ca, requestCert: true, rejectUnauthorized: false },
    reportTls,
  );
  const client = await rawTls(port, { ca: pki.ca, servername: "localhost" });
  client.write(GET);
  const facts = body(await client.readAll());
  assert.equal(facts.authorized, false);
  assert.equal(facts.authorizationError, "UNABLE_TO_GET_ISSUER_CERT");
  assert.equal(facts.verifyPeer, false);
  assert.equal(facts.subject, null);
  await client.close();
  await closeServer(server);
});

test("without requestCert nothing is asked: authorized false, no authorization error, no SNI from an IP", async () => {
  const { server, port } = await listenHttps({}, reportTls);
  const client = await rawTls(port, { ca: pki.ca });
  client.write(GET);
  const facts = body(await client.readAll());
  assert.equal(facts.authorized, false);
  assert.equal(facts.authorizationError, null);
  assert.equal(facts.verifyPeer, false);
  assert.equal(facts.servername, false);
  await client.close();
  await closeServer(server);
});

test("a refused client certificate is a 'tlsClientError'; a connection already open carries on", async () => {
  const { server, port } = await listenHttps(
    { ca: pki.ca, requestCert: true },
    (req, res) => res.end(req.url),
  );
  const KEEP = (path: string) => `GET ${path} HTTP/1.1\r\nHost: localhost\r\n\r\n`;
  const ok = await rawTls(port, {
    ca: pki.ca,
    key: pki.clientKey,
    cert: pki.clientCert,
    servername: "localhost",
  });
  ok.write(KEEP("/first"));
  await ok.until("/first");
  const tlsError = once<[Error & { code?: string }, { remoteAddress: string }]>(server, "tlsClientError");
  // No certificate while the server requires one: depending on TLS 1.3 timing the client sees the
  // refusal during its handshake or as the connection closing right after it.
  const refused = await rawTls(port, { ca: pki.ca, servername: "localhost" }).then(
    async (client) => {
      client.write(GET);
      const text = await client.readAll().catch(() => "");
      await client.close();
      return text;
    },
    () => "",
  );
  assert.equal(refused, "");
  const [error, info] = await tlsError;
  assert.equal(typeof error.code, "string");
  assert.equal(info.remoteAddress, "127.0.0.1");
  // The connection opened before the failure is untouched: its next request is served on it.
  ok.write(KEEP("/second"));
  assert.match(
    await ok.until("/second"),
    /^HTTP\/1\.1 200 OK\r\n[^]*\/first[^]*HTTP\/1\.1 200 OK\r\n[^]*\/second$/,
  );
  await ok.close();
  await closeServer(server);
});

test("plain HTTP sent to the TLS port is a 'tlsClientError', never a request", async () => {
  let requests = 0;
  const { server, port } = await listenHttps({}, (_req, res) => {
    requests++;
    res.end();
  });
  const tlsError = once<[Error & { code?: string }]>(server, "tlsClientError");
  const { RawClient } = await import("../_net.ts");
  const plain = await RawClient.connect(port);
  plain.write(GET);
  await plain.readAll();
  const [error] = await tlsError;
  assert.ok(error instanceof Error);
  assert.equal(requests, 0);
  await plain.close();
  await closeServer(server);
});

test("curl --cacert talks to our HTTPS server, with and without a client certificate", async () => {
  const { server, port } = await listenHttps(
    { ca: pki.ca, requestCert: true, rejectUnauthorized: false },
    (req, res) =>
      res.end(`hello ${req.socket.verifyPeer() ? "verified" : "anonymous"} ${req.socket.getProtocol()}\n`),
  );
  const url = `https://localhost:${port}/`;
  const common = ["-sS", "--cacert", fixturePath("ca.pem"), "--resolve", `localhost:${port}:127.0.0.1`];
  const anonymous = await run("curl", [...common, url]);
  assert.equal(anonymous.stderr, "");
  assert.equal(anonymous.stdout, "hello anonymous TLSv1.3\n");
  const mutual = await run("curl", [
    ...common,
    "--cert",
    fixturePath("client.pem"),
    "--key",
    fixturePath("client.key"),
    url,
  ]);
  assert.equal(mutual.stdout, "hello verified TLSv1.3\n");
  await closeServer(server);
});

test("a client that never finishes its handshake is dropped after handshakeTimeout with 'tlsClientError'", async () => {
  let requests = 0;
  const { server, port } = await listenHttps({ handshakeTimeout: 150 }, (_req, res) => {
    requests++;
    res.end();
  });
  const tlsError = once<[Error & { code?: string }]>(server, "tlsClientError");
  const { RawClient } = await import("../_net.ts");
  const silent = await RawClient.connect(port);
  const [error] = await tlsError;
  assert.equal(error.code, "ERR_TLS_HANDSHAKE_TIMEOUT");
  assert.equal(await silent.readAll(), "");
  assert.equal(requests, 0);
  await silent.close();
  await closeServer(server);
});

test("a plain socket has no _secureEstablished, as a net.Socket has none", async () => {
  let seen: unknown = "not called";
  const { server, port } = await listen({}, (req, res) => {
    seen = req.socket._secureEstablished;
    res.end();
  });
  const client = await RawClient.connect(port);
  client.write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  await client.readAll();
  await client.close();
  await closeServer(server);
  assert.equal(seen, undefined);
});

test("a connection accepted before close() whose handshake ends after it is served, then the server closes", async () => {
  const { server, port } = await listenHttps({}, (_req, res) => res.end("served"));
  const raw = net.connect(port, "127.0.0.1");
  const rawClosed = once(raw, "close");
  await once(raw, "connect");
  // The TLS client talks through this stream, so the test sees the server's first flight arrive: the
  // server has accepted the connection by then. close() comes before the handshake can end.
  const wire = new Duplex({
    read() {},
    write(chunk, _encoding, callback) {
      raw.write(chunk, callback);
    },
    final(callback) {
      raw.end();
      callback();
    },
  });
  let closed: Promise<void> | undefined;
  raw.on("data", (bytes: Uint8Array) => {
    closed ??= new Promise<void>((resolve) => server.close(() => resolve()));
    wire.push(bytes);
  });
  raw.on("end", () => wire.push(null));
  const client = tls.connect({ socket: wire, rejectUnauthorized: false, servername: "localhost" });
  await once(client, "secureConnect");
  let text = "";
  client.on("data", (chunk: Uint8Array) => text += new TextDecoder().decode(chunk));
  const ended = once(client, "end");
  client.write("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
  await ended;
  await closed;
  client.destroy();
  raw.destroy();
  await rawClosed;
  // A closing server's answer says close (README): the connection does not outlive the server.
  assert.equal(
    text.replace(/Date: [^\r]*\r\n/, ""),
    "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 6\r\n\r\nserved",
  );
});

// Node's function-style subclassing, as the HTTP server takes it: `https.Server.call(this, options,
// listener)` sets up an object the subclass's own constructor made. Checked under Node 20 with node:https:
// `call returns undefined`, `instanceof true headersTimeout 60000`, then the request over TLS is served
// and 'secureConnection' fired once.
test("https.Server.call(this) sets up a function-style subclass as a working HTTPS server", async () => {
  const { made: server, returned } = constructFunctionStyle<Server>(
    Server,
    { key: pki.serverKey, cert: pki.serverCert },
    (_req: IncomingMessage, res: ServerResponse) => res.end("hello from a subclass"),
  );
  assert.equal(returned, undefined);
  assert.ok(server instanceof Server);
  assert.equal(server.headersTimeout, 60_000);
  let secureConnections = 0;
  server.on("secureConnection", () => secureConnections++);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  const client = await rawTls(port, { ca: pki.ca, servername: "localhost" });
  client.write(GET);
  assert.ok((await client.readAll()).endsWith("hello from a subclass"));
  await client.close();
  assert.equal(secureConnections, 1);
  await closeServer(server as unknown as Parameters<typeof closeServer>[0]);
});
