/**
 * TLS test helpers: the committed certificate fixtures (see fixtures/generate.sh), an HTTPS server on an
 * ephemeral port, a raw TLS client on the runtime's transport, and a way to run a command (curl, node)
 * to the end.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import { spawn } from "node:child_process";
import process from "node:process";
import { defaultTransport } from "../../src/transports/pick.ts";
import type { TlsConnectOptions, TransportConn } from "../../src/io/transport.ts";
import { createServer, type Server, type ServerOptions } from "../../src/https/mod.ts";
import type { RequestListener } from "../../src/server/server.ts";
import { listenLocal, type LocalServer, RawClient } from "../_net.ts";

/** Absolute path of a fixture file. */
export function fixturePath(name: string): string {
  return new URL(`./fixtures/${name}`, import.meta.url).pathname;
}

/** A fixture's PEM text. */
export function fixture(name: string): string {
  return readFileSync(fixturePath(name), "utf8");
}

/** The fixtures by role. */
export const pki = {
  ca: fixture("ca.pem"),
  otherCa: fixture("other_ca.pem"),
  serverKey: fixture("server.key"),
  serverCert: fixture("server.pem"),
  clientKey: fixture("client.key"),
  clientCert: fixture("client.pem"),
};

/** Key and certificate of one of the SNI fixtures (`a`, `b`, `wild`, `renewed`). */
export function named(name: "a" | "b" | "wild" | "renewed"): { key: string; cert: string } {
  return { key: fixture(`${name}.key`), cert: fixture(`${name}.pem`) };
}

/** A fixture's bytes. */
export function fixtureBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(fixturePath(name)));
}

/** The subject CN (and O, when set) of the certificate a connection's peer presented. */
export function peerName(conn: TransportConn): string {
  const subject = conn.tls?.getPeerCertificate()?.subject ?? {};
  return [subject.O, subject.CN].filter((part) => part !== undefined).join("/");
}

/** Starts an HTTPS server on 127.0.0.1:0 (server.pem unless `options` says otherwise). */
export async function listenHttps(
  options: ServerOptions,
  handler?: RequestListener,
): Promise<{ server: Server; port: number }> {
  const server = createServer({ key: pki.serverKey, cert: pki.serverCert, ...options }, handler);
  return { server, port: await listenLocal(server as unknown as LocalServer) };
}

/** Opens a TLS connection to 127.0.0.1:`port` on the runtime's transport. */
export function connectTls(port: number, tls: TlsConnectOptions): Promise<TransportConn> {
  return defaultTransport().connect({ hostname: "127.0.0.1", port }, { tls });
}

/** A raw client over TLS: exact bytes out, exact bytes in. */
export async function rawTls(port: number, tls: TlsConnectOptions): Promise<RawClient> {
  return RawClient.from(await connectTls(port, tls));
}

/** Runs a command to its exit (with `env` added to ours); resolves with its exit code and output. */
export function run(
  command: string,
  args: string[],
  env?: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const options = env === undefined ? {} : { env: { ...process.env, ...env } };
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], ...options });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d: Uint8Array) => (stdout += new TextDecoder().decode(d)));
    child.stderr!.on("data", (d: Uint8Array) => (stderr += new TextDecoder().decode(d)));
    child.on("error", reject);
    child.on("close", (code: number | null) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
