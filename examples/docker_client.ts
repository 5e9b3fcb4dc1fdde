/**
 * A Docker Engine API client over a unix socket: plain JSON calls, and an attached container stream.
 *
 * - `listContainers()`: `GET /containers/json` sent with `request({ socketPath, path })`; the JSON
 *   answer is parsed. Calls share one keep-alive `Agent`, so they reuse one connection to the daemon.
 * - `attach()`: `POST /containers/<id>/attach?stream=1&stdin=1&stdout=1` with `Connection: Upgrade` and
 *   `Upgrade: tcp`. The daemon answers `101 UPGRADED` (`Content-Type: application/vnd.docker.raw-stream`)
 *   and from then on the connection carries the container's stdin and stdout. They are handed out as Web
 *   streams: `stdin` is the socket's `writable` (closing it half-closes the connection, which the
 *   container sees as end of input) and `stdout` is the socket's `readable`, preceded by any bytes that
 *   came in with the 101 (the `head` of the `'upgrade'` event).
 *
 * Only the raw stream of containers with a TTY is handled; without a TTY dockerd multiplexes stdout and
 * stderr (`application/vnd.docker.multiplexed-stream`, 8-byte frame headers), which this example refuses.
 *
 * Run it:
 *
 *   deno run -A examples/docker_client.ts      (starts examples/fake_docker_daemon.ts in a temp dir)
 *   bun examples/docker_client.ts
 *   deno run -A examples/docker_client.ts /var/run/docker.sock [container]   (a real daemon; attaching
 *     writes a line to the container's stdin, so pick one that runs `cat` with `-it`)
 */
import process from "node:process";
import { Readable, Writable } from "node:stream";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent, type IncomingMessage, request, type Socket } from "../mod.ts";
import { type ContainerSummary, startFakeDaemon } from "./fake_docker_daemon.ts";

/** An error answer from the daemon: its status and its `{ "message": ... }`. */
export class DockerError extends Error {
  constructor(readonly status: number, message: string) {
    super(`Docker API ${status}: ${message}`);
    this.name = "DockerError";
  }
}

/** An attached container: its stdin and stdout as Web streams. */
export interface Attached {
  /** Bytes written here reach the container's stdin; closing it sends EOF. */
  stdin: WritableStream<Uint8Array>;
  /** The container's output; ends when the container's stdout does. */
  stdout: ReadableStream<Uint8Array>;
  /** The raw connection (for `destroy()`, addresses, ...). */
  socket: Socket;
}

/** A client for the Docker Engine API on a unix socket. Call `close()` when done. */
export class DockerClient {
  readonly socketPath: string;
  // One kept-alive connection for the JSON calls (the global agent would work too, but would keep it
  // open past our interest; our own agent can be closed with the client).
  #agent = new Agent({ keepAlive: true, maxSockets: 4 });

  constructor(socketPath = "/var/run/docker.sock") {
    this.socketPath = socketPath;
  }

  /** `GET /containers/json`: running containers, or all of them with `all`. */
  async listContainers(options: { all?: boolean } = {}): Promise<ContainerSummary[]> {
    const res = await this.#call("GET", `/containers/json${options.all ? "?all=1" : ""}`);
    return JSON.parse(await res.text()) as ContainerSummary[];
  }

  /** Attaches to a running container's stdin and stdout. */
  attach(container: string): Promise<Attached> {
    const path = `/containers/${encodeURIComponent(container)}/attach?stream=1&stdin=1&stdout=1`;
    return new Promise((resolve, reject) => {
      const req = request({
        socketPath: this.socketPath,
        path,
        method: "POST",
        // The connection becomes the stream; it never goes back to a pool.
        agent: false,
        headers: { Connection: "Upgrade", Upgrade: "tcp" },
      });
      req.on("upgrade", (res, socket, head) => {
        const type = String(res.headers["content-type"] ?? "");
        if (type !== "application/vnd.docker.raw-stream") {
          socket.destroy();
          reject(new Error(`cannot read a ${type || "untyped"} stream (only TTY containers are supported)`));
          return;
        }
        resolve({ stdin: Writable.toWeb(socket), stdout: outputOf(socket, head), socket });
      });
      // Anything but 101 is an error answer (404 no such container, 409 not running, ...).
      req.on("response", (res) => errorOf(res).then(reject, reject));
      req.on("error", reject);
      req.end();
    });
  }

  /** Closes the client's idle connections. */
  close(): void {
    this.#agent.destroy();
  }

  #call(method: string, path: string): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const req = request({ socketPath: this.socketPath, path, method, agent: this.#agent }, (res) => {
        if (res.statusCode! >= 200 && res.statusCode! < 300) resolve(res);
        else errorOf(res).then(reject, reject);
      });
      req.on("error", reject);
      req.end();
    });
  }
}

/** Reads an error answer into a {@linkcode DockerError}. */
async function errorOf(res: IncomingMessage): Promise<DockerError> {
  const text = await res.text();
  let message = text.trim();
  try {
    message = (JSON.parse(text) as { message?: string }).message ?? message;
  } catch {
    // not JSON: keep the text
  }
  return new DockerError(res.statusCode!, message);
}

/**
 * The container's output: `head` (bytes that came with the 101), then the socket's bytes. A socket that
 * fails makes the stream fail too (`Readable.toWeb` errors on the socket's `'error'`), so a cut
 * connection is not mistaken for the end of the output.
 */
function outputOf(socket: Socket, head: Uint8Array): ReadableStream<Uint8Array> {
  if (head.byteLength > 0) socket.unshift(head);
  return Readable.toWeb(socket) as ReadableStream<Uint8Array>;
}

/** Writes `input` to an attached container, closes its stdin, and collects all of its output. */
export async function sendAndCollect(attached: Attached, input: Uint8Array): Promise<Uint8Array> {
  const output: Uint8Array[] = [];
  // Read and write at the same time: a container may answer before its input is complete.
  const reading = (async () => {
    for await (const chunk of attached.stdout) output.push(chunk);
  })();
  const writer = attached.stdin.getWriter();
  await writer.write(input);
  await writer.close(); // EOF on the container's stdin
  await reading;
  const all = new Uint8Array(output.reduce((n, c) => n + c.byteLength, 0));
  let at = 0;
  for (const chunk of output) {
    all.set(chunk, at);
    at += chunk.byteLength;
  }
  return all;
}

if ((import.meta as { main?: boolean }).main) {
  const [given, named] = process.argv.slice(2);
  const container = named ?? "echo";
  const dir = given ? undefined : await mkdtemp(join(tmpdir(), "wire-docker-"));
  const daemon = dir ? await startFakeDaemon(join(dir, "docker.sock")) : undefined;
  const docker = new DockerClient(given ?? daemon!.socketPath);
  try {
    console.log(`Docker API on ${docker.socketPath}${daemon ? " (the fake daemon)" : ""}`);
    for (const c of await docker.listContainers({ all: true })) {
      console.log(
        `  ${c.Id.slice(0, 12)}  ${c.Names.join(",").padEnd(10)}  ${c.Image.padEnd(16)}  ${c.Status}`,
      );
    }
    if (daemon || named) {
      const attached = await docker.attach(container);
      const out = await sendAndCollect(attached, new TextEncoder().encode("hello from @wire/http\n"));
      console.log(`attached to ${container}; it answered: ${JSON.stringify(new TextDecoder().decode(out))}`);
    }
  } finally {
    docker.close();
    await daemon?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}
