/**
 * The request head as Node builds it: Host is a field set when the request is made (readable with
 * `getHeader`, removable, placed after the `headers` given and before fields set later), a raw list of
 * headers is sent as given (no Host, no Authorization added), `setHost` turns Host off with any falsy
 * value, a request without an agent names the port in Host, and a GET whose head is flushed goes out
 * without framing. Misuse throws Node's ERR_INVALID_ARG_TYPE.
 *
 * Verified once with node (v20.11) against node:http: the same requests to a raw server printed these
 * exact heads, header names and error messages.
 */
import assert from "node:assert/strict";
import { once, test } from "../_harness.ts";
import { RawServer } from "../_net.ts";
import { type ClientRequest, type IncomingMessage, request } from "../../mod.ts";
import { defaultTransport } from "../../src/transports/pick.ts";

/** A server that records each request head and answers 200 with Connection: close. */
function recorder(heads: string[]): Promise<RawServer> {
  return RawServer.start(async (conn) => {
    heads.push(await conn.until("\r\n\r\n"));
    conn.write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    conn.end();
  });
}

async function answered(req: ClientRequest): Promise<void> {
  const [res] = await once<[IncomingMessage]>(req, "response");
  res.resume();
  await once(res, "end");
}

test("Host is a field: listed by getHeaderNames(), after the given headers, before later ones", async () => {
  const heads: string[] = [];
  const server = await recorder(heads);
  try {
    const port = server.port;
    const req = request({ host: "127.0.0.1", port, agent: false, headers: { "X-A": "1" } });
    assert.deepEqual(req.getHeaderNames(), ["x-a", "host"]);
    assert.deepEqual(req.getRawHeaderNames(), ["X-A", "Host"]);
    assert.equal(req.getHeader("host"), `127.0.0.1:${port}`);
    req.setHeader("X-B", "2");
    req.end();
    await answered(req);
    const bare = request({ host: "127.0.0.1", port, agent: false });
    assert.deepEqual(bare.getHeaderNames(), ["host"]);
    bare.removeHeader("host");
    bare.end();
    await answered(bare);
    assert.deepEqual(heads, [
      `GET / HTTP/1.1\r\nX-A: 1\r\nHost: 127.0.0.1:${port}\r\nX-B: 2\r\nConnection: close\r\n\r\n`,
      "GET / HTTP/1.1\r\nConnection: close\r\n\r\n",
    ]);
  } finally {
    await server.close();
  }
});

test("a raw headers list is sent as given (no Host, no Authorization); setHost: 0 sends no Host", async () => {
  const heads: string[] = [];
  const server = await recorder(heads);
  try {
    const port = server.port;
    const raw = request({
      host: "127.0.0.1",
      port,
      agent: false,
      auth: "u:p",
      headers: ["X-A", "1", "Cookie", "c"],
    });
    raw.end();
    await answered(raw);
    const off = request({ host: "127.0.0.1", port, agent: false, setHost: 0 as unknown as boolean });
    off.end();
    await answered(off);
    assert.deepEqual(heads, [
      "GET / HTTP/1.1\r\nX-A: 1\r\nCookie: c\r\nConnection: close\r\n\r\n",
      "GET / HTTP/1.1\r\nConnection: close\r\n\r\n",
    ]);
  } finally {
    await server.close();
  }
});

test("without an agent (createConnection) Host names the port, IPv6 in brackets, as Node", async () => {
  const heads: string[] = [];
  const server = await recorder(heads);
  try {
    const req = request({
      host: "::1",
      createConnection: () => defaultTransport().connect({ hostname: "127.0.0.1", port: server.port }),
    });
    req.end();
    await answered(req);
    assert.deepEqual(heads, ["GET / HTTP/1.1\r\nHost: [::1]:80\r\nConnection: close\r\n\r\n"]);
  } finally {
    await server.close();
  }
});

test("flushHeaders() on a DELETE sends a head without framing, which the server answers", async () => {
  const heads: string[] = [];
  const server = await recorder(heads);
  try {
    const req = request({ host: "127.0.0.1", port: server.port, agent: false, method: "DELETE" });
    req.flushHeaders();
    await answered(req);
    assert.deepEqual(heads, [
      `DELETE / HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nConnection: close\r\n\r\n`,
    ]);
    req.destroy();
  } finally {
    await server.close();
  }
});

test("a method, hostname or headers.host of the wrong type throws ERR_INVALID_ARG_TYPE with Node's message", () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ method: 5 }, 'The "options.method" property must be of type string. Received type number (5)'],
    [
      { hostname: {} },
      'The "options.hostname" property must be of type string or one of undefined or null. Received an instance of Object',
    ],
    [
      { headers: { Host: ["a"] } },
      'The "options.headers.host" property must be of type string. Received an instance of Array',
    ],
    [
      { headers: { host: [] } },
      'The "options.headers.host" property must be of type string. Received an instance of Array',
    ],
  ];
  for (const [options, message] of cases) {
    assert.throws(() => request({ agent: false, ...options }), {
      name: "TypeError",
      code: "ERR_INVALID_ARG_TYPE",
      message,
    });
  }
});

test("a string that is no URL throws ERR_INVALID_URL (a TypeError) from request() and get(), as Node", () => {
  for (const input of ["www.nodejs.org", "localhost", "http://:80/"]) {
    assert.throws(() => request(input), {
      name: "TypeError",
      code: "ERR_INVALID_URL",
      message: "Invalid URL",
      input,
    });
  }
});
