/**
 * Streaming file uploads with `Expect: 100-continue`.
 *
 * A client about to send a large body can send only the request head first, with
 * `Expect: 100-continue`, and wait. The server looks at the head (here: the declared `Content-Length`)
 * and either invites the body with `100 Continue` or gives its final answer straight away (here:
 * `413 Content Too Large`), before a single byte of the body has crossed the network.
 *
 * - Server: listens for `'checkContinue'` (emitted instead of `'request'` when a request carries
 *   `Expect: 100-continue`), refuses too-large uploads, and calls `res.writeContinue()` for the rest. The
 *   accepted body is streamed into a file with backpressure: `req.body` (a Web `ReadableStream`) is piped
 *   into a `WritableStream` around a `node:fs/promises` file handle, and each chunk is written before the
 *   next one is pulled, so a slow disk slows the socket down instead of filling memory.
 * - Client: `request()` with `Expect: 100-continue` and a `Content-Length`; the file is read and written
 *   only after `'continue'`, honouring `write()` returning `false` and `'drain'`.
 *
 * Run it:
 *
 *   deno run -A examples/upload_100_continue.ts
 *   bun examples/upload_100_continue.ts
 */
import { mkdir, mkdtemp, open, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { Readable } from "node:stream";
import { join } from "node:path";
import {
  type ClientRequest,
  createServer,
  type IncomingMessage,
  request,
  type Server,
  type ServerResponse,
} from "../mod.ts";

// ---------------------------------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------------------------------

/** Options of {@linkcode startServer}. */
export interface UploadServerOptions {
  /** Directory the uploaded files are stored in. */
  dir: string;
  /** Largest body accepted, in bytes. */
  maxBytes: number;
  /** Port (default 0: any free port). */
  port?: number;
  /** Address to bind (default 127.0.0.1). */
  host?: string;
  /** Called once per accepted upload when it is stored, or given up (client gone, disk error...). */
  onUpload?: (event: UploadEvent) => void;
}

/** What became of an accepted upload. */
export interface UploadEvent {
  name: string;
  /** Whether the file is now in `dir` (if not, nothing of it is left there). */
  stored: boolean;
  /** Body bytes received. */
  bytes: number;
}

/** A running upload server. */
export interface UploadServer {
  server: Server;
  port: number;
  /** Base URL, e.g. `http://127.0.0.1:8080`. Files go to `PUT <url>/uploads/<name>`. */
  url: string;
  /** Stops the server and closes every connection. */
  close(): Promise<void>;
}

/** Why a request is refused before its body is read. */
interface Refusal {
  status: number;
  message: string;
  headers?: Record<string, string>;
}

/** Starts a server that stores `PUT /uploads/<name>` bodies of at most `maxBytes` bytes in `dir`. */
export async function startServer(options: UploadServerOptions): Promise<UploadServer> {
  const server = createServer();

  // Requests with `Expect: 100-continue` arrive here, before their body was sent.
  server.on("checkContinue", (req, res) => {
    const refusal = check(req, options.maxBytes);
    if (refusal) return refuse(res, refusal);
    res.writeContinue(); // "go on": only now does the client start sending the body
    return receive(req, res, options);
  });

  // Clients that do not ask first get the same checks, but their body is already on its way.
  server.on("request", (req, res) => {
    const refusal = check(req, options.maxBytes);
    if (refusal) return refuse(res, refusal);
    return receive(req, res, options);
  });

  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as { port: number }).port;
  return {
    server,
    port,
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Decides from the head alone whether the upload is acceptable. */
function check(req: IncomingMessage, maxBytes: number): Refusal | null {
  if (req.method !== "PUT") {
    return { status: 405, message: "use PUT /uploads/<name>", headers: { Allow: "PUT" } };
  }
  if (fileName(req) === null) return { status: 404, message: "use PUT /uploads/<name>" };
  const declared = req.headers["content-length"];
  if (declared === undefined) return { status: 411, message: "a Content-Length is required" };
  if (Number(declared) > maxBytes) {
    return { status: 413, message: `${declared} bytes is over the limit of ${maxBytes} bytes` };
  }
  return null;
}

/** `/uploads/<name>` → `<name>`, if the name is a plain file name. */
function fileName(req: IncomingMessage): string | null {
  const match = /^\/uploads\/([A-Za-z0-9_-][A-Za-z0-9._-]{0,99})$/.exec(req.url ?? "");
  return match ? match[1]! : null;
}

function refuse(res: ServerResponse, { status, message, headers }: Refusal): void {
  // `Connection: close`: we will not read a body we refused (a client that did not wait for 100 may be
  // sending it anyway), so this connection cannot carry another request.
  res.writeHead(status, { "Content-Type": "text/plain; charset=utf-8", Connection: "close", ...headers });
  res.end(message + "\n");
}

/** Streams the body into `<dir>/<name>` (via `<name>.part`, renamed once complete) and answers 201. */
async function receive(
  req: IncomingMessage,
  res: ServerResponse,
  { dir, onUpload }: UploadServerOptions,
): Promise<void> {
  const name = fileName(req)!;
  const partial = join(dir, `${name}.part`);
  let received = 0;
  try {
    const file = await open(partial, "w");
    try {
      // pipeTo pulls the next chunk from the socket only after `write` below has resolved: backpressure.
      await (Readable.toWeb(req) as ReadableStream<Uint8Array>).pipeTo(
        new WritableStream<Uint8Array>({
          async write(chunk) {
            received += chunk.byteLength;
            await writeAll(file, chunk);
          },
        }),
      );
    } finally {
      await file.close();
    }
    if (!req.complete) throw new Error("the upload was cut short");
    await rename(partial, join(dir, name));
  } catch (err) {
    await rm(partial, { force: true });
    onUpload?.({ name, stored: false, bytes: received });
    // The client went away mid-body: nobody to answer. Anything else (a full disk...) is our fault.
    if (req.aborted || res.destroyed) return;
    res.writeHead(500, { "Content-Type": "text/plain; charset=utf-8", Connection: "close" });
    res.end(`could not store the upload: ${(err as Error).message}\n`);
    return;
  }
  onUpload?.({ name, stored: true, bytes: received });
  res.writeHead(201, { "Content-Type": "application/json", Location: `/uploads/${name}` });
  res.end(JSON.stringify({ name, bytes: received }));
}

/** `FileHandle.write` may write less than asked; loop until the whole chunk is on disk. */
async function writeAll(
  file: { write(b: Uint8Array, o: number, l: number): Promise<{ bytesWritten: number }> },
  chunk: Uint8Array,
): Promise<void> {
  let offset = 0;
  while (offset < chunk.byteLength) {
    const { bytesWritten } = await file.write(chunk, offset, chunk.byteLength - offset);
    offset += bytesWritten;
  }
}

// ---------------------------------------------------------------------------------------------------
// Client
// ---------------------------------------------------------------------------------------------------

/** What {@linkcode uploadFile} saw. */
export interface UploadResult {
  /** Final status: 201 when stored, 413 when refused as too large, ... */
  status: number;
  /** Response body (JSON on success, a plain-text reason otherwise). */
  body: string;
  /** Whether the server answered `100 Continue`. */
  continued: boolean;
  /** Body bytes this client wrote to the connection (0 when refused up front). */
  sentBytes: number;
}

/** Uploads the file at `path` to `url` with `PUT` and `Expect: 100-continue`. */
export async function uploadFile(url: string | URL, path: string): Promise<UploadResult> {
  const file = await open(path, "r");
  try {
    const { size } = await file.stat();
    // `agent: false`: a connection of its own (the Agent would keep it open for reuse after success).
    const req = request(url, {
      method: "PUT",
      agent: false,
      headers: {
        "Content-Type": "application/octet-stream",
        "Content-Length": size,
        Expect: "100-continue", // the head goes out now; the body waits for the server's go-ahead
      },
    });
    const response = new Promise<IncomingMessage>((resolve, reject) => {
      req.once("response", resolve);
      req.once("error", reject);
    });
    // Either `100 Continue` (send the body) or a final response (do not).
    const continued = await new Promise<boolean>((resolve) => {
      req.once("continue", () => resolve(true));
      response.then(() => resolve(false), () => resolve(false));
    });
    let sentBytes = 0;
    if (continued) {
      sentBytes = await sendBody(req, file, response);
      req.end();
    }
    const res = await response;
    const body = await res.text();
    // Refused before the body: the request can never be completed, so drop its connection.
    if (!continued) req.destroy();
    return { status: res.statusCode!, body, continued, sentBytes };
  } finally {
    await file.close();
  }
}

/** Copies the file into the request, waiting for `'drain'` whenever `write()` says the socket is full. */
async function sendBody(
  req: ClientRequest,
  file: { read(b: Uint8Array, o: number, l: number, p: null): Promise<{ bytesRead: number }> },
  response: Promise<unknown>,
): Promise<number> {
  let answered = false; // the server may still answer early (e.g. a full disk): then stop sending
  response.then(() => (answered = true), () => (answered = true));
  let sent = 0;
  while (!answered && !req.destroyed) {
    // A fresh buffer per chunk: the connection owns what it is given until it is sent.
    const chunk = new Uint8Array(64 * 1024);
    const { bytesRead } = await file.read(chunk, 0, chunk.byteLength, null);
    if (bytesRead === 0) break;
    sent += bytesRead;
    if (!req.write(chunk.subarray(0, bytesRead))) {
      await new Promise<void>((resolve) => {
        req.once("drain", resolve);
        req.once("close", resolve);
      });
    }
  }
  return sent;
}

// ---------------------------------------------------------------------------------------------------
// Demo
// ---------------------------------------------------------------------------------------------------

if ((import.meta as { main?: boolean }).main) {
  const dir = await mkdtemp(join(tmpdir(), "wire-upload-"));
  const uploads = join(dir, "uploads");
  await mkdir(uploads);
  const service = await startServer({
    dir: uploads,
    maxBytes: 1024 * 1024,
    onUpload: (e) =>
      console.log(`  [server] ${e.name}: ${e.stored ? "stored" : "dropped"}, ${e.bytes} bytes`),
  });
  console.log(`upload server on ${service.url}, limit 1 MiB, storing in ${uploads}`);
  try {
    for (const [name, size] of [["small.bin", 300 * 1024], ["big.bin", 5 * 1024 * 1024]] as const) {
      const path = join(dir, name);
      await writeFile(path, new Uint8Array(size).fill(7));
      const result = await uploadFile(`${service.url}/uploads/${name}`, path);
      console.log(
        `${name} (${size} bytes): ${result.status}, 100 Continue: ${result.continued}, ` +
          `body bytes sent: ${result.sentBytes}, answer: ${result.body.trim()}`,
      );
    }
  } finally {
    await service.close();
    await rm(dir, { recursive: true, force: true });
  }
}
