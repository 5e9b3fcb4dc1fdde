/**
 * What a client request refuses to write, as bytes on the wire: a Transfer-Encoding whose coding has
 * parameters (llhttp rejects a request with `chunked;q=1`: it is not `chunked` to it, while we would
 * chunk-frame the body) and trailers that may not be trailers (RFC 9110 section 6.5.1). Each throws from
 * the call, before anything is sent, and the request then goes out as corrected.
 */
import assert from "node:assert/strict";
import { test } from "../_harness.ts";
import { codeOf, RawServer } from "../_net.ts";
import { type ClientRequest, request } from "../../mod.ts";

/**
 * Runs `build` on a POST to a raw server that answers 204 once the chunked body's end has arrived;
 * resolves with the request bytes the server received, the response status and the server's port.
 */
async function sent(
  build: (req: ClientRequest) => void,
): Promise<{ wire: string; status: number; port: number }> {
  let received!: (text: string) => void;
  const wire = new Promise<string>((resolve) => (received = resolve));
  const server = await RawServer.start(async (conn) => {
    received(await conn.until((text) => text.endsWith("\r\n\r\n") && text.includes("\r\n0\r\n")));
    conn.write("HTTP/1.1 204 No Content\r\n\r\n");
    conn.end();
  });
  try {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        { host: "127.0.0.1", port: server.port, agent: false, method: "POST", path: "/" },
        (res) => {
          res.resume();
          res.on("end", () => resolve(res.statusCode ?? 0));
        },
      );
      req.on("error", reject);
      build(req);
    });
    return { wire: await wire, status, port: server.port };
  } finally {
    await server.close();
  }
}

test("a request's Transfer-Encoding with parameters throws ERR_HTTP_INVALID_HEADER_VALUE, nothing sent", async () => {
  const codes: string[] = [];
  const { wire, status, port } = await sent((req) => {
    req.setHeader("Transfer-Encoding", "chunked;q=1");
    codes.push(codeOf(() => req.end("ab")));
    req.setHeader("Transfer-Encoding", "chunked");
    req.end("ab");
  });
  assert.deepEqual(codes, ["ERR_HTTP_INVALID_HEADER_VALUE"]);
  assert.equal(status, 204);
  assert.equal(
    wire,
    `POST / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n` +
      "2\r\nab\r\n0\r\n\r\n",
  );
});

test("req.addTrailers() refuses Host, Content-Length and Transfer-Encoding with ERR_HTTP_TRAILER_INVALID", async () => {
  const codes: string[] = [];
  const { wire, status, port } = await sent((req) => {
    req.write("ab");
    for (const name of ["Host", "Content-Length", "Transfer-Encoding", "Authorization"]) {
      codes.push(codeOf(() => req.addTrailers({ [name]: "1" })));
    }
    req.addTrailers(["X-Sum", "2"]);
    req.end();
  });
  assert.deepEqual(codes, Array(4).fill("ERR_HTTP_TRAILER_INVALID"));
  assert.equal(status, 204);
  assert.equal(
    wire,
    `POST / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n` +
      "2\r\nab\r\n0\r\nX-Sum: 2\r\n\r\n",
  );
});
