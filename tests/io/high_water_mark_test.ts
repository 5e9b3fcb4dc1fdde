/**
 * Queue sizes as Node's: a message's body queue is its socket's `readableHighWaterMark`; the server and
 * request option `highWaterMark` sets both of the socket's sizes; a `net.Socket` from `createConnection`
 * brings its own. The default is 16 KiB for both (Node 20's, as test-https-hwm.js wants; Node 22's is 64 KiB,
 * which Deno's and Bun's streams default to).
 *
 * Checked under node 20 (`node -e`): `createServer({ highWaterMark: 1000 })` gives 1000 for
 * `req.readableHighWaterMark`, `req.socket.readableHighWaterMark`, `req.socket.writableHighWaterMark` and
 * `res.writableHighWaterMark`; `get({ highWaterMark: 2000 })` gives 2000 for `res.readableHighWaterMark`
 * and both of `res.socket`'s; `createServer({ highWaterMark: "x" })` throws ERR_INVALID_ARG_TYPE. Without
 * the option all of them are 16384, on both ends.
 */
import assert from "node:assert/strict";
import * as net from "node:net";
import { test } from "../_harness.ts";
import { closeServer, codeOf, listen } from "../_net.ts";
import { createServer, get, type IncomingMessage, type ServerResponse } from "../../mod.ts";

function firstResponse(options: Parameters<typeof get>[0]): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    get(options, (res) => {
      res.resume();
      res.on("end", () => resolve(res));
    }).on("error", reject);
  });
}

/** The marks a server handler sees: the request's, its socket's (read and write) and the response's. */
function serverMarks(req: IncomingMessage, res: ServerResponse): number[] {
  return [
    req.readableHighWaterMark,
    req.socket.readableHighWaterMark,
    req.socket.writableHighWaterMark,
    res.writableHighWaterMark,
  ];
}

test("the server's highWaterMark sizes its sockets, requests and responses", async () => {
  let seen: number[] = [];
  const { server, port } = await listen(
    { highWaterMark: 1000 },
    (req: IncomingMessage, res: ServerResponse) => {
      seen = serverMarks(req, res);
      res.end("ok");
    },
  );
  try {
    await firstResponse({ host: "127.0.0.1", port, agent: false });
    assert.deepEqual(seen, [1000, 1000, 1000, 1000]);
  } finally {
    await closeServer(server);
  }
});

test("a request's highWaterMark sizes its socket and its response; both ends default to 16 KiB", async () => {
  let serverSide: number[] = [];
  const { server, port } = await listen({}, (req: IncomingMessage, res: ServerResponse) => {
    serverSide = serverMarks(req, res);
    res.end("ok");
  });
  try {
    const sized = await firstResponse({ host: "127.0.0.1", port, agent: false, highWaterMark: 2000 });
    assert.deepEqual(
      [sized.readableHighWaterMark, sized.socket.readableHighWaterMark, sized.socket.writableHighWaterMark],
      [2000, 2000, 2000],
    );
    const plain = await firstResponse({ host: "127.0.0.1", port, agent: false });
    assert.deepEqual(
      [plain.readableHighWaterMark, plain.socket.readableHighWaterMark, plain.socket.writableHighWaterMark],
      [16 * 1024, 16 * 1024, 16 * 1024],
    );
    assert.deepEqual(serverSide, [16 * 1024, 16 * 1024, 16 * 1024, 16 * 1024]);
  } finally {
    await closeServer(server);
  }
});

test("a net.Socket from createConnection brings its own readableHighWaterMark to the response", async () => {
  const { server, port } = await listen({}, (_req: IncomingMessage, res: ServerResponse) => res.end("ok"));
  try {
    const res = await firstResponse({
      port,
      // `readableHighWaterMark` is a stream option `net.createConnection` passes on (Node's types omit it).
      createConnection: () =>
        net.createConnection({ host: "127.0.0.1", port, readableHighWaterMark: 1024 } as net.NetConnectOpts),
    });
    assert.equal(res.readableHighWaterMark, 1024);
    assert.equal(res.socket.readableHighWaterMark, 1024);
  } finally {
    await closeServer(server);
  }
});

test("a highWaterMark that is not a number is refused as Node refuses it", () => {
  assert.equal(
    codeOf(() => createServer({ highWaterMark: "x" as unknown as number })),
    "ERR_INVALID_ARG_TYPE",
  );
});
