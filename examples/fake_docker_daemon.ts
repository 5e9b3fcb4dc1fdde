/**
 * A tiny stand-in for the Docker Engine API on a unix socket, so `docker_client.ts` runs anywhere.
 *
 * It serves two endpoints the way dockerd does:
 *
 * - `GET /containers/json[?all=1]`: a JSON list of containers (running ones only, unless `all=1`).
 * - `POST /containers/<id or name>/attach?stream=1&stdin=1&stdout=1` with `Connection: Upgrade` and
 *   `Upgrade: tcp`: answered with `101 UPGRADED` and `Content-Type: application/vnd.docker.raw-stream`
 *   (the un-multiplexed stream of a container started with a TTY); then the connection carries the
 *   container's stdin and stdout. The fake "echo" container behaves like `cat`: stdin comes back on
 *   stdout, and when stdin is closed the container's output ends too.
 *
 * Paths may carry an API version prefix (`/v1.43/containers/json`), as real clients send.
 *
 * Run it on its own (until Ctrl-C) and talk to it with curl:
 *
 *   deno run -A examples/fake_docker_daemon.ts /tmp/fake-docker.sock
 *   bun examples/fake_docker_daemon.ts /tmp/fake-docker.sock
 *   curl --unix-socket /tmp/fake-docker.sock http://localhost/containers/json
 */
import process from "node:process";
import { rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse, type Socket } from "../mod.ts";

/** The fields of Docker's container summary this fake fills in. */
export interface ContainerSummary {
  Id: string;
  Names: string[];
  Image: string;
  Command: string;
  Created: number;
  State: "running" | "exited";
  Status: string;
}

/** The fake's containers: `echo` is running (and attachable), `old-job` has exited. */
export const CONTAINERS: readonly ContainerSummary[] = [
  {
    Id: "4c01db0b339c8cb53a2b5e0ef1c3c6a4b9a8f5e2d7c6b1a0f9e8d7c6b5a49382",
    Names: ["/echo"],
    Image: "busybox:latest",
    Command: "cat",
    Created: 1735689600,
    State: "running",
    Status: "Up 2 hours",
  },
  {
    Id: "9f3e1a2b4c5d6e7f80918273645546372819a0b1c2d3e4f5a6b7c8d9e0f1a2b3",
    Names: ["/old-job"],
    Image: "alpine:3.20",
    Command: "echo done",
    Created: 1735603200,
    State: "exited",
    Status: "Exited (0) 1 day ago",
  },
];

/** A running fake daemon. */
export interface FakeDaemon {
  server: Server;
  socketPath: string;
  /** Stops it, closes every connection (attached streams too) and removes the socket file. */
  close(): Promise<void>;
}

/** Starts the fake daemon listening on the unix socket `socketPath`. */
export async function startFakeDaemon(socketPath: string): Promise<FakeDaemon> {
  const server = createServer(handleRequest);
  // Attached streams have left HTTP, so the server no longer tracks them: we do.
  const attached = new Set<Socket>();
  server.on("upgrade", (req, socket, head) => {
    attached.add(socket);
    socket.on("close", () => attached.delete(socket));
    socket.on("error", () => {});
    handleAttach(req, socket, head);
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(socketPath, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return {
    server,
    socketPath,
    close: async () => {
      const closing = [...attached].map((s) => new Promise((resolve) => s.once("close", resolve)));
      for (const socket of attached) socket.destroy();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await Promise.all(closing);
      await rm(socketPath, { force: true });
    },
  };
}

/** `/v1.43/containers/json?all=1` → `{ route: "/containers/json", query }`. */
function parse(req: IncomingMessage): { route: string; query: URLSearchParams } {
  const url = new URL(req.url ?? "/", "http://docker");
  return { route: url.pathname.replace(/^\/v\d+\.\d+(?=\/)/, ""), query: url.searchParams };
}

function findContainer(idOrName: string): ContainerSummary | undefined {
  return CONTAINERS.find((c) =>
    c.Id === idOrName || c.Names.includes(`/${idOrName}`) ||
    (idOrName.length >= 4 && c.Id.startsWith(idOrName))
  );
}

/** Plain (not upgraded) requests. */
function handleRequest(req: IncomingMessage, res: ServerResponse): void {
  const { route, query } = parse(req);
  if (req.method === "GET" && route === "/containers/json") {
    const all = query.get("all") === "1" || query.get("all") === "true";
    return json(res, 200, CONTAINERS.filter((c) => all || c.State === "running"));
  }
  if (req.method === "POST" && /^\/containers\/[^/]+\/attach$/.test(route)) {
    // dockerd would hijack the connection even without `Upgrade`; this fake keeps it simple.
    return json(res, 400, {
      message: "this fake daemon attaches only with Connection: Upgrade, Upgrade: tcp",
    });
  }
  json(res, 404, { message: "page not found" });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "Content-Type": "application/json", "Api-Version": "1.43" });
  res.end(JSON.stringify(body) + "\n");
}

/** `POST /containers/<id>/attach` with `Upgrade: tcp`: the socket is ours to answer on. */
function handleAttach(req: IncomingMessage, socket: Socket, head: Uint8Array): void {
  const { route, query } = parse(req);
  const match = /^\/containers\/([^/]+)\/attach$/.exec(route);
  const fail = (status: number, reason: string, message: string) => {
    const body = JSON.stringify({ message }) + "\n";
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${new TextEncoder().encode(body).byteLength}\r\nConnection: close\r\n\r\n${body}`,
    );
  };
  if (req.method !== "POST" || !match || String(req.headers.upgrade).toLowerCase() !== "tcp") {
    return fail(404, "Not Found", "page not found");
  }
  const container = findContainer(decodeURIComponent(match[1]!));
  if (!container) return fail(404, "Not Found", `No such container: ${match[1]}`);
  if (container.State !== "running") {
    return fail(409, "Conflict", "You cannot attach to a stopped container, start it first");
  }

  socket.write(
    "HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\n" +
      "Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n",
  );
  // From here on the connection is the container's stdin (client → daemon) and stdout (daemon → client).
  const stdin = query.get("stdin") === "1";
  const stdout = query.get("stdout") === "1";
  const cat = (bytes: Uint8Array) => {
    if (stdin && stdout && bytes.byteLength > 0) socket.write(bytes);
  };
  cat(head); // stdin bytes sent right behind the request head
  socket.on("data", (chunk) => cat(chunk as Uint8Array));
  // stdin closed: `cat` exits, its stdout ends, and so does the stream.
  socket.on("end", () => socket.end());
}

if ((import.meta as { main?: boolean }).main) {
  const socketPath = process.argv[2] ?? "/tmp/fake-docker.sock";
  const daemon = await startFakeDaemon(socketPath);
  console.log(`fake Docker daemon on ${socketPath} (Ctrl-C to stop)`);
  console.log(`  curl --unix-socket ${socketPath} http://localhost/containers/json`);
  process.on("SIGINT", () => daemon.close().then(() => process.exit(0)));
}
