import assert from "node:assert/strict";
import { test } from "../_harness.ts";
import { Writable } from "node:stream";
import { closeServer, listen, normalizeDate, RawClient } from "../_net.ts";
import { IncomingMessage, ServerResponse } from "../../mod.ts";

async function exchange(
  handler: Parameters<typeof listen>[1],
  request: string,
  until: string | ((t: string) => boolean),
): Promise<string> {
  const { server, port } = await listen({}, handler);
  const client = await RawClient.connect(port);
  try {
    client.write(request);
    return normalizeDate(await client.until(until));
  } finally {
    await client.close();
    await closeServer(server);
  }
}

const GET = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";

test("end(data) sends one response with Content-Length, Date and keep-alive fields", async () => {
  const text = await exchange((_req, res) => res.end("hello"), GET, "hello");
  assert.equal(
    text,
    "HTTP/1.1 200 OK\r\nDate: <date>\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\nContent-Length: 5\r\n\r\nhello",
  );
});

test("write() then end() streams a chunked body on HTTP/1.1", async () => {
  const text = await exchange(
    (_req, res) => {
      res.write("ab");
      res.write(new Uint8Array([0x63]));
      res.end();
    },
    GET,
    "0\r\n\r\n",
  );
  assert.equal(
    text,
    "HTTP/1.1 200 OK\r\nDate: <date>\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\nTransfer-Encoding: chunked\r\n\r\n" +
      "2\r\nab\r\n1\r\nc\r\n0\r\n\r\n",
  );
});

test("writeHead with a raw array keeps case, order and repeats", async () => {
  const text = await exchange(
    (_req, res) => {
      res.writeHead(201, "Made", ["X-B", "1", "x-a", "2", "X-B", "3"]);
      res.end();
    },
    GET,
    "0\r\n\r\n",
  );
  // As Node 20: writeHead() fixes the framing before the body, so an end() without a declared length is
  // chunked (checked under node: the same bytes but for Date).
  assert.equal(
    text,
    "HTTP/1.1 201 Made\r\nX-B: 1\r\nx-a: 2\r\nX-B: 3\r\nDate: <date>\r\nConnection: keep-alive\r\n" +
      "Keep-Alive: timeout=5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
  );
});

test("setHeader arrays repeat the field; getHeader is case-insensitive; removeHeader drops", async () => {
  const seen: unknown[] = [];
  const text = await exchange(
    (_req, res) => {
      res.setHeader("Set-Cookie", ["a=1", "b=2"]);
      res.setHeader("X-Gone", "1");
      seen.push(res.getHeader("set-cookie"), res.hasHeader("x-gone"), res.getHeaderNames());
      res.removeHeader("x-gone");
      res.sendDate = false;
      res.end();
    },
    GET,
    "\r\n\r\n",
  );
  assert.deepEqual(seen, [["a=1", "b=2"], true, ["set-cookie", "x-gone"]]);
  assert.equal(
    text,
    "HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\nContent-Length: 0\r\n\r\n",
  );
});

test("HEAD, 204 and 304 responses carry no body whatever the handler writes", async () => {
  for (
    const [request, status] of [["HEAD / HTTP/1.1\r\nHost: x\r\n\r\n", 200], [GET, 204], [GET, 304]] as const
  ) {
    const { server, port } = await listen({}, (req, res) => {
      if (req.url === "/next") return res.end("next");
      res.statusCode = status;
      res.write("body!");
      return res.end("more");
    });
    const client = await RawClient.connect(port);
    client.write(request + GET.replace("GET /", "GET /next"));
    // The second response proves the first one ended exactly at its head.
    const text = await client.until("next");
    await client.close();
    await closeServer(server);
    assert.ok(!text.includes("body!") && !text.includes("more"), text);
    assert.match(text, new RegExp(`^HTTP/1.1 ${status} [^\r]*\r\n(?:[^\r]+\r\n)*\r\nHTTP/1.1 200 OK\r\n`));
  }
});

test("HTTP/1.0 request without keep-alive gets a close-delimited body and the connection closes", async () => {
  const { server, port } = await listen({}, (_req, res) => {
    res.write("a");
    res.end("b");
  });
  const client = await RawClient.connect(port);
  client.write("GET / HTTP/1.0\r\n\r\n");
  const text = normalizeDate(await client.readAll());
  await client.close();
  await closeServer(server);
  assert.equal(text, "HTTP/1.1 200 OK\r\nDate: <date>\r\nConnection: close\r\n\r\nab");
});

test("addTrailers sends trailers after a chunked body", async () => {
  const text = await exchange(
    (_req, res) => {
      res.writeHead(200, { Trailer: "Content-MD5" });
      res.write("x");
      res.addTrailers({ "Content-MD5": "abc" });
      res.end();
    },
    GET,
    "abc\r\n\r\n",
  );
  assert.ok(text.endsWith("1\r\nx\r\n0\r\nContent-MD5: abc\r\n\r\n"), text);
});

test("trailers are dropped for HTTP/1.0 clients", async () => {
  const { server, port } = await listen({}, (_req, res) => {
    res.write("x");
    res.addTrailers({ "X-T": "1" });
    res.end();
  });
  const client = await RawClient.connect(port);
  client.write("GET / HTTP/1.0\r\n\r\n");
  const text = await client.readAll();
  await client.close();
  await closeServer(server);
  assert.ok(text.endsWith("\r\n\r\nx") && !text.includes("X-T"), text);
});

test("misuse throws Node's codes", async () => {
  const codes: string[] = [];
  const capture = (fn: () => unknown) => {
    try {
      fn();
      codes.push("none");
    } catch (err) {
      codes.push((err as { code: string }).code);
    }
  };
  await exchange(
    (_req, res) => {
      capture(() => res.setHeader("Bad Name", "x"));
      capture(() => res.setHeader("X", "a\r\nInjected: 1"));
      capture(() => res.writeHead(99));
      capture(() => res.writeHead(200, "OK\r\nX: y"));
      res.writeHead(200);
      capture(() => res.setHeader("X", "1"));
      capture(() => res.writeHead(200));
      res.end();
    },
    GET,
    "\r\n\r\n",
  );
  assert.deepEqual(codes, [
    "ERR_INVALID_HTTP_TOKEN",
    "ERR_INVALID_CHAR",
    "ERR_HTTP_INVALID_STATUS_CODE",
    "ERR_INVALID_CHAR",
    "ERR_HTTP_HEADERS_SENT",
    "ERR_HTTP_HEADERS_SENT",
  ]);
});

test("'finish' and 'close' fire, headersSent flips, end callback runs", async () => {
  const events: string[] = [];
  await exchange(
    (_req, res) => {
      res.on("finish", () => events.push("finish"));
      res.on("close", () => events.push("close"));
      events.push(`sent:${res.headersSent}`);
      res.end("x", () => events.push("cb"));
      events.push(`sent:${res.headersSent}`);
    },
    GET,
    "x",
  );
  await new Promise<void>((r) => queueMicrotask(r));
  assert.deepEqual(events.slice(0, 3), ["sent:false", "sent:true", "finish"]);
  assert.ok(events.includes("cb") && events.includes("close"), events.join());
});

test("a ReadableStream can be piped into res.writableStream", async () => {
  const text = await exchange(
    async (_req, res) => {
      const source = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode("web"));
          controller.enqueue(new TextEncoder().encode("streams"));
          controller.close();
        },
      });
      await source.pipeTo(res.writableStream);
    },
    GET,
    "0\r\n\r\n",
  );
  assert.ok(text.endsWith("3\r\nweb\r\n7\r\nstreams\r\n0\r\n\r\n"), text);
});

test("a client that goes away while a response is open: the response gets 'close' without writing again", async () => {
  let closed!: () => void;
  const resClosed = new Promise<void>((r) => (closed = r));
  const { server, port } = await listen({}, (_req, res) => {
    res.writeHead(200);
    res.write("first chunk\n");
    res.on("close", () => closed());
  });
  const client = await RawClient.connect(port);
  client.write(GET);
  await client.until("first chunk");
  await client.close();
  await resClosed;
  await closeServer(server);
});

test("res.writableStream rejects a pending write when the connection closes", async () => {
  let result!: (outcome: string) => void;
  const outcome = new Promise<string>((r) => (result = r));
  let started!: () => void;
  const writing = new Promise<void>((r) => (started = r));
  const { server, port } = await listen({}, async (_req, res) => {
    const writer = res.writableStream.getWriter();
    started();
    try {
      for (let i = 0; i < 256; i++) await writer.write(new Uint8Array(1 << 20));
      result("all written");
    } catch (err) {
      result(`rejected: ${(err as Error).message}`);
    }
  });
  const client = await RawClient.connect(port);
  client.pause();
  client.write(GET);
  await writing;
  await client.close();
  assert.equal(await outcome, "rejected: Cannot write: the connection closed");
  await closeServer(server);
});

// Checked against node:http on Node 20.20.2 (same requests, same heads but for Date): a 204 or 304 that
// names a Transfer-Encoding closes the connection; without one it stays open.
test("a 204/304 with Transfer-Encoding closes the connection, as Node; a plain 204 keeps it", async () => {
  const cases: [number, Record<string, string>, string][] = [
    [
      204,
      { "Transfer-Encoding": "chunked" },
      "HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\nDate: <date>\r\nConnection: close\r\n\r\n",
    ],
    [
      304,
      { "Transfer-Encoding": "chunked" },
      "HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\nDate: <date>\r\nConnection: close\r\n\r\n",
    ],
    [
      204,
      {},
      "HTTP/1.1 204 No Content\r\nDate: <date>\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\n",
    ],
  ];
  for (const [status, headers, expected] of cases) {
    const text = await exchange(
      (_req, res) => {
        res.writeHead(status, headers);
        res.end();
      },
      "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
      "\r\n\r\n",
    );
    assert.equal(normalizeDate(text), expected);
  }
});

// As Node 20 (test-http-server-write-after-end.js, which passes under node): once a response has
// closed, write() reports ERR_STREAM_WRITE_AFTER_END to its callback only, never as 'error'.
test("write() after the response closed reports to its callback, not to 'error'", async () => {
  const seen: string[] = [];
  let reported!: () => void;
  const done = new Promise<void>((resolve) => (reported = resolve));
  await exchange(
    (_req, res) => {
      res.on("error", () => seen.push("error event"));
      res.end("done");
      res.on("close", () => {
        res.write("late", (err) => {
          seen.push(`${(err as { code?: string } | null)?.code} destroyed=${res.destroyed}`);
          queueMicrotask(reported);
        });
      });
    },
    GET,
    "done",
  );
  await done;
  assert.deepEqual(seen, ["ERR_STREAM_WRITE_AFTER_END destroyed=true"]);
});

// Checked against node:http on Node 20.20.2, same handler and request: exactly these bytes, then the
// server closes the connection (the body is delimited by the close).
test("fields removed with removeHeader() stay out of the head, implicit ones included (as Node)", async () => {
  const { server, port } = await listen({}, (_req, res) => {
    res.removeHeader("connection");
    res.removeHeader("transfer-encoding");
    res.removeHeader("content-length");
    res.removeHeader("date");
    res.setHeader("date", "coffee o clock");
    res.end("beep boop\n");
  });
  const client = await RawClient.connect(port);
  client.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  const text = await client.readAll();
  await client.close();
  await closeServer(server);
  assert.equal(text, "HTTP/1.1 200 OK\r\ndate: coffee o clock\r\n\r\nbeep boop\n");
});

// As Node 20 (test-http-status-reason-invalid-chars.js and test-http-keep-alive-timeout-custom.js pass
// under node): writeHead() checks a statusMessage set before it, and a handler's own Keep-Alive field is
// sent instead of the implicit one.
test("writeHead() checks a statusMessage set before it; the handler's Keep-Alive replaces the implicit one", async () => {
  const thrown: string[] = [];
  const text = await exchange(
    (_req, res) => {
      res.statusMessage = "OK\r\nContent-Type: text/html";
      try {
        res.writeHead(200);
      } catch (err) {
        thrown.push((err as { code: string }).code);
      }
      res.statusMessage = "OK";
      res.writeHead(200, { "Content-Length": 2, "Keep-Alive": "timeout=50" });
      res.end("ok");
    },
    GET,
    "ok",
  );
  assert.deepEqual(thrown, ["ERR_INVALID_CHAR"]);
  assert.equal(
    text,
    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nKeep-Alive: timeout=50\r\nDate: <date>\r\nConnection: keep-alive\r\n\r\nok",
  );
});

// Checked against node:http on Node 20.20.2 with the same handler: hints without a Link send no 103,
// malformed Link values throw ERR_INVALID_ARG_VALUE, a well-formed one goes out.
test("writeEarlyHints(): no Link, no 103; Link values must be `<target>; params`", async () => {
  const outcome: string[] = [];
  const text = await exchange(
    (_req, res) => {
      res.writeEarlyHints({ link: [] });
      res.writeEarlyHints({ "x-a": "b" });
      for (
        const link of ["</>; ", "rel=preload; </s.js>", "invalid string", '</a.css>; rel="preload"; as=style']
      ) {
        try {
          res.writeEarlyHints({ link });
          outcome.push(`sent ${link}`);
        } catch (err) {
          outcome.push(`${(err as { code: string }).code} ${link}`);
        }
      }
      res.end("x");
    },
    GET,
    "\r\n\r\nx",
  );
  assert.deepEqual(outcome, [
    "ERR_INVALID_ARG_VALUE </>; ",
    "ERR_INVALID_ARG_VALUE rel=preload; </s.js>",
    "ERR_INVALID_ARG_VALUE invalid string",
    'sent </a.css>; rel="preload"; as=style',
  ]);
  assert.ok(
    text.startsWith(
      'HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel="preload"; as=style\r\n\r\nHTTP/1.1 200',
    ),
  );
});

// As Node 20 (test-http-response-setheaders.js passes under node): setHeaders() takes a Headers or a Map
// (Set-Cookie values of a Headers stay separate), anything else is ERR_INVALID_ARG_TYPE.
test("setHeaders() takes Headers or Map, keeps Set-Cookie values apart, refuses anything else", async () => {
  const codes: string[] = [];
  const text = await exchange(
    (_req, res) => {
      for (const bad of [["foo", "1"], { foo: "1" }, null, undefined, "test", 1]) {
        try {
          res.setHeaders(bad as never);
        } catch (err) {
          codes.push((err as { code: string }).code);
        }
      }
      const headers = new Headers({ foo: "1" });
      headers.append("set-cookie", "a=1");
      headers.append("set-cookie", "b=2");
      res.setHeaders(headers);
      res.setHeaders(new Map([["bar", "2"]]));
      res.end("ok");
    },
    GET,
    "ok",
  );
  assert.deepEqual(codes, Array(6).fill("ERR_INVALID_ARG_TYPE"));
  assert.match(text, /^HTTP\/1\.1 200 OK\r\nfoo: 1\r\nset-cookie: a=1\r\nset-cookie: b=2\r\nbar: 2\r\n/);
});

// As Node 20 (test-http-head-throw-on-response-body-write.js passes under node): with
// rejectNonStandardBodyWrites, a body on a 204 throws ERR_HTTP_BODY_NOT_ALLOWED; without it, it is dropped.
test("rejectNonStandardBodyWrites: a body for a 204 throws ERR_HTTP_BODY_NOT_ALLOWED", async () => {
  const thrown: string[] = [];
  const { server, port } = await listen({ rejectNonStandardBodyWrites: true }, (_req, res) => {
    res.writeHead(204);
    try {
      res.write("this is content");
    } catch (err) {
      thrown.push(`${(err as Error).name} ${(err as { code: string }).code} ${(err as Error).message}`);
    }
    res.end();
  });
  const client = await RawClient.connect(port);
  client.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  const text = normalizeDate(await client.until("\r\n\r\n"));
  await client.close();
  await closeServer(server);
  assert.deepEqual(thrown, [
    "Error ERR_HTTP_BODY_NOT_ALLOWED Adding content for this request method or response status is not allowed.",
  ]);
  assert.equal(
    text,
    "HTTP/1.1 204 No Content\r\nDate: <date>\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\n",
  );
});

// As Node 20 (checked under node: the same four responses, same bytes and codes): a `Trailer` field
// announces trailers, so the body is chunked even when end() knows it whole, and a head that cannot be
// chunked (a Content-Length beside it) is refused at writeHead() with ERR_HTTP_TRAILER_INVALID, the head
// still open to mend.
test("a Trailer field makes the body chunked; beside a Content-Length, writeHead() throws ERR_HTTP_TRAILER_INVALID", async () => {
  const implicit = await exchange(
    (_req, res) => {
      res.setHeader("Trailer", "baz");
      res.end("ok");
    },
    GET,
    "0\r\n\r\n",
  );
  assert.equal(
    implicit,
    "HTTP/1.1 200 OK\r\nTrailer: baz\r\nDate: <date>\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n" +
      "Transfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
  );
  let code = "";
  const mended = await exchange(
    (_req, res) => {
      res.setHeader("Trailer", "baz");
      try {
        res.writeHead(200, { "Content-Length": "2" });
      } catch (err) {
        code = (err as { code: string }).code;
      }
      assert.equal(res.headersSent, false);
      res.removeHeader("Trailer");
      res.end("ok");
    },
    GET,
    "ok",
  );
  assert.equal(code, "ERR_HTTP_TRAILER_INVALID");
  assert.equal(
    mended,
    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nDate: <date>\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\nok",
  );
});

// As Node 20 (test-http-response-statuscode.js passes under node): the message shows an object or array
// by its contents, as Node's `%s` does.
test("writeHead() with a status that is no number names it as Node does", async () => {
  const messages: string[] = [];
  await exchange(
    (_req, res) => {
      for (const status of [{}, [], null, "404 nope", 99]) {
        try {
          res.writeHead(status as number);
        } catch (err) {
          messages.push(`${(err as { code: string }).code} ${(err as Error).message}`);
        }
      }
      res.end();
    },
    GET,
    "\r\n\r\n",
  );
  assert.deepEqual(messages, [
    "ERR_HTTP_INVALID_STATUS_CODE Invalid status code: {}",
    "ERR_HTTP_INVALID_STATUS_CODE Invalid status code: []",
    "ERR_HTTP_INVALID_STATUS_CODE Invalid status code: null",
    "ERR_HTTP_INVALID_STATUS_CODE Invalid status code: 404 nope",
    "ERR_HTTP_INVALID_STATUS_CODE Invalid status code: 99",
  ]);
});

// As Node 20 (test-http-server-response-standalone.js passes under node; this scenario run under node
// gives the same events): a standalone response assigned a user's Writable writes head and body in one
// write, then an empty write, and finishes when that one is called back. (Node's head says
// `Connection: keep-alive` here; a response on no server connection says `close`.)
test("assignSocket() with a user's Writable: head and body, then an empty write that carries 'finish'", async () => {
  const req = new IncomingMessage();
  const res = new ServerResponse(req);
  const events: string[] = [];
  const ws = new Writable({
    write(chunk: Uint8Array, _encoding, callback) {
      events.push("write " + JSON.stringify(normalizeDate(new TextDecoder().decode(chunk))));
      setTimeout(() => {
        events.push("callback");
        callback();
      }, 0);
    },
  });
  res.assignSocket(ws as never);
  assert.equal((ws as unknown as { _httpMessage: unknown })._httpMessage, res);
  assert.throws(() => res.assignSocket(ws as never), { code: "ERR_HTTP_SOCKET_ASSIGNED" });
  res.on("finish", () => events.push("finish"));
  await new Promise<void>((resolve) => res.end("hello world", resolve));
  assert.deepEqual(events, [
    "write " + JSON.stringify(
      "HTTP/1.1 200 OK\r\nDate: <date>\r\nConnection: close\r\nContent-Length: 11\r\n\r\nhello world",
    ),
    "callback",
    'write ""',
    "callback",
    "finish",
  ]);
  res.detachSocket(ws as never);
  assert.equal((ws as unknown as { _httpMessage: unknown })._httpMessage, null);
  assert.equal(res.socket, null);
});

// As Node 20 (test-http-server-response-standalone.js passes under node, which gives its response this
// plain object for a request): a request-like object that is no stream will do; the response finishes.
test("a standalone response for a plain request-like object (no stream) writes and finishes", async () => {
  const res = new ServerResponse({ method: "GET", httpVersionMajor: 1, httpVersionMinor: 1 } as never);
  const written: string[] = [];
  res.assignSocket(
    new Writable({
      write(chunk: Uint8Array, _encoding, callback) {
        written.push(new TextDecoder().decode(chunk));
        callback();
      },
    }) as never,
  );
  await new Promise<void>((resolve) => res.on("finish", resolve).end("hello world"));
  assert.ok(written[0]!.endsWith("\r\n\r\nhello world"));
  assert.equal(res.writableFinished, true);
});

// As Node 20 (test-http-outgoing-message-write-callback.js passes under node): over a Writable that
// calls back at once, every write's callback still comes before the end() callback.
test("assignSocket() with a Writable that calls back at once: write callbacks come before the end callback", async () => {
  const res = new ServerResponse(new IncomingMessage());
  res.assignSocket(new Writable({ write: (_chunk, _encoding, callback) => callback() }) as never);
  const calls: string[] = [];
  for (const chunk of ["a", "b", "", new Uint8Array(0), "c"]) {
    res.write(chunk, () => calls.push(typeof chunk === "string" ? chunk : "bytes"));
  }
  const atEnd = await new Promise<string[]>((resolve) => res.end(() => resolve([...calls])));
  assert.deepEqual(atEnd, ["a", "b", "", "bytes", "c"]);
});

// Checked under node 20.20.2: `_header` is null before the head is fixed; after
// `writeHead(200, { "content-type": "text/plain" })` it is "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n
// Date: ...\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\nTransfer-Encoding: chunked\r\n\r\n", the
// head the wire then carries; after an implicit head it is the head as sent (Content-Length for end(data)).
test("_header: null before the head is fixed, then the head as it goes on the wire (Node's)", async () => {
  const seen: (string | null)[] = [];
  const text = await exchange(
    (req, res) => {
      seen.push(res._header);
      if (req.url === "/explicit") {
        res.writeHead(200, { "content-type": "text/plain" });
        seen.push(res._header && normalizeDate(res._header));
        res.end("hello");
      } else {
        res.end("implicit");
      }
      seen.push(res._header && normalizeDate(res._header));
    },
    "GET /explicit HTTP/1.1\r\nHost: x\r\n\r\nGET /implicit HTTP/1.1\r\nHost: x\r\n\r\n",
    "implicit",
  );
  const explicitHead =
    "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\nDate: <date>\r\nConnection: keep-alive\r\n" +
    "Keep-Alive: timeout=5\r\nTransfer-Encoding: chunked\r\n\r\n";
  const implicitHead =
    "HTTP/1.1 200 OK\r\nDate: <date>\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n" +
    "Content-Length: 8\r\n\r\n";
  assert.deepEqual(seen, [null, explicitHead, explicitHead, null, implicitHead]);
  assert.equal(text, explicitHead + "5\r\nhello\r\n0\r\n\r\n" + implicitHead + "implicit");
});
