import assert from "node:assert/strict";
import { test } from "../_harness.ts";
import { closeServer, listen, normalizeDate, RawClient, splitResponse } from "../_net.ts";
import {
  type FetchHandler,
  type FetchHandlerInfo,
  type ResponseTrailers,
  serveFetch,
  toRequestListener,
} from "../../mod.ts";
import * as fetchEntry from "../../src/fetch/mod.ts";

const encoder = new TextEncoder();
const KEEP = "Connection: keep-alive\r\nKeep-Alive: timeout=5\r\n";

/** Serves `handler` through the bridge on 127.0.0.1:0 and runs `body` with a raw client. */
async function withBridge(
  handler: Parameters<typeof toRequestListener>[0],
  body: (client: RawClient) => Promise<void>,
  options: Parameters<typeof toRequestListener>[1] = {},
): Promise<void> {
  const { server, port } = await listen({}, toRequestListener(handler, options));
  const client = await RawClient.connect(port);
  try {
    await body(client);
  } finally {
    await client.close();
    await closeServer(server);
  }
}

/** A chunked response is complete once its last chunk (and trailer section) arrived. */
const chunkedDone = (t: string) => /\r\n0\r\n(?:[^\r]+\r\n)*\r\n$/.test(t);

test("fetch bridge: status, reason, fields, every Set-Cookie, and a known-length body, exact bytes", async () => {
  await withBridge(
    () => {
      const headers = new Headers({ "Content-Type": "text/plain", "X-B": "b" });
      headers.append("Set-Cookie", "a=1; Path=/");
      headers.append("Set-Cookie", "b=2, with comma");
      headers.append("X-A", "1");
      headers.append("X-A", "2");
      return new Response("hello", { status: 201, statusText: "Made It", headers });
    },
    async (client) => {
      client.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      const text = normalizeDate(await client.until("hello"));
      assert.equal(
        text,
        "HTTP/1.1 201 Made It\r\ncontent-type: text/plain\r\nx-a: 1, 2\r\nx-b: b\r\n" +
          "set-cookie: a=1; Path=/\r\nset-cookie: b=2, with comma\r\nDate: <date>\r\n" + KEEP +
          "Content-Length: 5\r\n\r\nhello",
      );
    },
  );
});

test("fetch bridge: the Request has the method, an absolute URL from Host, and every field", async () => {
  let seen: Record<string, unknown> | undefined;
  await withBridge(
    (request, info) => {
      seen = {
        method: request.method,
        url: request.url,
        repeated: request.headers.get("x-rep"),
        host: request.headers.get("host"),
        body: request.body,
        remote: info.remoteAddr.hostname,
        ip: info.requestIP(request).address,
      };
      return new Response(null, { status: 204 });
    },
    async (client) => {
      client.write("DELETE /items/7?x=1 HTTP/1.1\r\nHost: example.test:8080\r\nX-Rep: a\r\nX-Rep: b\r\n\r\n");
      await client.until("\r\n\r\n");
    },
  );
  assert.deepEqual(seen, {
    method: "DELETE",
    url: "http://example.test:8080/items/7?x=1",
    repeated: "a, b",
    host: "example.test:8080",
    body: null,
    remote: "127.0.0.1",
    ip: "127.0.0.1",
  });
});

test("fetch bridge: without Host (HTTP/1.0) the URL uses options.hostname; a // path stays a path", async () => {
  const urls: string[] = [];
  await withBridge(
    (request) => {
      urls.push(request.url);
      return new Response("ok");
    },
    async (client) => {
      client.write("GET //evil.test/p HTTP/1.0\r\n\r\n");
      await client.readAll();
    },
    { hostname: "app.internal:81" },
  );
  assert.deepEqual(urls, ["http://app.internal:81//evil.test/p"]);
});

test("the ./fetch entry exports the same bridge as the main entry", () => {
  assert.equal(fetchEntry.serveFetch, serveFetch);
  assert.equal(fetchEntry.toRequestListener, toRequestListener);
});

test("fetch bridge: a host that is no authority is answered 400 and never reaches the handler", async () => {
  const urls: string[] = [];
  const handler = (request: Request) => {
    urls.push(request.url);
    return new Response("ok");
  };
  // A bad Host field is refused by the server's parser already; a bad options.hostname (used when a
  // request has no Host) by the bridge's own check.
  for (const [head, hostname] of [["Host: a b\r\n", "ok.test"], ["", "a b"], ["", "x/y"], ["", "a:8x"]]) {
    await withBridge(handler, async (client) => {
      client.write(`GET / HTTP/1.0\r\n${head}\r\n`);
      const text = await client.readAll();
      assert.match(text, /^HTTP\/1\.[01] 400 /, JSON.stringify(text));
    }, { hostname: hostname! });
  }
  // IPv6 literals, ports and percent-encoded reg-names are authorities.
  for (const host of ["[::1]:8080", "ex%41mple.test", "127.0.0.1"]) {
    await withBridge(
      (request) => {
        urls.push(request.url);
        return new Response("ok");
      },
      async (client) => {
        client.write(`GET /p HTTP/1.0\r\nHost: ${host}\r\n\r\n`);
        await client.readAll();
      },
    );
  }
  assert.deepEqual(urls, ["http://[::1]:8080/p", "http://example.test/p", "http://127.0.0.1/p"]);
});

test("fetch bridge: a streamed request body is echoed back as it arrives, chunk by chunk", async () => {
  await withBridge(
    (request) => new Response(request.body, { headers: { "Content-Type": "application/octet-stream" } }),
    async (client) => {
      client.write("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n");
      // The first chunk comes back before the request body is complete: streaming both ways.
      await client.until("first");
      client.write("6\r\nsecond\r\n0\r\n\r\n");
      const text = normalizeDate(await client.until(chunkedDone));
      assert.equal(
        text,
        "HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\nDate: <date>\r\n" + KEEP +
          "Transfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n6\r\nsecond\r\n0\r\n\r\n",
      );
    },
  );
});

test("fetch bridge: a Content-Length request body reaches request.text()", async () => {
  await withBridge(
    async (request) => new Response(`${request.method} ${(await request.text()).toUpperCase()}`),
    async (client) => {
      client.write("PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello world");
      const { body } = splitResponse(await client.until("HELLO WORLD"));
      assert.equal(body, "PUT HELLO WORLD");
    },
  );
});

test("fetch bridge: HEAD gets the head without a body; the connection stays usable", async () => {
  let cancelled = false;
  await withBridge(
    (request) => {
      const body = new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(encoder.encode("body"));
        },
        cancel() {
          cancelled = true;
        },
      });
      return new Response(request.method === "HEAD" ? body : "get-body", {
        headers: { "Content-Type": "text/plain", "Content-Length": request.method === "HEAD" ? "4" : "8" },
      });
    },
    async (client) => {
      client.write("HEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n");
      const text = normalizeDate(await client.until("get-body"));
      const head = "content-length: 4\r\ncontent-type: text/plain\r\nDate: <date>\r\n" + KEEP + "\r\n";
      assert.equal(
        text,
        "HTTP/1.1 200 OK\r\n" + head +
          "HTTP/1.1 200 OK\r\ncontent-length: 8\r\ncontent-type: text/plain\r\nDate: <date>\r\n" + KEEP +
          "\r\nget-body",
      );
    },
  );
  assert.ok(cancelled, "the unsent HEAD body is cancelled");
});

test("fetch bridge: 204 and 304 carry no body and no framing fields", async () => {
  await withBridge(
    (request) =>
      request.url.endsWith("/a")
        ? new Response(null, { status: 204 })
        : new Response(null, { status: 304, headers: { ETag: '"v1"' } }),
    async (client) => {
      client.write("GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n");
      const text = await client.until((t) => t.includes("304") && t.endsWith("\r\n\r\n"));
      assert.equal(
        normalizeDate(text),
        "HTTP/1.1 204 No Content\r\nDate: <date>\r\n" + KEEP + "\r\n" +
          'HTTP/1.1 304 Not Modified\r\netag: "v1"\r\nDate: <date>\r\n' + KEEP + "\r\n",
      );
    },
  );
});

/** Runs `fn` with console.error captured. */
async function quietly<T>(fn: (errors: unknown[][]) => Promise<T>): Promise<T> {
  const original = console.error;
  const errors: unknown[][] = [];
  console.error = (...args: unknown[]) => errors.push(args);
  try {
    return await fn(errors);
  } finally {
    console.error = original;
  }
}

test("fetch bridge: a handler that throws (or rejects) gets 500 and the error is logged", async () => {
  await quietly(async (errors) => {
    await withBridge(
      (request) => {
        if (request.url.endsWith("/sync")) throw new Error("boom");
        return Promise.reject(new Error("later boom"));
      },
      async (client) => {
        client.write("GET /sync HTTP/1.1\r\nHost: x\r\n\r\nGET /async HTTP/1.1\r\nHost: x\r\n\r\n");
        const text = normalizeDate(
          await client.until((t) => t.split("Internal Server Error").length === 5),
        );
        const one = "HTTP/1.1 500 Internal Server Error\r\ncontent-type: text/plain; charset=utf-8\r\n" +
          "Date: <date>\r\n" + KEEP + "Content-Length: 21\r\n\r\nInternal Server Error";
        assert.equal(text, one + one);
      },
    );
    assert.deepEqual(errors.map((args) => (args[1] as Error).message), ["boom", "later boom"]);
  });
});

// The answer is Node's for a handler that failed (its captureRejections 500: the handler's fields dropped,
// "Internal Server Error" as the body), the same the server gives a rejected request listener. Checked under
// node 20: `res.setHeader("content-length", "9"); res.removeHeader("content-length"); res.statusCode = 500;
// res.end("Internal Server Error")` goes out chunked.
test("fetch bridge: a Response the writer refuses (Content-Length not 1*DIGIT) is answered 500, logged", async () => {
  await quietly(async (errors) => {
    await withBridge(
      () => new Response("abc", { headers: { "content-length": "3, 3", "x-secret": "s" } }),
      async (client) => {
        client.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        // Chunked, as Node frames it: the handler's Content-Length was removed with its other fields, and
        // a removed Content-Length is never added back implicitly (Node's `_removedContLen`).
        const text = normalizeDate(await client.until("0\r\n\r\n"));
        assert.equal(
          text,
          "HTTP/1.1 500 Internal Server Error\r\nDate: <date>\r\n" + KEEP +
            "Transfer-Encoding: chunked\r\n\r\n15\r\nInternal Server Error\r\n0\r\n\r\n",
        );
      },
    );
    assert.equal(errors.length, 1);
    assert.equal((errors[0]![1] as { code?: string }).code, "ERR_HTTP_INVALID_HEADER_VALUE");
  });
});

test("fetch bridge: onError answers for a failing handler; a non-Response is a failure too", async () => {
  const failures: string[] = [];
  await withBridge(
    () => ({ not: "a response" }) as unknown as Response,
    async (client) => {
      client.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      const { head, body } = splitResponse(await client.until("sorry"));
      assert.ok(head.startsWith("HTTP/1.1 503 Service Unavailable\r\n"), head);
      assert.equal(body, "sorry");
    },
    {
      onError(error) {
        failures.push((error as Error).name);
        return new Response("sorry", { status: 503 });
      },
    },
  );
  assert.deepEqual(failures, ["TypeError"]);
});

test("fetch bridge: a body that fails after the head went out destroys the connection", async () => {
  const fail = Promise.withResolvers<void>();
  await quietly(async () => {
    await withBridge(
      () => {
        let step = 0;
        const body = new ReadableStream<Uint8Array>({
          async pull(c) {
            if (step++ === 0) c.enqueue(encoder.encode("partial"));
            else {
              await fail.promise;
              c.error(new Error("source failed"));
            }
          },
        });
        return new Response(body);
      },
      async (client) => {
        client.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        await client.until("partial");
        fail.resolve();
        const text = await client.readAll();
        assert.ok(text.endsWith("\r\n7\r\npartial\r\n"), text);
      },
    );
  });
});

// The server notices a client that left when the next write fails: a live feed finds out at its next
// event. (A response that writes nothing more is not noticed until it does; see the report.)
test("fetch bridge: request.signal aborts and the body is cancelled when the client leaves mid-response", async () => {
  let signal: AbortSignal | undefined;
  let completed: Promise<void> | undefined;
  let cancelled!: () => void;
  const bodyCancelled = new Promise<void>((r) => (cancelled = r));
  const aborted = Promise.withResolvers<unknown>();
  const { server, port } = await listen(
    {},
    toRequestListener((request, info) => {
      signal = request.signal;
      completed = info.completed;
      request.signal.addEventListener("abort", () => aborted.resolve(request.signal.reason));
      // A live feed: a tick every few milliseconds until the reader cancels.
      let timer: ReturnType<typeof setTimeout> | undefined;
      let wake: (() => void) | undefined;
      const body = new ReadableStream<Uint8Array>({
        async pull(c) {
          await new Promise<void>((resolve) => {
            wake = resolve;
            timer = setTimeout(resolve, 2);
          });
          c.enqueue(encoder.encode("tick\n"));
        },
        cancel() {
          clearTimeout(timer);
          wake?.();
          cancelled();
        },
      });
      return new Response(body);
    }),
  );
  const client = await RawClient.connect(port);
  client.write("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n");
  await client.until("tick");
  assert.equal(signal?.aborted, false);
  await client.close();
  const reason = await aborted.promise;
  await bodyCancelled;
  await assert.rejects(completed!, { name: "AbortError" });
  await closeServer(server);
  assert.equal((reason as Error).name, "AbortError");
});

test("fetch bridge: info.completed resolves and the signal stays quiet after a normal response", async () => {
  const infos: FetchHandlerInfo[] = [];
  const signals: AbortSignal[] = [];
  await withBridge(
    (request, info) => {
      infos.push(info);
      signals.push(request.signal);
      return new Response("done");
    },
    async (client) => {
      client.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      await client.until("done");
      await infos[0]!.completed;
    },
  );
  assert.equal(signals[0]!.aborted, false);
});

test("fetch bridge: trailers by the Response convention, declared by the handler, after a streamed body", async () => {
  await withBridge(
    () => {
      let size = 0;
      let resolveTrailers!: (fields: HeadersInit) => void;
      const chunks = ["hello ", "world"];
      const body = new ReadableStream<Uint8Array>({
        async pull(c) {
          await new Promise((r) => setTimeout(r, 1));
          const next = chunks.shift();
          if (next === undefined) {
            c.close();
            resolveTrailers([["X-Size", String(size)], ["X-Checksum", "abc"]]);
            return;
          }
          size += next.length;
          c.enqueue(encoder.encode(next));
        },
      });
      const response: Response & ResponseTrailers = new Response(body, {
        headers: { Trailer: "X-Size, X-Checksum" },
      });
      response.trailers = new Promise((r) => (resolveTrailers = r));
      return response;
    },
    async (client) => {
      client.write("GET / HTTP/1.1\r\nHost: x\r\nTE: trailers\r\n\r\n");
      const text = normalizeDate(await client.until(chunkedDone));
      assert.equal(
        text,
        "HTTP/1.1 200 OK\r\ntrailer: X-Size, X-Checksum\r\nTransfer-Encoding: chunked\r\nDate: <date>\r\n" +
          KEEP +
          "\r\n6\r\nhello \r\n5\r\nworld\r\n0\r\nx-checksum: abc\r\nx-size: 11\r\n\r\n",
      );
    },
  );
});

test("fetch bridge: trailers already known are declared by the bridge; a short body still goes chunked", async () => {
  await withBridge(
    () => Object.assign(new Response("tiny"), { trailers: Promise.resolve({ "X-Done": "yes" }) }),
    async (client) => {
      client.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      const text = normalizeDate(await client.until(chunkedDone));
      const { head, body } = splitResponse(text);
      assert.match(head, /\r\nTransfer-Encoding: chunked\r\nTrailer: x-done\r\n/);
      assert.equal(body, "4\r\ntiny\r\n0\r\nx-done: yes\r\n\r\n");
    },
  );
});

test("fetch bridge: trailers are dropped for an HTTP/1.0 client (no chunked coding)", async () => {
  await withBridge(
    () =>
      Object.assign(new Response("old", { headers: { "Content-Type": "text/plain" } }), {
        trailers: Promise.resolve({ "X-Done": "yes" }),
      }),
    async (client) => {
      client.write("GET / HTTP/1.0\r\n\r\n");
      const text = normalizeDate(await client.readAll());
      assert.equal(
        text,
        "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\nDate: <date>\r\n" +
          "Connection: close\r\nContent-Length: 3\r\n\r\nold",
      );
    },
  );
});

test("fetch bridge: a large body is sent with backpressure (the source is pulled as the client reads)", async () => {
  const chunk = new Uint8Array(64 * 1024).fill(97);
  // 48 MiB: more than the kernel can hold for a client that does not read, so the assertion below is about
  // our backpressure and not the machine's socket buffers (Linux autotunes a loopback receive buffer up
  // to net.ipv4.tcp_rmem's max, 32 MiB on our CI machines, plus up to 4 MiB of send buffer: 128 chunks,
  // 8 MiB, were sometimes all taken).
  const total = 768;
  let pulled = 0;
  const { server, port } = await listen(
    {},
    toRequestListener(() =>
      new Response(
        new ReadableStream<Uint8Array>({
          pull(c) {
            if (pulled === total) c.close();
            else {
              pulled++;
              c.enqueue(chunk);
            }
          },
        }, { highWaterMark: 0 }),
      )
    ),
  );
  const client = await RawClient.connect(port);
  client.pause();
  client.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  // While the client does not read, the socket buffers fill and the bridge stops pulling.
  let before = -1;
  while (before !== pulled) {
    before = pulled;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.ok(pulled < total * 0.8, `pulled ${pulled} of ${total} chunks while the client was paused`);
  client.resume();
  // The byte count first: matching the whole 48 MB text after every read would be quadratic.
  await client.until((text) => client.receivedBytes >= total * chunk.length && chunkedDone(text));
  assert.equal(pulled, total);
  await client.close();
  await closeServer(server);
});

test("serveFetch: listens, reports the address, serves an app object, and closes on signal", async () => {
  const controller = new AbortController();
  const listening = Promise.withResolvers<number>();
  const app: { fetch: FetchHandler } = {
    fetch: (request) => new Response(`app ${new URL(request.url).pathname}`),
  };
  const server = serveFetch(app, {
    port: 0,
    hostname: "127.0.0.1",
    signal: controller.signal,
    onListen: (addr) => listening.resolve(addr.port),
  });
  const port = await listening.promise;
  const client = await RawClient.connect(port);
  client.write("GET /path HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  const { body } = splitResponse(await client.readAll());
  await client.close();
  const closed = new Promise<void>((r) => server.once("close", () => r()));
  controller.abort();
  await closed;
  assert.equal(body, "app /path");
  assert.equal(server.listening, false);
});
