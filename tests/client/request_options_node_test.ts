/**
 * Client options as Node takes them: validation (classes, codes, messages), `lookup` and `family`,
 * `maxHeaderSize`, `joinDuplicateHeaders`, an empty `path`, a `URL` carrying extra properties, and
 * `new ClientRequest(...)` starting by itself.
 *
 * Verified once with node (v20) against node:http: the same calls and the same scripted responses printed
 * these errors and values. `localAddress`/`localPort`: see local_address_test.ts.
 */
import assert from "node:assert/strict";
import { once, test } from "../_harness.ts";
import { RawServer } from "../_net.ts";
import { ClientRequest, get, type IncomingMessage, type LookupFunction, request } from "../../mod.ts";

function refused(options: Record<string, unknown>): Error & { code?: string } {
  try {
    request({ agent: false, ...options }).destroy();
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error("no throw");
}

test("options are validated as Node: timeout, lookup, maxHeaderSize, insecureHTTPParser, joinDuplicateHeaders", () => {
  const seen = [
    { timeout: null },
    { lookup: 5 },
    { maxHeaderSize: "x" },
    { maxHeaderSize: -1 },
    { insecureHTTPParser: 1 },
    { joinDuplicateHeaders: "y" },
  ].map((o) => {
    const err = refused(o);
    return `${err.name} ${err.code} ${err.message}`;
  });
  assert.deepEqual(seen, [
    'TypeError ERR_INVALID_ARG_TYPE The "timeout" argument must be of type number. Received null',
    'TypeError ERR_INVALID_ARG_TYPE The "options.lookup" property must be of type function. Received type number (5)',
    `TypeError ERR_INVALID_ARG_TYPE The "maxHeaderSize" argument must be of type number. Received type string ('x')`,
    'RangeError ERR_OUT_OF_RANGE The value of "maxHeaderSize" is out of range. It must be >= 0 && <= 9007199254740991. Received -1',
    'TypeError ERR_INVALID_ARG_TYPE The "options.insecureHTTPParser" property must be of type boolean. Received type number (1)',
    `TypeError ERR_INVALID_ARG_TYPE The "options.joinDuplicateHeaders" property must be of type boolean. Received type string ('y')`,
  ]);
});

test("an empty path is '/', an empty method GET (new ClientRequest with createConnection, as Node)", () => {
  const req = new ClientRequest({ path: "", method: "", createConnection: () => undefined });
  assert.equal(req.path, "/");
  assert.equal(req.method, "GET");
  req.on("error", () => {});
  req.destroy();
});

/** A server answering by path: `/big` with a 200-byte field, `/dup` with X-A twice, else the request head. */
function scripted(): Promise<RawServer> {
  return RawServer.start(async (conn) => {
    const head = await conn.until("\r\n\r\n");
    const url = head.split(" ")[1];
    if (url === "/big") {
      conn.write(`HTTP/1.1 200 OK\r\nX-Big: ${"a".repeat(200)}\r\nContent-Length: 0\r\n\r\n`);
    } else if (url === "/dup") conn.write("HTTP/1.1 200 OK\r\nX-A: 1\r\nX-A: 2\r\nContent-Length: 0\r\n\r\n");
    else {
      const body = JSON.stringify(head);
      conn.write(
        `HTTP/1.1 200 OK\r\nContent-Length: ${new TextEncoder().encode(body).length}\r\n\r\n${body}`,
      );
    }
  });
}

function text(res: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let b = "";
    res.setEncoding("utf8");
    res.on("data", (c: string) => (b += c));
    res.on("end", () => resolve(b));
  });
}

test("maxHeaderSize bounds the response head (HPE_HEADER_OVERFLOW); joinDuplicateHeaders joins repeats", async () => {
  const server = await scripted();
  const big = get({ host: "127.0.0.1", port: server.port, path: "/big", maxHeaderSize: 100, agent: false });
  const [err] = await once<[Error & { code?: string }]>(big, "error");
  assert.equal(err.code, "HPE_HEADER_OVERFLOW");
  const dup = get({
    host: "127.0.0.1",
    port: server.port,
    path: "/dup",
    joinDuplicateHeaders: true,
    agent: false,
  });
  const [res] = await once<[IncomingMessage]>(dup, "response");
  assert.equal(res.headers["x-a"], "1, 2");
  await text(res);
  await server.close();
});

// As Node 20 (test-http-max-headers-count.js passes under node, and this scenario run under node):
// req.maxHeadersCount keeps the first N response fields in `headers`; `rawHeaders` keeps them all; 0 (or
// unset) keeps them all.
test("req.maxHeadersCount keeps the first N response fields", async () => {
  const server = await scripted();
  const seen: string[] = [];
  for (const max of [1, 0]) {
    const req = request({ host: "127.0.0.1", port: server.port, path: "/dup", agent: false });
    req.maxHeadersCount = max;
    req.end();
    const [res] = await once<[IncomingMessage]>(req, "response");
    seen.push(`${max}: ${JSON.stringify(res.rawHeaders)} ${JSON.stringify(res.headers)}`);
    await text(res);
  }
  assert.deepEqual(seen, [
    '1: ["X-A","1","X-A","2","Content-Length","0"] {"x-a":"1"}',
    '0: ["X-A","1","X-A","2","Content-Length","0"] {"x-a":"1, 2","content-length":"0"}',
  ]);
  await server.close();
});

test("a URL's own properties are options (headers); new ClientRequest(url, cb) starts by itself", async () => {
  const server = await scripted();
  const url = Object.assign(new URL(`http://127.0.0.1:${server.port}/u?q=1`), { headers: { foo: "Bar" } });
  const [res] = await once<[IncomingMessage]>(get(url, { agent: false }), "response");
  assert.ok(JSON.parse(await text(res)).includes("foo: Bar\r\n"));
  const got = Promise.withResolvers<IncomingMessage>();
  new ClientRequest(`http://127.0.0.1:${server.port}/ctor`, { agent: false }, got.resolve).end();
  const ctor = await got.promise;
  assert.equal(ctor.statusCode, 200);
  assert.ok(JSON.parse(await text(ctor)).startsWith("GET /ctor HTTP/1.1\r\n"));
  await server.close();
});

test("lookup is called as Node calls it: all addresses without a family, one with family 4", async () => {
  const server = await scripted();
  const calls: unknown[] = [];
  let ipLookups = 0;
  const lookup: LookupFunction = (host, options, cb) => {
    calls.push([host, { ...options }]);
    if (options.all) cb(null, [{ address: "127.0.0.1", family: 4 }]);
    else cb(null, "127.0.0.1", 4);
  };
  for (const family of [undefined, 4]) {
    const req = get({
      host: "name.invalid",
      port: server.port,
      lookup,
      agent: false,
      ...(family ? { family } : {}),
    });
    const [res] = await once<[IncomingMessage]>(req, "response");
    // The Host field still names the host asked for.
    assert.ok(JSON.parse(await text(res)).includes(`Host: name.invalid:${server.port}\r\n`));
  }
  assert.deepEqual(calls, [
    ["name.invalid", { hints: 32, all: true }],
    ["name.invalid", { family: 4, hints: 0 }],
  ]);
  // A lookup error is the request's error; an IP is never looked up.
  const failing: LookupFunction = (_h, _o, cb) => cb(Object.assign(new Error("nope"), { code: "ENOTFOUND" }));
  const [err] = await once<[Error & { code?: string }]>(
    get({ host: "name.invalid", port: server.port, lookup: failing, agent: false }),
    "error",
  );
  assert.equal(`${err.message} ${err.code}`, "nope ENOTFOUND");
  const [res] = await once<[IncomingMessage]>(
    get({ host: "127.0.0.1", port: server.port, lookup: () => void ipLookups++, agent: false }),
    "response",
  );
  await text(res);
  assert.equal(ipLookups, 0);
  await server.close();
});

// Checked under node 20.20 with the same lookups (answering on the next turn, so the socket's listeners
// are on by then): `lookup null 127.0.0.1 4 name.invalid, connect`; `lookup ENOTFOUND undefined undefined
// name.invalid, error ENOTFOUND`; for an IP only `connect`. got's `timeout.lookup` waits for this event.
test("the socket emits 'lookup' (err, address, family, host) for a name, before 'connect'; none for an IP", async () => {
  const server = await scripted();
  const answering: LookupFunction = (_host, options, cb) =>
    setImmediate(() =>
      options.all ? cb(null, [{ address: "127.0.0.1", family: 4 }]) : cb(null, "127.0.0.1", 4)
    );
  const failing: LookupFunction = (_host, _options, cb) =>
    setImmediate(() => cb(Object.assign(new Error("nope"), { code: "ENOTFOUND" })));
  const run = async (host: string, lookup: LookupFunction) => {
    const events: string[] = [];
    const req = get({ host, port: server.port, lookup, agent: false }, (res) => res.resume());
    req.on("socket", (socket) => {
      socket.on(
        "lookup",
        (err: { code?: string } | null, address?: string, family?: number, name?: string) => {
          events.push(`lookup ${err?.code ?? err} ${address} ${family} ${name}`);
        },
      );
      socket.on("connect", () => events.push("connect"));
    });
    req.on("error", (err: Error & { code?: string }) => events.push(`error ${err.code}`));
    await new Promise((resolve) => req.on("close", resolve));
    return events;
  };
  try {
    assert.deepEqual(await run("name.invalid", answering), [
      "lookup null 127.0.0.1 4 name.invalid",
      "connect",
    ]);
    assert.deepEqual(await run("name.invalid", failing), [
      "lookup ENOTFOUND undefined undefined name.invalid",
      "error ENOTFOUND",
    ]);
    assert.deepEqual(await run("127.0.0.1", answering), ["connect"]);
  } finally {
    await server.close();
  }
});

test("autoSelectFamily: an address that refuses makes the request try the next one (off: it fails)", async () => {
  // As Node 20 (test-http-autoselectfamily.js): lookup lists ::1 before 127.0.0.1; only the latter listens.
  const server = await scripted();
  const lookup: LookupFunction = (_host, _options, cb) =>
    cb(null, [{ address: "::1", family: 6 }, { address: "127.0.0.1", family: 4 }]);
  try {
    const [res] = await once<[IncomingMessage]>(
      get({ host: "name.invalid", port: server.port, lookup, agent: false }),
      "response",
    );
    assert.equal(res.statusCode, 200);
    await text(res);
    const req = get({
      host: "name.invalid",
      port: server.port,
      lookup,
      autoSelectFamily: false,
      agent: false,
    });
    const [err] = await once<[Error & { code?: string }]>(req, "error");
    assert.ok(err.code !== undefined);
  } finally {
    await server.close();
  }
});
