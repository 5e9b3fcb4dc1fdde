/**
 * Node's `uniqueHeaders` option (server and request) and its `Cookie` rule: a field set to a list goes on
 * one line, the values joined with "; ", when its name is listed (case-insensitively) or it is `Cookie`
 * with two values or more; `getHeader()` still returns the list, and trailers follow the same option.
 *
 * The expected bytes were taken from node:http under Node 20.20.2 with the same calls (fields' order
 * aside: Node puts the request options' fields before `Host`, as here).
 */
import assert from "node:assert/strict";
import { request } from "../../mod.ts";
import { test } from "../_harness.ts";
import { closeServer, listen, normalizeDate, RawClient, RawServer } from "../_net.ts";

test("server uniqueHeaders: listed fields and Cookie go on one line, others one line per value", async () => {
  let asGot: unknown;
  const { server, port } = await listen({ uniqueHeaders: ["X-U", "x-t"] }, (_req, res) => {
    res.setHeader("X-U", ["a", "b"]);
    res.setHeader("set-cookie", ["c=1", "d=2"]);
    res.writeHead(200, { "x-u2": ["e", "f"], cookie: ["g", "h"], "Transfer-Encoding": "chunked" });
    res.addTrailers({ "X-T": ["t1", "t2"], "x-n": ["n1", "n2"] });
    asGot = res.getHeader("x-u");
    res.end();
  });
  const client = await RawClient.connect(port);
  try {
    client.write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    const text = normalizeDate(await client.readAll());
    assert.equal(
      text,
      "HTTP/1.1 200 OK\r\nX-U: a; b\r\nset-cookie: c=1\r\nset-cookie: d=2\r\nx-u2: e\r\nx-u2: f\r\n" +
        "cookie: g; h\r\nTransfer-Encoding: chunked\r\nDate: <date>\r\nConnection: close\r\n\r\n" +
        "0\r\nX-T: t1; t2\r\nx-n: n1\r\nx-n: n2\r\n\r\n",
    );
    assert.deepEqual(asGot, ["a", "b"]);
  } finally {
    await client.close();
    await closeServer(server);
  }
});

test("request uniqueHeaders: options' fields, setHeader and trailers, and Cookie joined", async () => {
  let received = "";
  let answered!: () => void;
  const done = new Promise<void>((r) => (answered = r));
  const peer = await RawServer.start(async (conn) => {
    received = await conn.until("\r\n0\r\n");
    received = await conn.until((t) => t.endsWith("\r\n\r\n"));
    conn.write("HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n");
    answered();
  });
  try {
    const req = request({
      port: peer.port,
      host: "127.0.0.1",
      method: "POST",
      headers: { Cookie: ["a=1", "b=2"], "X-U": ["1", "2"], "x-n": ["3", "4"] },
      uniqueHeaders: ["x-u", "X-T"],
      agent: false,
    });
    req.setHeader("x-set", ["5", "6"]);
    req.addTrailers({ "x-t": ["7", "8"], "x-m": ["9", "10"] });
    const response = new Promise<number>((resolve, reject) => {
      req.on("response", (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode!));
      });
      req.on("error", reject);
    });
    req.end("x");
    assert.equal(await response, 204);
    await done;
    assert.equal(
      received,
      "POST / HTTP/1.1\r\nCookie: a=1; b=2\r\nX-U: 1; 2\r\nx-n: 3\r\nx-n: 4\r\nHost: 127.0.0.1:" + peer.port +
        "\r\nx-set: 5\r\nx-set: 6\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n" +
        "1\r\nx\r\n0\r\nx-t: 7; 8\r\nx-m: 9\r\nx-m: 10\r\n\r\n",
    );
  } finally {
    await peer.close();
  }
});
