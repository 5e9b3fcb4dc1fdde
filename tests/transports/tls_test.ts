/**
 * The TLS part of the transport contract on the runtime's own transport (Deno: `node:tls`; Bun:
 * `Bun.listen`/`Bun.connect` with `tls`): certificates that do not verify reject `connect` with Node's
 * codes, `rejectUnauthorized: false` connects and reports why, `checkServerIdentity` replaces the name
 * check, and both ends see the session's facts.
 *
 * Verified against node:tls on Node 20.20.2 with the same fixtures (server without `ca`, so it sends only
 * its leaf): no trusted CA → UNABLE_TO_VERIFY_LEAF_SIGNATURE; an unrelated CA → the same; wronghost.pem
 * for "localhost" → ERR_TLS_CERT_ALTNAME_INVALID; expired.pem → CERT_HAS_EXPIRED; selfsigned.pem →
 * DEPTH_ZERO_SELF_SIGNED_CERT; server.pem followed by ca.pem, no CA trusted → SELF_SIGNED_CERT_IN_CHAIN.
 *
 * @module
 */

import assert from "node:assert/strict";
import { test } from "../_harness.ts";
import { defaultTransport } from "../../src/transports/pick.ts";
import type { TlsConnectOptions, TransportConn, TransportListener } from "../../src/io/transport.ts";
import { fixture, pki } from "../https/_tls.ts";

/** A TLS listener presenting `name`.pem that closes every connection it accepts. */
async function tlsListener(
  name: string,
  accepted: TransportConn[] = [],
): Promise<{ listener: TransportListener; port: number }> {
  const listener = await defaultTransport().listen(
    { hostname: "127.0.0.1", port: 0 },
    (conn) => {
      accepted.push(conn);
      conn.start({ onData: () => false, onEnd: () => conn.end(), onDrain() {}, onClose() {} });
    },
    {
      tls: {
        // "server+chain" presents server.pem followed by the CA that signed it.
        key: fixture(`${name.replace("+chain", "")}.key`),
        cert: name.endsWith("+chain")
          ? fixture(`${name.replace("+chain", "")}.pem`) + fixture("ca.pem")
          : fixture(`${name}.pem`),
        ALPNProtocols: ["http/1.1"],
      },
    },
  );
  return { listener, port: listener.address.port };
}

function connect(port: number, tls: TlsConnectOptions): Promise<TransportConn> {
  return defaultTransport().connect({ hostname: "127.0.0.1", port }, { tls });
}

/** Ends a client connection and waits until it is closed. */
function closeConn(conn: TransportConn): Promise<void> {
  return new Promise((resolve) => {
    conn.start({ onData: () => false, onEnd() {}, onDrain() {}, onClose: () => resolve() });
    conn.end();
  });
}

const REFUSALS: [string, string, TlsConnectOptions, string][] = [
  ["no trusted CA", "server", { servername: "localhost" }, "UNABLE_TO_VERIFY_LEAF_SIGNATURE"],
  [
    "a chain ending in an untrusted root",
    "server+chain",
    { servername: "localhost" },
    "SELF_SIGNED_CERT_IN_CHAIN",
  ],
  [
    "an unrelated CA",
    "server",
    { servername: "localhost", ca: pki.otherCa },
    "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  ],
  [
    "a certificate for another name",
    "wronghost",
    { servername: "localhost", ca: pki.ca },
    "ERR_TLS_CERT_ALTNAME_INVALID",
  ],
  ["an expired certificate", "expired", { servername: "localhost", ca: pki.ca }, "CERT_HAS_EXPIRED"],
  [
    "a self-signed leaf",
    "selfsigned",
    { servername: "localhost", ca: pki.ca },
    "DEPTH_ZERO_SELF_SIGNED_CERT",
  ],
];

for (const [what, served, options, code] of REFUSALS) {
  test(`connect() with tls rejects ${what} with ${code}`, async () => {
    const { listener, port } = await tlsListener(served);
    await assert.rejects(connect(port, options), (error: Error & { code?: string }) => {
      assert.equal(error.code, code);
      return true;
    });
    await listener.close();
  });
}

test("rejectUnauthorized false connects to an untrusted server and reports why", async () => {
  const { listener, port } = await tlsListener("server");
  const conn = await connect(port, { servername: "localhost", rejectUnauthorized: false });
  assert.equal(conn.tls?.authorized, false);
  assert.equal(conn.tls?.authorizationError, "UNABLE_TO_VERIFY_LEAF_SIGNATURE");
  assert.deepEqual(conn.tls?.getPeerCertificate()?.subject, { CN: "localhost" });
  await closeConn(conn);
  await listener.close();
});

test("checkServerIdentity replaces the name check: its error rejects, its blessing accepts", async () => {
  const { listener, port } = await tlsListener("wronghost");
  const seen: string[] = [];
  const pinned = Object.assign(new Error("not our pin"), { code: "ERR_PINNED" });
  await assert.rejects(
    connect(port, {
      servername: "localhost",
      ca: pki.ca,
      checkServerIdentity: (host, cert) => {
        seen.push(`${host} ${cert.subject.CN}`);
        return pinned;
      },
    }),
    (error: Error & { code?: string }) => error.code === "ERR_PINNED",
  );
  const conn = await connect(port, {
    servername: "localhost",
    ca: pki.ca,
    checkServerIdentity: (host, cert) => {
      seen.push(`${host} ${cert.subject.CN}`);
      return undefined;
    },
  });
  assert.equal(conn.tls?.authorized, true);
  assert.deepEqual(seen, ["localhost wrong.example", "localhost wrong.example"]);
  await closeConn(conn);
  await listener.close();
});

test("both ends see the session: SNI, ALPN, protocol, cipher and the server's certificate", async () => {
  const accepted: TransportConn[] = [];
  const { listener, port } = await tlsListener("server", accepted);
  const conn = await connect(port, { servername: "localhost", ca: pki.ca, ALPNProtocols: ["http/1.1"] });
  const tls = conn.tls!;
  assert.equal(tls.authorized, true);
  assert.equal(tls.authorizationError, null);
  assert.equal(tls.alpnProtocol, "http/1.1");
  assert.equal(tls.servername, "localhost");
  assert.equal(tls.getProtocol(), "TLSv1.3");
  assert.match(tls.getCipher().name, /^TLS_/);
  const cert = tls.getPeerCertificate(true)!;
  assert.deepEqual(cert.subject, { CN: "localhost" });
  assert.equal(cert.issuer.CN, "wire-http Test CA");
  assert.ok(cert.raw instanceof Uint8Array && cert.raw.byteLength > 100);
  const closed = closeConn(conn);
  // The server side has its handshake done by the time the client has; wait for it only via the close.
  await closed;
  assert.equal(accepted.length, 1);
  assert.equal(accepted[0]!.tls?.servername, "localhost");
  assert.equal(accepted[0]!.tls?.alpnProtocol, "http/1.1");
  await listener.close();
});

test("a TLS server without key and cert is refused, never plain TCP", async () => {
  await assert.rejects(
    defaultTransport().listen({ hostname: "127.0.0.1", port: 0 }, (conn) => conn.destroy(), { tls: {} }),
    (error: Error & { code?: string }) => typeof error.code === "string",
  );
});

test("maxVersion on the server and minVersion on the client are honoured on both runtimes", async () => {
  const transport = defaultTransport();
  const options = { tls: { key: pki.serverKey, cert: pki.serverCert, maxVersion: "TLSv1.2" as const } };
  const listener = await transport.listen({ hostname: "127.0.0.1", port: 0 }, (conn) => {
    conn.start({ onData: () => false, onEnd: () => conn.end(), onDrain() {}, onClose() {} });
  }, options);
  const conn = await connect(listener.address.port, { servername: "localhost", ca: pki.ca });
  assert.equal(conn.tls?.getProtocol(), "TLSv1.2");
  await closeConn(conn);
  // A client that insists on TLS 1.3 cannot agree with a server capped at 1.2.
  await assert.rejects(
    connect(listener.address.port, { servername: "localhost", ca: pki.ca, minVersion: "TLSv1.3" }),
  );
  await listener.close();
});

test("an encrypted key with its passphrase serves TLS; a CA given as bytes verifies it", async () => {
  const transport = defaultTransport();
  const listener = await transport.listen({ hostname: "127.0.0.1", port: 0 }, (conn) => {
    conn.start({ onData: () => false, onEnd: () => conn.end(), onDrain() {}, onClose() {} });
  }, { tls: { key: fixture("server_encrypted.key"), passphrase: "wire-http", cert: pki.serverCert } });
  const conn = await connect(listener.address.port, {
    servername: "localhost",
    ca: [new TextEncoder().encode(pki.ca)],
  });
  assert.equal(conn.tls?.authorized, true);
  await closeConn(conn);
  await listener.close();
});
