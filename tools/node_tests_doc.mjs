// Writes docs/node-tests.md from the results of ../shared/node-tests (one run per runtime):
//   node tools/node_tests_doc.mjs <wire-deno.tsv> <wire-bun.tsv> > docs/node-tests.md
// Every test that Node 20 passes and we fail on either runtime is listed with the reason it fails, sorted
// into the kinds the project accepts: a Node internal the test reaches, a documented strictness or wire
// decision, or a feature of an open issue (client/Agent, HTTPS). What fits none is listed as not yet matched.
import { readFileSync } from "node:fs";

const [denoFile, bunFile] = process.argv.slice(2);
const read = (file) =>
  new Map(
    readFileSync(file, "utf8").trim().split("\n").slice(1).map((line) => {
      const [test, status, node, , , , error] = line.split("\t");
      return [test, { status, node, error: (error ?? "").replace(/\|/g, "\\|").slice(0, 140) }];
    }),
  );
const deno = read(denoFile);
const bun = read(bunFile);

const INTERNALS = /\b(_send|_writeRaw|_addHeaderLine|_header|_headerNames|_handle|outputData|kOutHeaders|_events|_httpMessage|_removed|_onPendingData|_last|_contentLength|parser|incoming'|_readableState|_writableState|\._[a-zA-Z]+ is not a function)/;
const CLIENT = /agent|client|request|abort|lookup|localaddress|autoselectfamily|dns|default-port|createconnection|hostname|host-header|invalid-urls|url|get-pipeline|keepalive-free|keepalive-override|keep-alive-close-on-header|timeout-overflow|response-no-headers|connect-req-res|upgrade-client|information|perf_hooks|nodelay|dont-override|set-timeout|response-readable|response-setheaders|chunk-problem|contentLength0|double-content-length|content-length\.js|1\.0\.js|response-multi-content-length|destroyed-socket-write2|mutable-headers|raw-headers|multiple-headers|header-owstext|insecure-parser|max-header-size|blank-header|keep-alive\.js/i;
const STRICT = /Parse Error|Invalid value ".*" for header|obs-fold|only 1\.x|chunked/;

/** Tests read one by one: what each needs that we do not do, or do differently on purpose. */
const KNOWN = {
  "test-http-header-owstext.js": "strictness: a `Host` that is not a valid authority (`foo\\tcom`, `- - - -`, empty) is 400 (RFC 9112 section 3.2); Node takes any value",
  "test-http-server-multiheaders.js": "strictness: several `Host` fields are 400 (RFC 9112 section 3.2); the test sends three",
  "test-http-server-multiheaders2.js": "strictness: several `Host` fields are 400 (RFC 9112 section 3.2); the test sends two",
  "test-http-transfer-encoding-repeated-chunked.js": "strictness: a request whose last transfer coding is not `chunked` (here `chunkedchunked`) is answered 400 at its head, without a 'request' event (RFC 9112 section 6.3); Node emits 'request', then fails on the body with the same 400",
  "test-http-double-content-length.js": "strictness: a Content-Length of `1, 2` is refused by the writer; README",
  "test-http-response-multi-content-length.js": "strictness: a Content-Length of `2, 1` is refused by the writer; README",
  "test-http-server-connection-list-when-close.js": "reaches Node internals (the server's `parser` objects)",
  "test-http-parser-freed-before-upgrade.js": "reaches Node internals (`socket.parser`)",
  "test-http-server-delete-parser.js": "reaches Node internals (`parser`)",
  "test-http-server-keepalive-end.js": "reaches Node internals (`parser.incoming`)",
  "test-http-flush-headers.js": "strictness: a body written after a GET's head went out without framing is not sent (the server would read it as a new request); Node sends it",
  "test-http-dump-req-when-res-ends.js": "reaches Node internals (Node's own 'data' listener on the socket: `req.socket.listenerCount('data')`)",
  "test-http-outgoing-proto.js": "reaches Node internals (`setHeader.call({ _header })`, `write.call({ _header, _hasBody })`)",
  "test-http-response-cork.js": "reaches Node internals: counts `res.socket.write` calls, five per chunked response in Node (size line, CRLF, data, CRLF, end); a response here goes out in one write",
  "test-http-server-connections-checking-leak.js": "runtime: `onGC` needs async_hooks' destroy for GC'd objects (Deno's and Bun's own node:http fail it too)",
  "test-http-server-keepalive-req-gc.js": "Bun: runtime: `onGC` needs async_hooks (Bun's own node:http fails it too); passes on Deno",
  "test-http-server-unconsume-consume.js": "strictness: `CONNECT / HTTP/1.1` (Node's client's default path) is 400: a CONNECT target must be authority-form (RFC 9112 section 3.2.3)",
  "test-http-upgrade-server2.js": "strictness: an HTTP/1.1 upgrade request without `Host` is 400 (RFC 9112 section 3.2); Node skips its Host check for upgrades",
  "test-http-sync-write-error-during-continue.js": "strictness: a body written after a GET's head went out without framing is not sent (the server would read it as a new request); Node sends it unframed, and the test needs that write",
  "test-http-agent-reuse-drained-socket-only.js": "Deno: the test reads `process.report.getReport().libuv`, which Deno does not have; passes on Bun",
  "test-http-agent-uninitialized-with-handle.js": "reaches Node internals (`net.Socket._handle`, and a ClientRequest made without a port)",
  "test-http-agent-uninitialized.js": "reaches Node internals (a ClientRequest made without a port reaching `agent.addRequest`)",
  "test-http-blank-header.js": "decision: any token is a method (RFC 9110 section 9.1), so the bytes after the request, `hello world` with no line end, are the start of a request line that is not over yet; llhttp refuses `h` as no method it knows and answers 400 at once (a bad request line here gets its 400 at once too, even with a response pending)",
  "test-http-chunk-problem.js": "Deno: the test pipes a child process's output through `process.stdin` of another, which Deno's child_process does not deliver as Node; passes on Bun",
  "test-http-client-override-global-agent.js": "assigns `http.globalAgent = ...` on the object the runner's shim makes by copying the module's exports, so the package never sees it; on the default import (`import http from \"@wire/http\"`) the assignment works as in Node (tests/client/module_object_test.ts)",
  "test-http-client-response-domain.js": "needs the deprecated `domain` module to follow callbacks, which Deno's and Bun's `domain` do not",
  "test-http-client-spurious-aborted.js": "reaches Node internals (`socket._handle`)",
  "test-http-destroyed-socket-write2.js": "reaches Node internals (`outputData`)",
  "test-http-host-header-ipv6-fail.js": "decision: `host: 'foo:1234'` is split into name and port (Node sends `Host: foo:1234:80`); tests/client/origin_test.ts",
  "test-http-insecure-parser.js": "needs the `--insecure-http-parser` process flag, which the runner gives to Node only",
    "test-http-max-header-size.js": "Deno: the test's child process prints the runtime's own `http.maxHeaderSize` (the child runs without the shim); passes on Bun",
  "test-http-nodelay.js": "patches `net.Socket.prototype.connect`, which our client does not use (its sockets come from the runtime's transport)",
  "test-http-perf_hooks.js": "needs Node's built-in `'http'` performance entries (perf_hooks), which are not emitted",
  "test-http-raw-headers.js": "decision: a server that is closing (`server.close()` called) answers `Connection: close`; Node still says keep-alive",
  "test-http-server-client-error.js": "`err.bytesParsed` is where our parser found the error (14: the whole method token), llhttp's is 1 (its method table); code, message and rawPacket are Node's",
  "test-http-server-destroy-socket-on-client-error.js": "decision: any token is a method (RFC 9110 section 9.1; llhttp knows a fixed list), so `FOO /` fails later here, as HPE_INVALID_URL, and parse errors are `HttpParseError`s; the socket's 'error' does hear the error, as Node's",
  "test-http-server-request-timeout-upgrade.js": "strictness: an HTTP/1.1 upgrade request without `Host` is 400 (RFC 9112 section 3.2)",
  "test-http-upgrade-client2.js": "decision: the server reads an upgrade request's declared body before 'upgrade' (RFC 9110 section 7.8; README); the test sends a chunked one and never ends it",
};

/** The https tests, one by one: what each needs that we do not do (or do differently). */
const HTTPS = {
  "test-https-agent-create-connection.js": "client: `agent.createConnection` (Node's Agent protocol), the open client/Agent issue",
  "test-https-agent-getname.js": "client: `agent.getName()` fields (Node's Agent protocol), the open client/Agent issue",
  "test-https-agent-disable-session-reuse.js": "Deno: TLS session resumption on the client is refused (`ERR_FEATURE_UNAVAILABLE_ON_PLATFORM`; Deno's node:tls never resumes)",
  "test-https-agent-session-reuse.js": "Deno: client resumption refused as above; Bun: `setTicketKeys()` refused (Bun has no ticket-key API)",
  "test-https-agent-keylog.js": "Deno: key logging refused (Deno's node:tls emits no 'keylog'); passes on Bun",
  "test-https-selfsigned-no-keycertsign-no-crash.js": "Bun: the test skips itself (Bun reports an OpenSSL older than 1.1.1h); passes on Deno",
  "test-https-autoselectfamily.js": "client: `lookup`/`autoSelectFamily` options, the open client/Agent issue",
  "test-https-connect-address-family.js": "client: `lookup`/`family` options, the open client/Agent issue",
  "test-https-insecure-parse-per-stream.js": "client: per-request `insecureHTTPParser`, the open client/Agent issue",
  "test-https-max-header-size-per-stream.js": "client: per-request `maxHeaderSize`, the open client/Agent issue",
  "test-https-keep-alive-drop-requests.js": "Deno: over TLS the second request comes in a later read than the first; this server stops reading once the closing answer to the last allowed request is queued (requests in the same read still get 'dropRequest' and a 503), Node reads on until the socket is destroyed; passes on Bun",
  "test-https-server-connections-checking-leak.js": "runtime: `onGC` needs async_hooks' destroy for GC'd objects (Deno's and Bun's own node:https fail it too)",
  "test-https-resume-after-renew.js": "reaches Node internals (`server._sharedCreds.context`)",
  "test-https-agent-sni.js": "Deno: the test's names (`sni.0` to `sni.3`) end in a numeric label, which Deno's TLS (rustls) does not take as a host name: its client sends no SNI for them and its server fails a handshake that carries one (curl: `ServerNameMustContainOneHostName`); passes on Bun",
  "test-https-agent-unref-socket.js": "runtime: the socket is handed over while connecting and `unref()` is kept, but the runtime's connect and TLS handshake in progress (the test's server never answers TLS) keep the process alive until they settle; Deno and Bun offer no unref for them",
  "test-https-client-override-global-agent.js": "assigns `https.globalAgent = ...` on the runner's copy of the module's exports, as the http one; the default import's setter works (tests/client/module_object_test.ts)",
};

function reason(test, error) {
  if (KNOWN[test]) return KNOWN[test];
  if (HTTPS[test]) return HTTPS[test];
  if (test.startsWith("test-https") && /agent|client/i.test(test)) {
    return "client: not yet matched: " + error;
  }
  if (INTERNALS.test(error)) return "reaches Node internals (" + (INTERNALS.exec(error)?.[1] ?? "") + ")";
  if (CLIENT.test(test)) return "client: not yet matched: " + error;
  if (STRICT.test(error)) return "strictness or wire decision (README, \"Where it differs from Node\")";
  if (/timeout after/.test(error)) return "not yet matched: hangs";
  return "not yet matched: " + error;
}

const rows = [];
for (const [test, d] of deno) {
  const b = bun.get(test);
  if (d.node !== "pass") continue;
  if (d.status === "pass" && b?.status === "pass") continue;
  if (d.status === "skip" && b?.status === "skip") continue; // needs a tool this machine lacks (`ab`)
  const error = d.status !== "pass" ? d.error : b?.error ?? "";
  rows.push(`| \`${test}\` | ${d.status} | ${b?.status ?? "?"} | ${reason(test, error)} |`);
}
const count = (m) => [...m.values()].filter((r) => r.status === "pass").length;
console.log(`# Node's own http/https tests

Node v20.11.1's \`test/parallel/test-http(s)-*.js\` (396 files) run against this package with
\`../shared/node-tests\` (see its README): \`node ../shared/node-tests/run.mjs --impl . --runtime deno\` (or
\`bun\`), then \`node tools/node_tests_doc.mjs <wire-deno.tsv> <wire-bun.tsv> > docs/node-tests.md\`.

Passed: **${count(deno)} of 396 on Deno**, **${count(bun)} of 396 on Bun** (Node 20: 383; Deno's own
\`node:http\`: 349; Bun's: 362). Measured ${process.env.MEASURED ?? "(date)"}.

Every test Node 20 passes that fails here on either runtime, with why. "Not yet matched" marks behaviour
that differs from Node without a decision behind it: work still to do.

| test | Deno | Bun | why |
| --- | --- | --- | --- |
${rows.join("\n")}`);
