/**
 * Node's remaining TLS options on both runtimes: `pfx` (PKCS#12) with its passphrase on the server and on
 * the client, `ALPNProtocols` as strings, bytes or one wire-format buffer, `'secureConnection'`,
 * `checkServerIdentity` through `https.request`, and `NODE_TLS_REJECT_UNAUTHORIZED=0` with Node's warning.
 *
 * Verified against Node 20.20.2: `tls.createSecureContext({ pfx, passphrase: "bad" })` throws "mac verify
 * failure"; with `NODE_TLS_REJECT_UNAUTHORIZED=0` a client connects to an untrusted server and Node warns
 * once: "Setting the NODE_TLS_REJECT_UNAUTHORIZED environment variable to '0' makes TLS connections and
 * HTTPS requests insecure by disabling certificate verification."
 *
 * @module
 */

import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { once, test } from "../_harness.ts";
import { closeServer, RawClient } from "../_net.ts";
import { createServer, get, Server } from "../../src/https/mod.ts";
import type { IncomingMessage } from "../../src/io/incoming_message.ts";
import type { Socket } from "../../src/io/socket.ts";
import { connectTls, fixtureBytes, fixturePath, listenHttps, peerName, pki, run } from "./_tls.ts";

async function text(res: IncomingMessage): Promise<string> {
  let out = "";
  for await (const chunk of res) out += new TextDecoder().decode(chunk as Uint8Array);
  return out;
}

test("pfx with its passphrase serves TLS: curl verifies it; the client presents a pfx too (mutual TLS)", async () => {
  const server = createServer(
    { pfx: fixtureBytes("server.p12"), passphrase: "wire-http", ca: pki.ca, requestCert: true },
    (req, res) => res.end(`hello ${peerSubject(req.socket)}\n`),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  const curl = await run("curl", [
    "-sS",
    "--cacert",
    fixturePath("ca.pem"),
    "--cert",
    fixturePath("client.pem"),
    "--key",
    fixturePath("client.key"),
    "--resolve",
    `localhost:${port}:127.0.0.1`,
    `https://localhost:${port}/`,
  ]);
  assert.equal(curl.stderr, "");
  assert.equal(curl.stdout, "hello test-client\n");
  const req = get({
    host: "localhost",
    port,
    agent: false,
    ca: pki.ca,
    pfx: [{ buf: fixtureBytes("client.p12"), passphrase: "wire-http" }],
  });
  const [res] = await once<[IncomingMessage]>(req, "response");
  assert.equal(await text(res), "hello test-client\n");
  await closeServer(server);
});

function peerSubject(socket: Socket): string {
  return String((socket.getPeerCertificate() as { subject?: { CN?: string } }).subject?.CN);
}

test("pfx with a wrong passphrase: listen() fails with an 'error', nothing is served", async () => {
  const server = createServer(
    { pfx: fixtureBytes("server.p12"), passphrase: "wrong" },
    (_req, res) => res.end(),
  );
  const failed = once<[Error]>(server, "error");
  server.listen(0, "127.0.0.1");
  const [error] = await failed;
  assert.ok(error instanceof Error);
  assert.equal(server.listening, false);
});

test("ALPNProtocols as a wire-format buffer on the server and as bytes on the client agree on http/1.1", async () => {
  const wire = new Uint8Array([8, ...new TextEncoder().encode("http/1.1")]);
  const { server, port } = await listenHttps(
    { ALPNProtocols: wire },
    (req, res) => res.end(`${req.socket.alpnProtocol}\n`),
  );
  const conn = await connectTls(port, {
    ca: pki.ca,
    servername: "localhost",
    ALPNProtocols: [new TextEncoder().encode("h2"), new TextEncoder().encode("http/1.1")],
  });
  assert.equal(conn.tls?.alpnProtocol, "http/1.1");
  const client = RawClient.from(conn);
  client.write("GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
  assert.match(await client.readAll(), /\r\n\r\nhttp\/1\.1\n$/);
  await client.close();
  await closeServer(server);
});

// As Node 20 (test-https-argument-of-creating.js passes under node; these servers made under node give
// these buffers): `server.ALPNProtocols` is what the server offers, one Buffer in the wire format
// (`tls.convertALPNProtocols()`), `http/1.1` by default; a wire buffer given is copied; the options
// object is left as it was.
test("server.ALPNProtocols is the offered protocols as one wire-format Buffer", () => {
  const http11 = [8, ...new TextEncoder().encode("http/1.1")];
  const byDefault = createServer();
  assert.ok(Buffer.isBuffer(byDefault.ALPNProtocols));
  assert.deepEqual([...byDefault.ALPNProtocols], http11);
  const options = { ALPNProtocols: ["h2", "http/1.1"] };
  assert.deepEqual([...createServer(options).ALPNProtocols], [2, 104, 50, ...http11]);
  assert.deepEqual(options, { ALPNProtocols: ["h2", "http/1.1"] });
  const wire = new Uint8Array([2, 104, 50]);
  const server = createServer({ ALPNProtocols: wire });
  assert.notEqual(server.ALPNProtocols, wire);
  assert.deepEqual([...server.ALPNProtocols], [...wire]);
  server.ALPNProtocols = ["http/1.1"];
  assert.deepEqual([...server.ALPNProtocols], http11);
});

test("an ALPNProtocols buffer that is not in the wire format is refused", async () => {
  const server = createServer(
    { key: pki.serverKey, cert: pki.serverCert, ALPNProtocols: new Uint8Array([9, 104, 50]) },
    (_req, res) => res.end(),
  );
  const [error] = await new Promise<[Error & { code?: string }]>((resolve) => {
    server.once("error", (e) => resolve([e]));
    server.listen(0, "127.0.0.1");
  });
  assert.equal(error.code, "ERR_INVALID_ARG_VALUE");
});

test("'secureConnection' follows 'connection' with the request's socket", async () => {
  const seen: string[] = [];
  let secured: Socket | undefined;
  const { server, port } = await listenHttps({}, (req, res) => {
    assert.equal(req.socket, secured);
    res.end();
  });
  server.on("connection", () => seen.push("connection"));
  server.on("secureConnection", (socket: Socket) => {
    seen.push(`secureConnection ${socket.encrypted} ${socket.getProtocol()}`);
    secured = socket;
  });
  const [res] = await once<[IncomingMessage]>(
    get({ host: "localhost", port, agent: false, ca: pki.ca }),
    "response",
  );
  await text(res);
  assert.deepEqual(seen, ["connection", "secureConnection true TLSv1.3"]);
  await closeServer(server);
});

test("checkServerIdentity given to https.request decides on the name: its error rejects, its blessing accepts", async () => {
  const { server, port } = await listenHttps({}, (_req, res) => res.end("ok"));
  const refused = get({
    host: "localhost",
    port,
    agent: false,
    ca: pki.ca,
    checkServerIdentity: (host, cert) => new Error(`not today, ${host} (${cert.subject.CN})`),
  });
  const [error] = await once<[Error]>(refused, "error");
  assert.equal(error.message, "not today, localhost (localhost)");
  const blessed = get({
    host: "127.0.0.1",
    port,
    agent: false,
    ca: pki.ca,
    servername: "elsewhere.test",
    checkServerIdentity: () => undefined,
  });
  const [res] = await once<[IncomingMessage]>(blessed, "response");
  assert.equal(await text(res), "ok");
  assert.equal(res.socket!.authorized, true);
  await closeServer(server);
});

test("NODE_TLS_REJECT_UNAUTHORIZED=0 connects to an untrusted server, with Node's warning once", async () => {
  const proc = (globalThis as unknown as {
    process: {
      env: Record<string, string | undefined>;
      on(event: "warning", listener: (w: Error) => void): void;
      off(event: "warning", listener: (w: Error) => void): void;
    };
  }).process;
  const { server, port } = await listenHttps({}, (_req, res) => res.end("insecure"));
  // Strict by default: no CA, no connection.
  const strict = get({ host: "localhost", port, agent: false });
  const [refusal] = await once<[Error & { code?: string }]>(strict, "error");
  assert.equal(refusal.code, "UNABLE_TO_VERIFY_LEAF_SIGNATURE");
  const warnings: string[] = [];
  const onWarning = (w: Error): void => {
    warnings.push(w.message);
  };
  proc.on("warning", onWarning);
  proc.env.NODE_TLS_REJECT_UNAUTHORIZED = "0";
  try {
    for (let i = 0; i < 2; i++) {
      const [res] = await once<[IncomingMessage]>(get({ host: "localhost", port, agent: false }), "response");
      assert.equal(await text(res), "insecure");
      assert.equal(res.socket!.authorized, false);
    }
    // A request that says rejectUnauthorized: true still refuses.
    const [error] = await once<[Error & { code?: string }]>(
      get({ host: "localhost", port, agent: false, rejectUnauthorized: true }),
      "error",
    );
    assert.equal(error.code, "UNABLE_TO_VERIFY_LEAF_SIGNATURE");
  } finally {
    delete proc.env.NODE_TLS_REJECT_UNAUTHORIZED;
  }
  // process.emitWarning delivers on a later tick.
  await new Promise((resolve) => setTimeout(resolve, 0));
  proc.off("warning", onWarning);
  // Once per process, however many connections (only this test sets the variable).
  assert.deepEqual(warnings, [
    "Setting the NODE_TLS_REJECT_UNAUTHORIZED environment variable to '0' makes TLS connections and " +
    "HTTPS requests insecure by disabling certificate verification.",
  ]);
  await closeServer(server);
});

test("peerName helper reads O/CN (sanity for the SNI tests)", async () => {
  const { server, port } = await listenHttps({}, (_req, res) => res.end());
  const conn = await connectTls(port, { ca: pki.ca, servername: "localhost" });
  assert.equal(peerName(conn), "localhost");
  await RawClient.from(conn).close();
  await closeServer(server);
});

test("checkServerIdentity answering false (not an Error) accepts, as Node's falsy check does", async () => {
  const { server, port } = await listenHttps({}, (_req, res) => res.end("ok"));
  const req = get({
    host: "127.0.0.1",
    port,
    agent: false,
    ca: pki.ca,
    servername: "elsewhere.test",
    checkServerIdentity: (() => false) as unknown as () => undefined,
  });
  const [res] = await once<[IncomingMessage]>(req, "response");
  assert.equal(await text(res), "ok");
  await closeServer(server);
});

test("new Server() takes a listener first and refuses options that are not an object", () => {
  for (const bad of ["foo", 42, true, []]) {
    assert.throws(() => new Server(bad as never), { code: "ERR_INVALID_ARG_TYPE" });
  }
  const server = new Server(() => {});
  assert.equal(server.listenerCount("request"), 1);
});

// As Node 20 (test-https-options-boolean-check.js passes under node): key, cert and ca must be PEM text or
// bytes (or left out with a falsy value), checked when the server is made, ca first, then cert, then key.
test("key, cert and ca that are not text or bytes throw ERR_INVALID_ARG_TYPE at createServer()", () => {
  const key = pki.serverKey;
  const cert = pki.serverCert;
  for (const options of [{ key, cert }, { key: false, cert }, { key: [{ pem: key }], cert, ca: false }]) {
    createServer(options as never);
  }
  const cases: [Record<string, unknown>, string][] = [
    [
      { key: true, cert },
      'The "options.key" property must be of type string or an instance of Buffer, TypedArray, or DataView. Received type boolean (true)',
    ],
    [
      { key: { pem: key }, cert },
      'The "options.key" property must be of type string or an instance of Buffer, TypedArray, or DataView. Received an instance of Object',
    ],
    [
      { key: true, cert: 1 },
      'The "options.cert" property must be of type string or an instance of Buffer, TypedArray, or DataView. Received type number (1)',
    ],
    [
      { key, cert: [cert, true], ca: [pki.ca, true] },
      'The "options.ca" property must be of type string or an instance of Buffer, TypedArray, or DataView. Received type boolean (true)',
    ],
  ];
  for (const [options, message] of cases) {
    assert.throws(() => createServer(options as never), {
      code: "ERR_INVALID_ARG_TYPE",
      name: "TypeError",
      message,
    });
  }
});

test("ticket keys are refused with a code on both runtimes, after Node's argument checks", async () => {
  const { server } = await listenHttps({}, (_req, res) => res.end());
  assert.throws(() => server.setTicketKeys(new Uint8Array(47)), { code: "ERR_INVALID_ARG_VALUE" });
  assert.throws(() => server.setTicketKeys(new Uint8Array(48)), {
    code: "ERR_FEATURE_UNAVAILABLE_ON_PLATFORM",
  });
  assert.throws(() => server.getTicketKeys(), { code: "ERR_FEATURE_UNAVAILABLE_ON_PLATFORM" });
  await closeServer(server);
});
