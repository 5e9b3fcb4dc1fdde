import assert from "node:assert/strict";
import { Duplex } from "node:stream";
import { test } from "../_harness.ts";
import { createServer, request, type Socket } from "../../mod.ts";

/** Two Duplexes wired to each other in memory (what Node's tests call a duplex pair). */
function duplexPair(): { clientSide: Duplex; serverSide: Duplex } {
  const sides: Duplex[] = [];
  const make = (other: () => Duplex) =>
    new Duplex({
      read() {},
      write(chunk, _encoding, callback) {
        other().push(chunk);
        callback();
      },
      final(callback) {
        other().push(null);
        callback();
      },
    });
  sides[0] = make(() => sides[1]!);
  sides[1] = make(() => sides[0]!);
  return { clientSide: sides[0], serverSide: sides[1] };
}

test("server.emit('connection', duplex) serves HTTP over any Duplex, and createConnection may return one", async () => {
  const server = createServer((req, res) => res.end(`hello ${req.method} ${req.url}`));
  const { clientSide, serverSide } = duplexPair();
  // Typed for the sockets the server itself accepts; Node takes any Duplex here, and so do we.
  server.emit("connection", serverSide as unknown as Socket);
  const answer = await new Promise<string>((resolve, reject) => {
    const req = request(
      { path: "/over-a-duplex", agent: false, createConnection: () => clientSide },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => resolve(`${res.statusCode} ${text}`));
      },
    );
    req.on("error", reject);
    req.end();
  });
  assert.equal(answer, "200 hello GET /over-a-duplex");
  clientSide.destroy();
  serverSide.destroy();
});

test("createConnection may hand its socket to the callback instead of returning it (Node's form)", async () => {
  const server = createServer((_req, res) => res.end("called back"));
  const { clientSide, serverSide } = duplexPair();
  // Typed for the sockets the server itself accepts; Node takes any Duplex here, and so do we.
  server.emit("connection", serverSide as unknown as Socket);
  const answer = await new Promise<string>((resolve, reject) => {
    const req = request({
      agent: false,
      createConnection: (_options, callback) => {
        queueMicrotask(() => callback(null, clientSide));
      },
    }, (res) => {
      let text = "";
      res.on("data", (chunk: Uint8Array) => (text += chunk));
      res.on("end", () => resolve(text));
    });
    req.on("error", reject);
    req.end();
  });
  assert.equal(answer, "called back");
  clientSide.destroy();
  serverSide.destroy();
});

// As Node 20 (the same scenario run under node with node:http; test-http-generic-streams.js): after a
// `Connection: close` exchange each side ends its writable side before closing, so both stream ends see
// 'end', 'finish' and 'close' (a destroy alone would leave the peer stream without its 'end').
test("a closing exchange over a Duplex pair ends both sides: each sees 'end', 'finish' and 'close'", async () => {
  const server = createServer((req, res) => {
    req.resume();
    req.once("end", () => res.end("bye"));
  });
  const { clientSide, serverSide } = duplexPair();
  const seen = new Set<string>();
  const closed: Promise<void>[] = [];
  for (const [name, side] of [["client", clientSide], ["server", serverSide]] as const) {
    for (const event of ["end", "finish"]) side.on(event, () => seen.add(`${name} ${event}`));
    closed.push(new Promise((resolve) => side.once("close", () => resolve())));
  }
  server.emit("connection", serverSide as unknown as Socket);
  const req = request({
    method: "PUT",
    headers: { Connection: "close" },
    agent: false,
    createConnection: () => clientSide,
  }, (res) => res.resume());
  req.end("hi");
  await Promise.all(closed);
  assert.deepEqual([...seen].sort(), ["client end", "client finish", "server end", "server finish"]);
});

// As Node 20 (the same scenario with node:http gives "ended true", "flushed", "flushed", "finish 0": Node
// writes the end as a second, empty write): 'finish' waits for the Duplex's write callbacks.
test("a response over a Duplex whose writes complete later finishes once they have (the Duplex's callbacks)", async () => {
  const events: string[] = [];
  // A Duplex that takes each chunk a little later, as a slow socket would.
  const serverSide = new Duplex({
    read() {},
    write(_chunk, _encoding, callback) {
      setTimeout(() => {
        events.push("flushed");
        callback();
      }, 5);
    },
  });
  const finished = new Promise<void>((resolve) => {
    const server = createServer((_req, res) => {
      res.on("finish", () => {
        events.push(`finish ${res.writableLength}`);
        resolve();
      });
      res.end("slow");
      events.push(`ended ${res.writableLength > 0}`);
    });
    server.emit("connection", serverSide as unknown as Socket);
  });
  serverSide.push("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  await finished;
  assert.equal(events[0], "ended true");
  assert.equal(events[1], "flushed");
  assert.equal(events.at(-1), "finish 0");
  serverSide.destroy();
});

// Ours (Node corks the socket the same way but hands it the pieces one by one): the writes of a tick and
// the end() in it reach the socket as one write, so a small streamed response is one packet.
test("a response's write(), write() and end() in one tick reach the socket as one write", async () => {
  const writes: string[] = [];
  const serverSide = new Duplex({
    read() {},
    write(chunk, _encoding, callback) {
      writes.push(String(chunk));
      callback();
    },
  });
  const finished = new Promise<void>((resolve) => {
    const server = createServer((_req, res) => {
      res.on("finish", resolve);
      res.write("a");
      res.write("b");
      res.end("c");
    });
    server.emit("connection", serverSide as unknown as Socket);
  });
  serverSide.push("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  await finished;
  assert.equal(writes.length, 1);
  assert.match(writes[0]!, /\r\n\r\n1\r\na\r\n1\r\nb\r\n1\r\nc\r\n0\r\n\r\n$/);
  serverSide.destroy();
});
