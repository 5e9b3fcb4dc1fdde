import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { test } from "../_harness.ts";
import { closeServer, latin1, listen, RawClient } from "../_net.ts";
import type { IncomingMessage } from "../../src/io/incoming_message.ts";

/** Sends `request`, hands the parsed request to `inspect`, and waits for the response to finish. */
async function receive(
  request: string | Uint8Array,
  inspect: (req: IncomingMessage) => Promise<unknown>,
): Promise<unknown> {
  let result: unknown;
  const { server, port } = await listen({}, async (req, res) => {
    result = await inspect(req);
    res.end("done");
  });
  const client = await RawClient.connect(port);
  client.write(request);
  await client.until("done");
  await client.close();
  await closeServer(server);
  return result;
}

test("request fields: method, url, version, headers, rawHeaders, socket", async () => {
  const got = await receive(
    "PATCH /a?b=1 HTTP/1.1\r\nHost: example\r\nX-Dup: 1\r\nx-dup: 2\r\nSet-Cookie: a\r\nSet-Cookie: b\r\n\r\n",
    (req) =>
      Promise.resolve({
        method: req.method,
        url: req.url,
        httpVersion: req.httpVersion,
        major: req.httpVersionMajor,
        minor: req.httpVersionMinor,
        headers: { ...req.headers },
        raw: req.rawHeaders,
        sameSocket: req.socket === req.connection,
        remote: req.socket.remoteAddress,
      }),
  );
  assert.deepEqual(got, {
    method: "PATCH",
    url: "/a?b=1",
    httpVersion: "1.1",
    major: 1,
    minor: 1,
    headers: { host: "example", "x-dup": "1, 2", "set-cookie": ["a", "b"] },
    raw: ["Host", "example", "X-Dup", "1", "x-dup", "2", "Set-Cookie", "a", "Set-Cookie", "b"],
    sameSocket: true,
    remote: "127.0.0.1",
  });
});

test("chunked request body with trailers: data, end, trailers and rawTrailers after 'end'", async () => {
  const got = await receive(
    "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\nX-Sum: 5\r\n\r\n",
    (req) =>
      new Promise((resolve) => {
        let body = "";
        req.setEncoding("utf8");
        req.on("data", (c) => (body += c));
        req.on("end", () =>
          resolve({ body, trailers: req.trailers, raw: req.rawTrailers, complete: req.complete }));
      }),
  );
  assert.deepEqual(got, { body: "abcde", trailers: { "x-sum": "5" }, raw: ["X-Sum", "5"], complete: true });
});

test("setEncoding('utf8') decodes a character split across chunks", async () => {
  // "é" is C3 A9: the chunk boundary falls inside it.
  const request = latin1(
    "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\na\xC3\r\n2\r\n\xA9b\r\n0\r\n\r\n",
  );
  const got = await receive(request, (req) =>
    new Promise((resolve) => {
      const parts: string[] = [];
      req.setEncoding("utf8");
      req.on("data", (c) => parts.push(c as string));
      req.on("end", () => resolve(parts.join("")));
    }));
  assert.equal(got, "aéb");
});

test("setEncoding: latin1, base64 and hex", async () => {
  for (const [encoding, expected] of [["latin1", "hi\xff"], ["base64", "aGn/"], ["hex", "6869ff"]] as const) {
    const request = latin1(
      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nh\r\n2\r\ni\xff\r\n0\r\n\r\n",
    );
    const got = await receive(request, (req) =>
      new Promise((resolve) => {
        let text = "";
        req.setEncoding(encoding);
        req.on("data", (c) => (text += c));
        req.on("end", () => resolve(text));
      }));
    assert.equal(got, expected, encoding);
  }
});

test("the body is also a ReadableStream and an async iterable", async () => {
  const request = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\nabcdef";
  const viaStream = await receive(
    request,
    async (req) =>
      new TextDecoder().decode(
        await new Response(Readable.toWeb(req) as ReadableStream<Uint8Array>).arrayBuffer(),
      ),
  );
  assert.equal(viaStream, "abcdef");
  const viaIterator = await receive(request, async (req) => {
    let text = "";
    for await (const chunk of req) text += new TextDecoder().decode(chunk as Uint8Array);
    return text;
  });
  assert.equal(viaIterator, "abcdef");
});

test("a peer that goes away mid-body: 'aborted', then 'error' with ECONNRESET, then 'close'", async () => {
  const events: string[] = [];
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  let gotData!: () => void;
  const dataArrived = new Promise<void>((r) => (gotData = r));
  const { server, port } = await listen({}, (req) => {
    req.on("aborted", () => events.push("aborted"));
    req.on("error", (err) => events.push(`error:${(err as { code?: string }).code}`));
    req.on("close", () => {
      events.push("close");
      done();
    });
    req.on("data", () => {
      events.push("data");
      gotData();
    });
  });
  const client = await RawClient.connect(port);
  client.write("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc");
  // Wait until the server has the request before vanishing.
  await dataArrived;
  await client.close();
  await finished;
  await closeServer(server);
  assert.deepEqual(events, ["data", "aborted", "error:ECONNRESET", "close"]);
});
