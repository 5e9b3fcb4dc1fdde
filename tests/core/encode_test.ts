/**
 * `encode()`: the one call every head goes through. Exact bytes for each role and case (keep-alive and
 * close, HTTP/1.0 peers, HEAD, 204/304, interim 1xx, chunked with trailers, client requests, the server's
 * own error answers), the body encoder it returns, and the errors it throws before returning anything.
 */
import assert from "node:assert/strict";
import { test } from "../_harness.ts";
import { encode, type Encoded, newOutgoingHead, type OutgoingHead } from "../../src/core/encode.ts";
import { bodyComplete, encodeChunk, encodeEnd } from "../../src/core/body_encoder.ts";
import { newConnectionState } from "../../src/core/connection.ts";
import { decodeLatin1 } from "../../src/core/latin1.ts";

const DATE = "Fri, 04 Dec 2026 20:00:00 GMT";
const text = new TextEncoder();

/** A server response head on a fresh keep-alive connection, with `facts` over the defaults. */
function response(facts: Partial<OutgoingHead> = {}): OutgoingHead {
  const head = newOutgoingHead("server");
  head.state = newConnectionState("server");
  return Object.assign(head, facts);
}

function request(facts: Partial<OutgoingHead> = {}): OutgoingHead {
  return Object.assign(newOutgoingHead("client"), facts);
}

function body(out: Encoded, pieces: string[], trailers?: string[]): string {
  let wire = "";
  for (const piece of pieces) wire += decodeLatin1(encodeChunk(out, text.encode(piece)));
  return wire + encodeEnd(out, trailers);
}

test("encode(): a server 200 on a keep-alive connection, whole body known", () => {
  const out = encode(response({
    fields: ["Content-Type", "text/plain"],
    ending: true,
    bodyLength: 5,
    date: DATE,
    keepAliveTimeout: 5,
  }));
  assert.equal(
    out.head,
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nDate: " + DATE +
      "\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\nContent-Length: 5\r\n\r\n",
  );
  assert.equal(out.kind, "length");
  assert.equal(out.length, 5);
  assert.equal(out.remaining, 0);
  assert.equal(out.keepAlive, true);
  assert.equal(bodyComplete(out), true);
});

test("encode(): Keep-Alive carries max when the server has a request budget; the user's own wins", () => {
  const withMax = encode(response({ ending: true, keepAliveTimeout: 5, keepAliveMax: 100 }));
  assert.equal(
    withMax.head,
    "HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5, max=100\r\nContent-Length: 0\r\n\r\n",
  );
  const own = encode(response({ fields: ["Keep-Alive", "timeout=9"], ending: true, keepAliveTimeout: 5 }));
  assert.equal(
    own.head,
    "HTTP/1.1 200 OK\r\nKeep-Alive: timeout=9\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n",
  );
});

test("encode(): a server response says close when the message, the user or the connection says so", () => {
  const closeHead = "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n";
  // The request asked for close (or the server is closing).
  let out = encode(response({ ending: true, bodyLength: 2, keepAlive: false }));
  assert.equal(out.head, closeHead);
  assert.equal(out.keepAlive, false);
  // The connection will not be reused: the request's head said close.
  const state = newConnectionState("server");
  state.headRead({ keepAlive: false, upgrade: false, versionMinor: 1 });
  out = encode(response({ ending: true, bodyLength: 2, state }));
  assert.equal(out.head, closeHead);
  // ... unless pipelined requests were read behind this one: the connection goes on for them.
  out = encode(response({ ending: true, bodyLength: 2, state, later: 1 }));
  assert.equal(out.keepAlive, true);
  // No server connection (a standalone response).
  out = encode(response({ ending: true, bodyLength: 2, state: null }));
  assert.equal(out.head, closeHead);
  // The user's Connection: close is sent as given, and decides.
  out = encode(response({ fields: ["Connection", "close"], ending: true, bodyLength: 2 }));
  assert.equal(out.head, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n");
  assert.equal(out.keepAlive, false);
  // A removed Connection adds none, and the decision stands.
  out = encode(response({ ending: true, bodyLength: 2, removedConnection: true }));
  assert.equal(out.head, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n");
  assert.equal(out.keepAlive, true);
});

test("encode(): a streamed body is chunked for HTTP/1.1, close-delimited for an HTTP/1.0 peer", () => {
  let out = encode(response());
  assert.equal(out.head, "HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n");
  assert.equal(body(out, ["hi", "!"]), "2\r\nhi\r\n1\r\n!\r\n0\r\n\r\n");
  out = encode(response({ peerVersionMinor: 0 }));
  assert.equal(out.head, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
  assert.equal(out.kind, "close");
  assert.equal(out.keepAlive, false);
  assert.equal(body(out, ["hi"]), "hi");
  // An HTTP/1.0 peer that asked for keep-alive keeps it with a whole body.
  out = encode(response({ peerVersionMinor: 0, ending: true, bodyLength: 2 }));
  assert.equal(out.head, "HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\n");
});

test("encode(): writeHead() fixed the framing before the body, so a whole body is still chunked", () => {
  const out = encode(response({ ending: true, bodyLength: 2, framedAtHead: true }));
  assert.equal(out.head, "HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n");
});

test("encode(): HEAD, 204 and 304 responses frame no body", () => {
  let out = encode(response({ requestMethod: "HEAD", ending: true, bodyLength: 5 }));
  assert.equal(out.head, "HTTP/1.1 200 OK\r\nConnection: keep-alive\r\n\r\n");
  assert.equal(out.kind, "none");
  assert.equal(body(out, ["dropped"]), "");
  out = encode(response({ statusCode: 204, ending: true }));
  assert.equal(out.head, "HTTP/1.1 204 No Content\r\nConnection: keep-alive\r\n\r\n");
  out = encode(response({ statusCode: 304, fields: ["ETag", '"x"'] }));
  assert.equal(out.head, 'HTTP/1.1 304 Not Modified\r\nETag: "x"\r\nConnection: keep-alive\r\n\r\n');
  // A 204 that names a Transfer-Encoding closes: a peer may read a body after it (as Node).
  out = encode(response({ statusCode: 204, fields: ["Transfer-Encoding", "chunked"] }));
  assert.equal(
    out.head,
    "HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
  );
  assert.equal(out.kind, "none");
  assert.equal(out.keepAlive, false);
});

test("encode(): interim 1xx heads carry no implicit field and refuse framing fields", () => {
  const cont = encode(response({ interim: true, statusCode: 100, date: DATE, keepAliveTimeout: 5 }));
  assert.equal(cont.head, "HTTP/1.1 100 Continue\r\n\r\n");
  assert.equal(cont.kind, "none");
  const hints = encode(
    response({ interim: true, statusCode: 103, fields: ["Link", "</a.css>; rel=preload"] }),
  );
  assert.equal(hints.head, "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n");
  const map = new Map([["link", ["Link", ["</a.css>", "</b.js>"]] as const]]);
  assert.equal(
    encode(response({ interim: true, statusCode: 103, fields: map })).head,
    "HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\nLink: </b.js>\r\n\r\n",
  );
  assert.throws(
    () => encode(response({ interim: true, statusCode: 103, fields: ["Content-Length", "9"] })),
    { code: "ERR_HTTP_INVALID_HEADER_VALUE" },
  );
  assert.throws(() => encode(response({ interim: true, statusCode: 200 })), {
    code: "ERR_HTTP_INVALID_STATUS_CODE",
  });
  // A 101 given as the final head is a final head: implicit fields, no body.
  const upgrade = encode(response({ statusCode: 101, fields: ["Upgrade", "x"], ending: true }));
  assert.equal(
    upgrade.head,
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: keep-alive\r\n\r\n",
  );
});

test("encode(): chunked with trailers: the head, each chunk and the trailer section", () => {
  const out = encode(response({ fields: ["Trailer", "X-Sum"], trailers: true, date: DATE }));
  assert.equal(
    out.head,
    "HTTP/1.1 200 OK\r\nTrailer: X-Sum\r\nDate: " + DATE +
      "\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n",
  );
  assert.equal(body(out, ["hello", ""], ["X-Sum", "1"]), "5\r\nhello\r\n0\r\nX-Sum: 1\r\n\r\n");
  // Trailers known with the whole body still need chunked.
  const whole = encode(response({ ending: true, bodyLength: 3, trailers: true }));
  assert.equal(whole.kind, "chunked");
  // Without chunked (an HTTP/1.0 peer), trailers are dropped, and a Trailer field is refused.
  assert.equal(encodeEnd(encode(response({ peerVersionMinor: 0, trailers: true })), ["X-Sum", "1"]), "");
  assert.throws(() => encode(response({ fields: ["Trailer", "X-Sum"], peerVersionMinor: 0 })), {
    code: "ERR_HTTP_TRAILER_INVALID",
  });
});

test("encode(): the user's fields as a map, repeated values one line each, in the map's order", () => {
  const fields = new Map<string, readonly [string, string | readonly string[]]>([
    ["set-cookie", ["Set-Cookie", ["a=1", "b=2"]]],
    ["content-length", ["content-length", "2"]],
  ]);
  const out = encode(response({ fields, ending: true, bodyLength: 2, removedConnection: true }));
  assert.equal(
    out.head,
    "HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\ncontent-length: 2\r\n\r\n",
  );
});

test("encode(): client requests: Host as given, Connection, and the method's framing", () => {
  let out = encode(request({ method: "POST", target: "/up", fields: ["Host", "example.com"], ending: true }));
  assert.equal(
    out.head,
    "POST /up HTTP/1.1\r\nHost: example.com\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n",
  );
  // GET (and the other methods that imply no body) sends no Content-Length: 0.
  out = encode(request({ fields: ["Host", "example.com"], ending: true, keepAlive: false }));
  assert.equal(out.head, "GET / HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n");
  assert.equal(out.kind, "none");
  // A streamed body is chunked; a head sent first (flushHeaders) on a GET frames nothing.
  out = encode(request({ method: "PUT", fields: ["Host", "h"] }));
  assert.equal(
    out.head,
    "PUT / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n",
  );
  out = encode(request({ fields: ["Host", "h"], headOnly: true }));
  assert.equal(out.head, "GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive\r\n\r\n");
  assert.equal(out.kind, "none");
  // ... unless it declares a body.
  out = encode(request({ fields: ["Host", "h", "Content-Length", "3"], headOnly: true }));
  assert.equal(out.kind, "length");
  assert.equal(body(out, ["abc"]), "abc");
  // A request's Transfer-Encoding must end in chunked.
  assert.throws(() => encode(request({ method: "POST", fields: ["Transfer-Encoding", "gzip"] })), {
    code: "ERR_HTTP_INVALID_HEADER_VALUE",
  });
});

test("encode(): the server's own error answers: status line and Connection: close, framed by the close", () => {
  const answers: Record<number, string> = {
    400: "Bad Request",
    408: "Request Timeout",
    413: "Payload Too Large",
    414: "URI Too Long",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    501: "Not Implemented",
    505: "HTTP Version Not Supported",
  };
  for (const [status, reason] of Object.entries(answers)) {
    const head = newOutgoingHead("server");
    head.statusCode = Number(status);
    head.peerVersionMinor = 0;
    head.keepAlive = false;
    const out = encode(head);
    assert.equal(out.head, `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\n\r\n`);
    assert.equal(out.keepAlive, false);
  }
});

test("encode(): a refused head throws before anything is returned, with Node's codes", () => {
  assert.throws(() => encode(response({ statusCode: 1000 })), { code: "ERR_HTTP_INVALID_STATUS_CODE" });
  assert.throws(() => encode(response({ reason: "OK\r\nX: y" })), { code: "ERR_INVALID_CHAR" });
  assert.throws(() => encode(response({ fields: ["Content-Length", "0x2"] })), {
    code: "ERR_HTTP_INVALID_HEADER_VALUE",
  });
  assert.throws(() => encode(response({ fields: ["Content-Length", "1"], ending: true, bodyLength: 2 })), {
    code: "ERR_HTTP_CONTENT_LENGTH_MISMATCH",
  });
  // A declared length: what goes out after the head is counted, and more than declared throws.
  const out = encode(response({ fields: ["Content-Length", "3"], bodyLength: 1 }));
  assert.equal(out.remaining, 2);
  assert.equal(bodyComplete(out), false);
  assert.throws(() => encodeChunk(out, text.encode("abc")), { code: "ERR_HTTP_CONTENT_LENGTH_MISMATCH" });
  assert.equal(out.remaining, 2);
  // The reason given is sent as given, an empty one too (the space after the code stays).
  assert.equal(
    encode(response({ statusCode: 299, reason: "", ending: true, removedConnection: true })).head,
    "HTTP/1.1 299 \r\nContent-Length: 0\r\n\r\n",
  );
  assert.equal(
    encode(response({ statusCode: 299, ending: true, removedConnection: true })).head,
    "HTTP/1.1 299 unknown\r\nContent-Length: 0\r\n\r\n",
  );
});
