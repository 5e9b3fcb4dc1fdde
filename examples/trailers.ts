/**
 * Trailers: a checksum of a streamed body, sent after the body.
 *
 * A server streaming a response it generates on the fly cannot know the body's digest when it sends the
 * head. With chunked transfer coding it can send fields *after* the body instead: trailers. Here the
 * server streams a CSV report, feeds every chunk to a SHA-256 hash as it goes, and ends with a
 * `Content-Digest` trailer in RFC 9530 form (`sha-256=:<base64>:`), announced up front with
 * `Trailer: Content-Digest`. The client hashes what it reads the same way and compares with
 * `res.trailers["content-digest"]` once the body has ended.
 *
 * `node:crypto`'s `createHash` is used because Deno and Bun both provide it and, unlike
 * `crypto.subtle.digest`, it hashes incrementally.
 *
 * Run it:
 *
 *   deno run -A examples/trailers.ts
 *   bun examples/trailers.ts
 */
import type { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import { createServer, get, type IncomingMessage, type Server, type ServerResponse } from "../mod.ts";

// ---------------------------------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------------------------------

/** A running report server. */
export interface ReportServer {
  server: Server;
  port: number;
  /** Base URL; the report is at `<url>/report?rows=N`. */
  url: string;
  close(): Promise<void>;
}

/** Starts the report server on `port` (default 0: any free port) at 127.0.0.1. */
export async function startServer(port = 0): Promise<ReportServer> {
  const server = createServer(serveReport);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const bound = (server.address() as { port: number }).port;
  return {
    server,
    port: bound,
    url: `http://127.0.0.1:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** One row of the report (deterministic, so tests can rebuild the body). */
export function reportRow(i: number): string {
  return `${i},sensor-${i % 7},${((i * 37) % 1000) / 10}\n`;
}

async function serveReport(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://localhost");
  if (url.pathname !== "/report") {
    res.writeHead(404).end();
    return;
  }
  const rows = Math.min(Number(url.searchParams.get("rows") ?? 1000) || 0, 1_000_000);
  res.writeHead(200, {
    "Content-Type": "text/csv; charset=utf-8",
    // Tell the client which trailer fields will follow the body. With no Content-Length set, the body is
    // sent chunked, which is what carries trailers in HTTP/1.1.
    Trailer: "Content-Digest",
  });
  const hash = createHash("sha256");
  const encoder = new TextEncoder();
  const send = async (text: string) => {
    const chunk = encoder.encode(text);
    hash.update(chunk); // hash exactly the bytes that go out
    if (!res.write(chunk)) await new Promise<void>((resolve) => res.once("drain", () => resolve()));
  };
  await send("id,sensor,value\n");
  // Rows go out in batches; each batch is one chunk on the wire.
  for (let i = 0; i < rows; i += 100) {
    let batch = "";
    for (let j = i; j < Math.min(i + 100, rows); j++) batch += reportRow(j);
    await send(batch);
  }
  res.addTrailers({ "Content-Digest": `sha-256=:${hash.digest("base64")}:` });
  res.end();
}

// ---------------------------------------------------------------------------------------------------
// Client
// ---------------------------------------------------------------------------------------------------

/** What {@linkcode fetchVerified} received. */
export interface VerifiedBody {
  status: number;
  body: Uint8Array;
  /** The `Content-Digest` trailer as received (undefined when the server sent none). */
  received: string | undefined;
  /** The digest of the body as this client read it, in the same `sha-256=:<base64>:` form. */
  computed: string;
  /** Whether the trailer's sha-256 matches what was read. */
  verified: boolean;
}

/** GETs `url`, hashing the body while reading it, then checks it against the `Content-Digest` trailer. */
export function fetchVerified(url: string | URL): Promise<VerifiedBody> {
  return new Promise((resolve, reject) => {
    const req = get(url, { agent: false }, async (res) => {
      try {
        const hash = createHash("sha256");
        const parts: Uint8Array[] = [];
        for await (const chunk of res as AsyncIterable<Buffer>) {
          hash.update(chunk);
          parts.push(chunk);
        }
        // Trailers are filled in when the body has ended, so read them only now.
        const received = res.trailers["content-digest"] as string | undefined;
        const digest = hash.digest("base64");
        const claimed = received === undefined ? undefined : parseContentDigest(received).get("sha-256");
        resolve({
          status: res.statusCode!,
          body: concat(parts),
          received,
          computed: `sha-256=:${digest}:`,
          verified: claimed === digest,
        });
      } catch (err) {
        reject(err);
      }
    });
    req.on("error", reject);
  });
}

/**
 * Reads an RFC 9530 `Content-Digest` value (a structured-field dictionary of byte sequences, e.g.
 * `sha-256=:X48E...=:, sha-512=:...:`) into algorithm → base64. Members that are not byte sequences are
 * skipped.
 */
export function parseContentDigest(value: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const member of value.split(",")) {
    const match = /^\s*([a-z][a-z0-9_.*-]*)=:([A-Za-z0-9+/]*={0,2}):\s*(?:;.*)?$/.exec(member);
    if (match) out.set(match[1]!, match[2]!);
  }
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Demo
// ---------------------------------------------------------------------------------------------------

if ((import.meta as { main?: boolean }).main) {
  const service = await startServer();
  try {
    const result = await fetchVerified(`${service.url}/report?rows=5000`);
    console.log(`GET /report: ${result.status}, ${result.body.byteLength} bytes`);
    console.log(`  trailer  Content-Digest: ${result.received}`);
    console.log(`  computed Content-Digest: ${result.computed}`);
    console.log(result.verified ? "  digest verified" : "  DIGEST MISMATCH");
  } finally {
    await service.close();
  }
}
