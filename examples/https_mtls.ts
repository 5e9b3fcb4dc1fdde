/**
 * Mutual TLS with `@wire/http/https`: a server that asks every client for a certificate signed by its
 * own CA and greets it by name, and a client that presents one. Clients without a certificate are still
 * served (`rejectUnauthorized: false`) but only as "anonymous": the handler decides with
 * `req.socket.verifyPeer()` and `req.socket.getPeerCertificate()`, as the seed describes.
 *
 * Run it (with the test fixtures, or your own PEM files):
 *
 *   deno run -A examples/https_mtls.ts      (or: bun examples/https_mtls.ts)
 *
 * then `curl --cacert tests/https/fixtures/ca.pem --cert tests/https/fixtures/client.pem
 * --key tests/https/fixtures/client.key https://localhost:8443/`.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, request, type Server } from "../src/https/mod.ts";

/** PEM material for one side. */
export interface Identity {
  /** Private key. */
  key: string;
  /** Certificate. */
  cert: string;
  /** The CA that signs the other side's certificates. */
  ca: string;
}

/** Starts the mTLS server on 127.0.0.1; resolves once it listens. */
export async function startMtlsServer(
  identity: Identity,
  port = 0,
): Promise<{ server: Server; port: number }> {
  const server = createServer(
    { ...identity, requestCert: true, rejectUnauthorized: false },
    (req, res) => {
      const socket = req.socket;
      if (!socket.verifyPeer()) {
        res.writeHead(401, { "Content-Type": "text/plain" });
        res.end(`anonymous (${socket.authorizationError})\n`);
        return;
      }
      const cert = socket.getPeerCertificate();
      res.setHeader("Content-Type", "text/plain");
      res.end(`hello ${cert.subject.CN}, your certificate is valid until ${cert.valid_to}\n`);
    },
  );
  // A handshake that fails (bad certificate, plain HTTP on this port) never reaches the handler.
  server.on("tlsClientError", (err: Error & { code?: string }) => console.error("TLS:", err.code));
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return { server, port: (server.address() as { port: number }).port };
}

/** GETs `/` from the server as the client `identity` (or anonymously); resolves with status and body. */
export function callServer(
  port: number,
  identity: Partial<Identity>,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: "localhost", port, path: "/", agent: false, ...identity },
      async (res: IncomingMessage) => resolve({ status: res.statusCode ?? 0, body: await res.text() }),
    );
    req.on("error", reject);
    req.end();
  });
}

if (import.meta.main) {
  const pem = (name: string) =>
    readFileSync(new URL(`../tests/https/fixtures/${name}`, import.meta.url), "utf8");
  const ca = pem("ca.pem");
  const { server, port } = await startMtlsServer(
    { key: pem("server.key"), cert: pem("server.pem"), ca },
    8443,
  );
  console.log(`listening on https://localhost:${port}/`);
  const named = await callServer(port, { key: pem("client.key"), cert: pem("client.pem"), ca });
  console.log(named.status, named.body.trim());
  const anonymous = await callServer(port, { ca });
  console.log(anonymous.status, anonymous.body.trim());
  void server; // keeps serving: try the curl line above
}
