/**
 * Property tests: whatever our writer produces, our parser reads back exactly — method, target, status,
 * reason, every field in order and case, body bytes and trailers — whole, byte by byte and at random
 * splits (through the shared split helper). Every message is written the way the library writes one:
 * core's `encode()` for the head (with the role's implicit fields), then its body encoder for each write
 * (`encodeChunk`) and the end (`encodeEnd`), with the framing fields chosen at random.
 * Trailer lists sometimes carry a field that may not be a trailer: then the writer's `fieldsFromTrailers`
 * refuses them and the reader rejects the message with that field's code, at every split.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { test } from "../_harness.ts";
import { parseRequests, parseResponses } from "./_split.ts";
import { fieldsFromTrailers } from "../../src/core/head_writer.ts";
import { encodeBody, encodeChunk, encodeEnd } from "../../src/core/body_encoder.ts";
import { encode, newOutgoingHead } from "../../src/core/encode.ts";
import { newConnectionState } from "../../src/core/connection.ts";
import { decodeLatin1, encodeLatin1 } from "../../src/core/latin1.ts";
import type { RequestHead, ResponseHead } from "../../src/core/types.ts";
import { NOT_IN_TRAILERS } from "../../src/core/_trailer_fields.ts";

const TCHAR = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const token = fc.string({ unit: fc.constantFrom(...TCHAR), minLength: 1, maxLength: 12 });
// Field values: VCHAR and obs-text, with inner SP/HTAB (outer whitespace is OWS and not part of a value).
const vchar = fc.integer({ min: 0x21, max: 0xff }).filter((c) => c !== 0x7f).map((c) =>
  String.fromCharCode(c)
);
const value = fc.oneof(
  fc.constant(""),
  fc.tuple(vchar, fc.string({ unit: fc.oneof(vchar, fc.constantFrom(" ", "\t")), maxLength: 20 }), vchar)
    .map(([a, mid, b]) => a + mid + b),
  vchar,
);
// Names that would change framing or need special values are left to the dedicated tests.
const RESERVED = new Set([
  "content-length",
  "transfer-encoding",
  "host",
  "connection",
  "upgrade",
  "expect",
  "trailer",
]);
const fieldList = fc.array(fc.tuple(token, value), { maxLength: 8 })
  .map((pairs) => pairs.filter(([name]) => !RESERVED.has(name.toLowerCase())).flat());
// Trailers: any token, and now and then a name that may not be a trailer (one table for the writer and
// the reader), in any case, so the property also says: the writer refuses a trailer list exactly when the
// reader rejects the message carrying it.
const notInTrailers = fc.tuple(fc.constantFrom(...NOT_IN_TRAILERS.keys()), fc.boolean()).map((
  [name, upper],
) => upper ? name.toUpperCase() : name);
const trailerList = fc.array(
  fc.tuple(fc.oneof({ arbitrary: token, weight: 8 }, { arbitrary: notInTrailers, weight: 1 }), value),
  { maxLength: 8 },
).map((pairs) => pairs.flat());

/** The code a reader must fail with for `trailers`, or null when the writer sends them. */
function refusal(trailers: readonly string[]): string | null {
  try {
    fieldsFromTrailers(trailers);
    return null;
  } catch (err) {
    assert.equal((err as { code: string }).code, "ERR_HTTP_TRAILER_INVALID");
    const name = trailers.find((_, i) => i % 2 === 0 && NOT_IN_TRAILERS.has(trailers[i]!.toLowerCase()));
    return NOT_IN_TRAILERS.get(name!.toLowerCase())!.code;
  }
}
const body = fc.array(fc.uint8Array({ minLength: 1, maxLength: 40 }), { maxLength: 4 });
const path = fc.string({ unit: fc.constantFrom(..."abc/?=&%-._~0123456789"), maxLength: 20 }).map((p) =>
  "/" + p
);

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

test("property: requests written by our writer are read back exactly (chunked, with trailers)", () => {
  fc.assert(
    fc.property(token, path, fieldList, body, trailerList, (method, target, fields, chunks, trailers) => {
      const head = newOutgoingHead("client");
      head.method = method;
      head.target = target;
      head.fields = ["Host", "h", ...fields, "Transfer-Encoding", "chunked"];
      head.trailers = trailers.length > 0;
      const out = encode(head);
      const message = concat([
        encodeLatin1(out.head),
        ...chunks.map((chunk) => encodeChunk(out, chunk)),
        encodeLatin1(encodeEnd(out, trailers)),
      ]);
      const { events, error } = parseRequests(message);
      const refused = refusal(trailers);
      if (refused !== null) return assert.equal(error?.code, refused);
      assert.equal(error, null);
      assert.equal(events.length, 2);
      const parsed = events[0]!.type === "head" ? events[0]!.head as RequestHead : assert.fail("no head");
      assert.equal(parsed.method, method);
      assert.equal(parsed.url, target);
      assert.deepEqual(parsed.rawHeaders, [
        "Host",
        "h",
        ...fields,
        "Transfer-Encoding",
        "chunked",
        "Connection",
        "keep-alive",
      ]);
      const end = events[1]!.type === "end" ? events[1]! : assert.fail("no end");
      assert.equal(end.body, decodeLatin1(concat(chunks)));
      assert.deepEqual(end.trailers, trailers);
    }),
    { numRuns: 150 },
  );
});

test("property: responses written by our writer are read back exactly (Content-Length)", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 200, max: 599 }).filter((s) => s !== 204 && s !== 304),
      fc.string({ unit: fc.oneof(vchar, fc.constant(" ")), maxLength: 20 }),
      fieldList,
      body,
      (status, reason, fields, chunks) => {
        const payload = concat(chunks);
        const all = [...fields, "Content-Length", String(payload.byteLength)];
        const head = newOutgoingHead("server");
        head.statusCode = status;
        head.reason = reason;
        head.fields = all;
        head.ending = true;
        head.bodyLength = payload.byteLength;
        head.state = newConnectionState("server");
        const message = concat([encodeLatin1(encode(head).head), encodeBody("length", payload)]);
        const { events, error } = parseResponses(message);
        assert.equal(error, null);
        const parsed = events[0]!.type === "head" ? events[0]!.head as ResponseHead : assert.fail("no head");
        assert.equal(parsed.statusCode, status);
        assert.equal(parsed.statusMessage, reason);
        assert.deepEqual(parsed.rawHeaders, [...all, "Connection", "keep-alive"]);
        const end = events[1]!.type === "end" ? events[1]! : assert.fail("no end");
        assert.equal(end.body, decodeLatin1(payload));
      },
    ),
    { numRuns: 150 },
  );
});

/** How the framing is chosen: by the user's fields, or left to the writer (whole body known or not). */
type FramingChoice = "user-length" | "user-chunked" | "user-gzip" | "implicit-whole" | "implicit-streamed";

/** Writes a message the way `OutgoingMessage` does: `encode()`, then its body encoder. */
function writeMessage(
  isRequest: boolean,
  fields: readonly string[],
  chunks: Uint8Array[],
  trailers: readonly string[],
  choice: FramingChoice,
): Uint8Array {
  const total = chunks.reduce((n, c) => n + c.byteLength, 0);
  const user = [...fields];
  if (choice === "user-length") user.push("Content-Length", String(total));
  if (choice === "user-chunked") user.push("Transfer-Encoding", "chunked");
  if (choice === "user-gzip") user.push("Transfer-Encoding", "gzip");
  const whole = choice === "implicit-whole";
  const head = newOutgoingHead(isRequest ? "client" : "server");
  head.method = "POST";
  head.target = "/x";
  head.state = newConnectionState("server");
  head.fields = user;
  head.trailers = trailers.length > 0;
  head.ending = whole;
  head.bodyLength = whole ? total : 0;
  const out = encode(head);
  const wire = [encodeLatin1(out.head)];
  // A whole body goes out with the head (already counted by encode()); a streamed one write by write.
  if (whole) wire.push(total > 0 ? encodeBody(out.kind, concat(chunks)) : new Uint8Array(0));
  else for (const chunk of chunks) wire.push(encodeChunk(out, chunk));
  if (out.kind === "length") assert.equal(out.remaining, 0);
  wire.push(encodeLatin1(encodeEnd(out, trailers)));
  return concat(wire);
}

const choice = fc.constantFrom<FramingChoice>(
  "user-length",
  "user-chunked",
  "user-gzip",
  "implicit-whole",
  "implicit-streamed",
);

test("property: the library's writer, framing fields included, is read back exactly", () => {
  fc.assert(
    fc.property(
      fc.boolean(),
      choice,
      fieldList,
      body,
      trailerList,
      (isRequest, how, fields, chunks, trailerFields) => {
        // A request must end its Transfer-Encoding with chunked (the writer throws otherwise, tested apart).
        if (isRequest && how === "user-gzip") how = "user-chunked";
        const chunked = how === "user-chunked" || how === "implicit-streamed" ||
          (how === "implicit-whole" && trailerFields.length > 0);
        const trailers = chunked ? trailerFields : [];
        const all = isRequest ? ["Host", "h", ...fields] : fields;
        const message = writeMessage(isRequest, all, chunks, trailers, how);
        const outcome = isRequest ? parseRequests(message) : parseResponses(message, { finish: true });
        const refused = refusal(trailers);
        if (refused !== null) return assert.equal(outcome.error?.code, refused);
        assert.equal(outcome.error, null);
        const parsed = outcome.events[0]!.type === "head" ? outcome.events[0]!.head : assert.fail("no head");
        // The user's fields come back in order, then the framing field the writer added, if any.
        assert.deepEqual(parsed.rawHeaders.slice(0, all.length), all);
        const expectedKind = how === "user-length" || (how === "implicit-whole" && trailers.length === 0)
          ? "length"
          : how === "user-gzip"
          ? "close"
          : "chunked";
        assert.equal(parsed.framing.kind, expectedKind);
        const end = outcome.events[1]!.type === "end" ? outcome.events[1]! : assert.fail("no end");
        assert.equal(end.body, decodeLatin1(concat(chunks)));
        assert.deepEqual(end.trailers, trailers);
      },
    ),
    { numRuns: 150 },
  );
});
