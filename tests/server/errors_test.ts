import assert from "node:assert/strict";
import process from "node:process";
import { spawn } from "node:child_process";
import { test } from "../_harness.ts";
import { closeServer, listen, normalizeDate, RawClient } from "../_net.ts";

/** Sends `request` to a server without clientError listeners and returns everything until close. */
async function answerTo(request: string, options = {}): Promise<string> {
  const { server, port } = await listen(options, (_req, res) => res.end("handled"));
  const client = await RawClient.connect(port);
  client.write(request);
  const text = await client.readAll();
  await client.close();
  await closeServer(server);
  return text;
}

const cases: [name: string, request: string, status: string][] = [
  ["invalid method", "G@T / HTTP/1.1\r\nHost: x\r\n\r\n", "400 Bad Request"],
  [
    "CL and TE together",
    "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
    "400 Bad Request",
  ],
  [
    "unknown transfer coding",
    "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
    "501 Not Implemented",
  ],
  ["HTTP/2.0 request line", "GET / HTTP/2.0\r\nHost: x\r\n\r\n", "505 HTTP Version Not Supported"],
  [
    "head over maxHeaderSize",
    "GET / HTTP/1.1\r\nHost: x\r\nX: " + "a".repeat(20_000) + "\r\n\r\n",
    "431 Request Header Fields Too Large",
  ],
  ["request line over maxHeaderSize", "GET /" + "a".repeat(20_000) + " HTTP/1.1\r\n\r\n", "414 URI Too Long"],
  ["missing Host on HTTP/1.1", "GET / HTTP/1.1\r\n\r\n", "400 Bad Request"],
  ["two Host fields", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", "400 Bad Request"],
  ["obs-fold", "GET / HTTP/1.1\r\nHost: x\r\nX: a\r\n b\r\n\r\n", "400 Bad Request"],
];
for (const [name, request, status] of cases) {
  test(`a parse error (${name}) is answered with ${status} and Connection: close`, async () => {
    assert.equal(await answerTo(request), `HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
  });
}

test("requireHostHeader: false lets an HTTP/1.1 request without Host through", async () => {
  const text = await answerTo("GET / HTTP/1.1\r\nConnection: close\r\n\r\n", { requireHostHeader: false });
  assert.ok(text.startsWith("HTTP/1.1 200 OK") && text.endsWith("handled"), text);
});

test("a clientError listener gets the coded error and the socket, and answers itself", async () => {
  const { server, port } = await listen({}, () => assert.fail("no request"));
  const seen: string[] = [];
  const request = "GET / HTTP/1.1\r\nHost: x\r\nBad Name: 1\r\n\r\n";
  server.on("clientError", (err, socket) => {
    seen.push(err.code ?? "none");
    // Node's shape: "Parse Error: <reason>", with the reason, the offset and the bytes of the read.
    const fields = err as Error & { reason?: string; bytesParsed?: number; rawPacket?: Uint8Array };
    assert.equal(fields.message, `Parse Error: ${fields.reason}`);
    assert.equal(fields.bytesParsed, request.indexOf("Bad Name") + 3);
    assert.equal(String(fields.rawPacket), request);
    socket.end("HTTP/1.1 400 Custom\r\n\r\n");
  });
  const client = await RawClient.connect(port);
  client.write(request);
  const text = await client.readAll();
  await client.close();
  await closeServer(server);
  assert.deepEqual(seen, ["HPE_INVALID_HEADER_TOKEN"]);
  assert.equal(text, "HTTP/1.1 400 Custom\r\n\r\n");
});

// As Node 20 (test-http-server-destroy-socket-on-client-error.js's scenario run under node with a bad
// header name): with no 'clientError' listener the default answer goes out, and the socket's own 'error'
// listeners hear the parse error (Node destroys the socket with it).
test("the default clientError answer: 400 with Connection: close, and the error on the socket's 'error'", async () => {
  const { server, port } = await listen({}, () => assert.fail("no request"));
  const heard: string[] = [];
  server.on(
    "connection",
    (socket) => socket.on("error", (err: Error & { code?: string }) => heard.push(err.code!)),
  );
  const client = await RawClient.connect(port);
  client.write("GET / HTTP/1.1\r\nHost: x\r\nBad Name: 1\r\n\r\n");
  const text = await client.readAll();
  await client.close();
  await closeServer(server);
  assert.equal(text, "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
  assert.deepEqual(heard, ["HPE_INVALID_HEADER_TOKEN"]);
});

// As Node 20 (test-http-header-badrequest.js passes under node; the clientError half run under node): an
// error on a server socket goes to 'clientError' with the socket, else the socket is destroyed; nothing
// is written after what the response had sent.
test("an error on a server socket: 'clientError' hears it, or the socket is destroyed after what was sent", async () => {
  const heard: string[] = [];
  for (const listening of [false, true]) {
    const { server, port } = await listen({}, (_req, res) => {
      res.write("asd", () => res.socket!.emit("error", new Error("kaboom")));
    });
    if (listening) {
      server.on("clientError", (err, socket) => {
        heard.push(err.message);
        socket.destroy();
      });
    }
    const client = await RawClient.connect(port);
    client.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    const text = await client.readAll();
    await client.close();
    await closeServer(server);
    assert.ok(text.endsWith("\r\n\r\n3\r\nasd\r\n"), JSON.stringify(text));
  }
  assert.deepEqual(heard, ["kaboom"]);
});

// As Node 20 (test-http-parser-finish-error.js passes under node): a head cut by the peer's FIN is a
// parse error in Node's shape, "Parse Error: ..." with HPE_INVALID_EOF_STATE.
test("a head cut by the peer's end is 'clientError' HPE_INVALID_EOF_STATE, 'Parse Error: ...'", async () => {
  const { server, port } = await listen({}, () => assert.fail("no request"));
  const seen = Promise.withResolvers<string>();
  server.on("clientError", (err, socket) => {
    seen.resolve(`${err.code} ${/^Parse Error: /.test(err.message)}`);
    socket.destroy();
  });
  const client = await RawClient.connect(port);
  client.write("GET / HTTP/1.1\r\nContent-Length:");
  client.end();
  assert.equal(await seen.promise, "HPE_INVALID_EOF_STATE true");
  await client.close();
  await closeServer(server);
});

// Checked against node:http on Node 20.20.2 (this exchange over net.connect): the wire carries
// "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n" only, and the unanswered request's events are
// 'request /1', res 'close', req 'close'.
test("garbage pipelined behind an unanswered request gets its 400 at once; the request is dropped", async () => {
  const events: string[] = [];
  const reqClosed = Promise.withResolvers<void>();
  const { server, port } = await listen({}, (req, res) => {
    events.push(`request ${req.url}`);
    res.on("close", () => events.push("res close"));
    req.on("close", () => {
      events.push("req close");
      reqClosed.resolve();
    });
  });
  const client = await RawClient.connect(port);
  // An empty line between requests is skipped (RFC 9112 section 2.2); a request line without a version
  // is not one.
  client.write("GET /1 HTTP/1.1\r\nHost: x\r\n\r\n\r\nhello world\r\n");
  const text = await client.readAll();
  // The server ended its side after the 400 and waits for ours (a lingering close), so the socket and
  // the request close once the client closes.
  await client.close();
  await reqClosed.promise;
  await closeServer(server);
  assert.equal(text, "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
  assert.deepEqual(events, ["request /1", "res close", "req close"]);
});

test("a bad request on one connection does not disturb another one in flight", async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const { server, port } = await listen({}, async (_req, res) => {
    res.write("part1-");
    await gate;
    res.end("part2");
  });
  const good = await RawClient.connect(port);
  good.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  await good.until("part1-");
  const bad = await RawClient.connect(port);
  bad.write("\x00garbage\r\n\r\n");
  assert.match(await bad.readAll(), /^HTTP\/1\.1 400 Bad Request/);
  release();
  const text = await good.until("part2");
  await good.close();
  await bad.close();
  await closeServer(server);
  assert.match(text, /part1-\r\n5\r\npart2\r\n/);
});

// Checked against node:http on Node 20.20.2: a throwing 'request' listener is the process's uncaught
// exception (the process dies without a handler); with captureRejections, a rejected promise answers
// "500 Internal Server Error" (body "Internal Server Error", the listener's headers dropped), or destroys
// a response already started.
test("a request listener that throws: the error is the process's uncaught exception, as in Node", async () => {
  // In a child process: the test runners (Deno's and Bun's) treat an uncaught exception as a failure of
  // their own, whatever the handlers, so the scenario runs where the process is the program's.
  const script = new URL("./fixtures/throwing_listener.ts", import.meta.url).pathname;
  const run = (args: string[]) => runChild(isDeno ? ["run", "-A", script, ...args] : [script, ...args]);
  const handled = await run(["--handle"]);
  assert.equal(handled.code, 0, handled.stderr);
  assert.equal(handled.stdout, "uncaught: boom\nother: fine\n");
  const unhandled = await run([]);
  assert.notEqual(unhandled.code, 0);
  assert.match(unhandled.stderr, /boom/);
  assert.equal(unhandled.stdout, "");
});

test("captureRejections: a rejected request listener gets a 500 without its headers, or its socket destroyed", async () => {
  const { server, port } = await listen({ captureRejections: true }, async (req, res) => {
    res.setHeader("X-Secret", "1");
    if (req.url === "/late") res.write("partial");
    await Promise.resolve();
    throw new Error("async boom");
  });
  const client = await RawClient.connect(port);
  client.write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  assert.equal(
    normalizeDate(await client.readAll()),
    "HTTP/1.1 500 Internal Server Error\r\nDate: <date>\r\nConnection: close\r\nContent-Length: 21\r\n\r\n" +
      "Internal Server Error",
  );
  await client.close();
  const late = await RawClient.connect(port);
  late.write("GET /late HTTP/1.1\r\nHost: x\r\n\r\n");
  const text = await late.readAll();
  await late.close();
  await closeServer(server);
  assert.ok(text.includes("partial") && !text.endsWith("0\r\n\r\n"), text);
});

const isDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";

/** Runs the current runtime with `args`; resolves with its exit code and output. */
function runChild(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { env: { ...process.env, NO_COLOR: "1" } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}
