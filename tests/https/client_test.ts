/**
 * The HTTPS client over real sockets on both runtimes: `https.request`/`get` with mutual TLS, Node's
 * codes for certificates that do not verify, the Agent's TLS pools and keep-alive reuse, 10 MiB each way,
 * `https:` URLs from the main entry, and a Node `https` server (spawned with `node`) as the peer.
 *
 * Verified against node:https on Node 20.20.2: `new https.Agent().getName({host: "a.example", port: 8443,
 * ca: "CA", cert: "C", key: "K", rejectUnauthorized: false, servername: "s.example", minVersion:
 * "TLSv1.3"})` is "a.example:8443::CA:C:::K::false:s.example:TLSv1.3:::::::::::" and `globalAgent.defaultPort`
 * is 443; a request to a server whose certificate does not chain to a trusted CA emits 'error' with
 * UNABLE_TO_VERIFY_LEAF_SIGNATURE, to wronghost.pem ERR_TLS_CERT_ALTNAME_INVALID; with `host: "127.0.0.1"` and
 * a `Host: localhost:<port>` field the server sees SNI "localhost"; `new https.Agent({ ca })` trusts that CA for
 * its requests, and an agent's `rejectUnauthorized: true` beats a request's `false`.
 *
 * @module
 */

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import type { Duplex } from "node:stream";
import { once, test } from "../_harness.ts";
import { closeServer } from "../_net.ts";
import { Agent, get, request } from "../../src/https/mod.ts";
import { request as mainRequest } from "../../mod.ts";
import type { IncomingMessage } from "../../src/io/incoming_message.ts";
import type { PeerCertificate } from "../../src/io/transport.ts";
import { connectTls, fixture, fixturePath, listenHttps, pki } from "./_tls.ts";

const CLIENT_TLS = { ca: pki.ca, key: pki.clientKey, cert: pki.clientCert };

async function text(res: IncomingMessage): Promise<string> {
  let out = "";
  for await (const chunk of res) out += new TextDecoder().decode(chunk as Uint8Array);
  return out;
}

test("https.get with mutual TLS: the server sees the client, the client sees the server's certificate", async () => {
  const { server, port } = await listenHttps({ ca: pki.ca, requestCert: true }, (req, res) => {
    const cert = req.socket.getPeerCertificate() as { subject?: { CN?: string } };
    res.end(`hello ${cert.subject?.CN} ${req.socket.verifyPeer()}`);
  });
  const agent = new Agent();
  const [res] = await once<[IncomingMessage]>(
    get({ host: "localhost", port, agent, ...CLIENT_TLS }),
    "response",
  );
  assert.equal(res.statusCode, 200);
  const peer = res.socket!.getPeerCertificate() as PeerCertificate;
  assert.equal(peer.subject.CN, "localhost");
  assert.equal(peer.issuer.CN, "wire-http Test CA");
  assert.equal(res.socket!.authorized, true);
  assert.equal(res.socket!.encrypted, true);
  // As Node 20 (test-http-url.parse-https.request.js passes under node): the handshake is done.
  assert.equal(res.socket!._secureEstablished, true);
  assert.equal(await text(res), "hello test-client true");
  agent.destroy();
  await closeServer(server);
});

const FAILURES: [string, string, Record<string, unknown>, string][] = [
  ["no trusted CA", "server", {}, "UNABLE_TO_VERIFY_LEAF_SIGNATURE"],
  ["another name", "wronghost", { ca: pki.ca }, "ERR_TLS_CERT_ALTNAME_INVALID"],
  ["an expired certificate", "expired", { ca: pki.ca }, "CERT_HAS_EXPIRED"],
  ["a self-signed leaf", "selfsigned", { ca: pki.ca }, "DEPTH_ZERO_SELF_SIGNED_CERT"],
];

for (const [what, served, tls, code] of FAILURES) {
  test(`https.request to a server with ${what} emits 'error' with ${code}`, async () => {
    const { server, port } = await listenHttps(
      { key: fixture(`${served}.key`), cert: fixture(`${served}.pem`) },
      (_req, res) => res.end(),
    );
    const req = get({ host: "localhost", port, agent: false, ...tls });
    const [error] = await once<[Error & { code?: string }]>(req, "error");
    assert.equal(error.code, code);
    await closeServer(server);
  });
}

test("rejectUnauthorized false: the response arrives and the socket says why it is not authorized", async () => {
  const { server, port } = await listenHttps({}, (_req, res) => res.end("insecure ok"));
  const [res] = await once<[IncomingMessage]>(
    get({ host: "localhost", port, agent: false, rejectUnauthorized: false }),
    "response",
  );
  assert.equal(res.socket!.authorized, false);
  assert.equal(res.socket!.authorizationError, "UNABLE_TO_VERIFY_LEAF_SIGNATURE");
  assert.equal(await text(res), "insecure ok");
  await closeServer(server);
});

test("the Agent keeps one TLS connection for sequential requests and keys pools by TLS options", async () => {
  let connections = 0;
  const { server, port } = await listenHttps({}, (req, res) => res.end(req.url));
  server.on("connection", () => connections++);
  const agent = new Agent({ keepAlive: true });
  for (const path of ["/a", "/b", "/c"]) {
    const [res] = await once<[IncomingMessage]>(
      get({ host: "localhost", port, path, agent, ca: pki.ca }),
      "response",
    );
    assert.equal(await text(res), path);
  }
  assert.equal(connections, 1);
  // Different TLS options (here rejectUnauthorized) never share a pooled connection.
  const [other] = await once<[IncomingMessage]>(
    get({ host: "localhost", port, path: "/d", agent, ca: pki.ca, rejectUnauthorized: true }),
    "response",
  );
  assert.equal(await text(other), "/d");
  assert.equal(connections, 2);
  assert.equal(
    agent.getName({
      host: "a.example",
      port: 8443,
      ca: "CA",
      cert: "C",
      key: "K",
      rejectUnauthorized: false,
      servername: "s.example",
      minVersion: "TLSv1.3",
    }),
    "a.example:8443::CA:C:::K::false:s.example:TLSv1.3:::::::::::",
  );
  agent.destroy();
  await closeServer(server);
});

test("10 MiB each way over TLS: request body in, response body out, byte for byte", async () => {
  const size = 10 * 1024 * 1024;
  const block = new Uint8Array(64 * 1024).map((_, i) => (i * 7 + 3) % 256);
  /** Adler-32-like position-sensitive checksum over a stream of chunks. */
  const checksum = () => {
    let a = 1;
    let b = 0;
    return {
      add(bytes: Uint8Array) {
        for (let i = 0; i < bytes.length; i++) {
          a = (a + bytes[i]!) % 65521;
          b = (b + a) % 65521;
        }
      },
      get value() {
        return `${b}:${a}`;
      },
    };
  };
  const expected = checksum();
  for (let sent = 0; sent < size; sent += block.byteLength) expected.add(block);
  const { server, port } = await listenHttps({}, async (req, res) => {
    const got = checksum();
    let received = 0;
    for await (const chunk of req) {
      got.add(chunk as Uint8Array);
      received += (chunk as Uint8Array).byteLength;
    }
    res.setHeader("x-received", `${received} ${got.value}`);
    for (let sent = 0; sent < size; sent += block.byteLength) {
      if (!res.write(block)) await once(res, "drain");
    }
    res.end();
  });
  const req = request({ host: "localhost", port, method: "POST", agent: false, ca: pki.ca });
  const response = once<[IncomingMessage]>(req, "response");
  for (let sent = 0; sent < size; sent += block.byteLength) {
    if (!req.write(block)) await once(req, "drain");
  }
  req.end();
  const [res] = await response;
  assert.equal(res.headers["x-received"], `${size} ${expected.value}`);
  const got = checksum();
  let received = 0;
  for await (const chunk of res) {
    got.add(chunk as Uint8Array);
    received += (chunk as Uint8Array).byteLength;
  }
  assert.equal(received, size);
  assert.equal(got.value, expected.value);
  await closeServer(server);
});

test("an https: URL works from the main entry too, on port 443 by default in the pool key", async () => {
  const { server, port } = await listenHttps({}, (req, res) => res.end(`${req.headers.host}`));
  const req = mainRequest(`https://localhost:${port}/x`, { ca: pki.ca, agent: false });
  req.end();
  const [res] = await once<[IncomingMessage]>(req, "response");
  assert.equal(await text(res), `localhost:${port}`);
  // Node 20's https.Agent names no port when the options give none (checked with node against node:https).
  assert.equal(new Agent().getName({ host: "a.example" }), "a.example::" + ":".repeat(20));
  await closeServer(server);
});

test("our client against a Node https server spawned with node", async () => {
  const script = `
    const https = require("node:https");
    const fs = require("node:fs");
    const server = https.createServer({
      key: fs.readFileSync(${JSON.stringify(fixturePath("server.key"))}),
      cert: fs.readFileSync(${JSON.stringify(fixturePath("server.pem"))}),
      ca: fs.readFileSync(${JSON.stringify(fixturePath("ca.pem"))}),
      requestCert: true,
    }, (req, res) => {
      res.end("node says hi to " + req.socket.getPeerCertificate().subject.CN + " over " + req.socket.getProtocol());
    });
    server.listen(0, "127.0.0.1", () => console.log(server.address().port));
    process.stdin.on("end", () => server.close(() => process.exit(0)));
    process.stdin.resume();
  `;
  const child = spawn("node", ["-e", script], { stdio: ["pipe", "pipe", "inherit"] });
  const exited = new Promise<number | null>((resolve) =>
    child.on("exit", (code: number | null) => resolve(code))
  );
  const port = await new Promise<number>((resolve) => {
    child.stdout!.once("data", (d: Uint8Array) => resolve(Number(new TextDecoder().decode(d).trim())));
  });
  const [res] = await once<[IncomingMessage]>(
    get({ host: "localhost", port, agent: false, ...CLIENT_TLS }),
    "response",
  );
  assert.equal(await text(res), "node says hi to test-client over TLSv1.3");
  child.stdin!.end();
  assert.equal(await exited, 0);
});

test("SNI comes from the Host field when one is given, as Node's https does", async () => {
  const { server, port } = await listenHttps({}, (req, res) => res.end(String(req.socket.servername)));
  const [res] = await once<[IncomingMessage]>(
    get({ host: "127.0.0.1", port, agent: false, ca: pki.ca, headers: { Host: `localhost:${port}` } }),
    "response",
  );
  assert.equal(await text(res), "localhost");
  await closeServer(server);
});

test("TLS options given to the Agent apply to its requests and win over the request's, as Node's", async () => {
  const { server, port } = await listenHttps({}, (_req, res) => res.end("trusted via the agent"));
  const agent = new Agent({ keepAlive: true, ca: pki.ca });
  const [res] = await once<[IncomingMessage]>(get({ host: "localhost", port, agent }), "response");
  assert.equal(await text(res), "trusted via the agent");
  // Node 20: an agent's rejectUnauthorized: true beats the request's false.
  const strict = new Agent({ rejectUnauthorized: true });
  const [error] = await once<[Error & { code?: string }]>(
    get({ host: "localhost", port, agent: strict, rejectUnauthorized: false }),
    "error",
  );
  assert.equal(error.code, "UNABLE_TO_VERIFY_LEAF_SIGNATURE");
  agent.destroy();
  strict.destroy();
  await closeServer(server);
});

test("https.request refuses an http: URL with ERR_INVALID_PROTOCOL, as Node's", () => {
  // Node 20: 'Protocol "http:" not supported. Expected "https:"'.
  assert.throws(() => request("http://localhost/"), {
    code: "ERR_INVALID_PROTOCOL",
    message: 'Protocol "http:" not supported. Expected "https:"',
  });
});

test("https.request: createConnection replaces the global agent; an agent's defaultPort is the port", async () => {
  // As Node's https.request (test-https-insecure-parse-per-stream.js, test-http-default-port.js): with
  // createConnection no agent is used, and a request without a port goes to its agent's defaultPort.
  const { server, port } = await listenHttps({}, (req, res) => res.end(String(req.headers.host)));
  try {
    const made = get({
      host: "localhost",
      port,
      rejectUnauthorized: false,
      createConnection: () => connectTls(port, { servername: "localhost", rejectUnauthorized: false }),
    });
    const [res] = await once<[IncomingMessage]>(made, "response");
    assert.equal(made.agent, undefined);
    assert.equal(await text(res), `localhost:${port}`);
    const agent = new Agent({ rejectUnauthorized: false });
    agent.defaultPort = port;
    const [viaAgent] = await once<[IncomingMessage]>(get({ host: "localhost", agent }), "response");
    // The port is the agent's default, so Host names none.
    assert.equal(await text(viaAgent), "localhost");
    agent.destroy();
  } finally {
    await closeServer(server);
  }
});

// As Node 20 (test-https-agent-abort-controller.js passes under node): a direct createConnection with a
// `signal` listens to it at once, and an abort (before or while connecting) is the socket's AbortError.
test("https Agent.createConnection({ signal }): an abort before or during the handshake is an AbortError", async () => {
  const { server, port } = await listenHttps({}, (_req, res) => res.end());
  const agent = new Agent();
  try {
    const names: string[] = [];
    for (const early of [true, false]) {
      const controller = new AbortController();
      if (early) controller.abort();
      const socket = agent.createConnection({
        host: "127.0.0.1",
        port,
        ca: pki.ca,
        signal: controller.signal,
      }) as Duplex;
      if (!early) controller.abort();
      const [err] = await once<[Error]>(socket, "error");
      names.push(err.name);
    }
    assert.deepEqual(names, ["AbortError", "AbortError"]);
  } finally {
    agent.destroy();
    await closeServer(server);
  }
});

// As Node 20 (node -e, same fixtures): the request's 'socket' comes while the TLS socket is still
// connecting (`connecting` true, `encrypted` true, `authorized` false), then 'connect', then
// 'secureConnect' with `authorized` true; a certificate that does not verify is that socket's failure,
// after 'socket', as the request's 'error' UNABLE_TO_VERIFY_LEAF_SIGNATURE.
test("an https Agent hands its socket over while the handshake runs, then 'connect' and 'secureConnect'", async () => {
  const { server, port } = await listenHttps({}, (_req, res) => res.end("ok"));
  const agent = new Agent({ keepAlive: true });
  try {
    const seen: string[] = [];
    const body = await new Promise<string>((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port, servername: "localhost", ca: pki.ca, agent }, (res) => {
        seen.push(`response authorized=${res.socket.authorized}`);
        resolve(text(res));
      });
      req.on("socket", (socket) => {
        seen.push(
          `socket connecting=${socket.connecting} encrypted=${socket.encrypted} authorized=${socket.authorized}`,
        );
        socket.on("connect", () => seen.push("connect"));
        socket.on("secureConnect", () => seen.push(`secureConnect authorized=${socket.authorized}`));
      });
      req.on("error", reject);
      req.end();
    });
    assert.equal(body, "ok");
    assert.deepEqual(seen, [
      "socket connecting=true encrypted=true authorized=false",
      "connect",
      "secureConnect authorized=true",
      "response authorized=true",
    ]);
    const failure: string[] = [];
    const err = await new Promise<Error & { code?: string }>((resolve) => {
      const bad = request({ host: "127.0.0.1", port, servername: "localhost", agent: new Agent() });
      bad.on("socket", (socket) => failure.push(`socket connecting=${socket.connecting}`));
      bad.on("error", resolve);
      bad.end();
    });
    assert.deepEqual(failure, ["socket connecting=true"]);
    assert.equal(err.code, "UNABLE_TO_VERIFY_LEAF_SIGNATURE");
  } finally {
    agent.destroy();
    await closeServer(server);
  }
});
