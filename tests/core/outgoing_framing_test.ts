/**
 * The write side in core: `outgoingFraming` decides from the user's fields (read as strictly as a peer's),
 * the body encoders frame and check, and the head writer renders 1xx heads, Early Hints and Host values.
 */
import assert from "node:assert/strict";
import { test } from "../_harness.ts";
import { encodeBody, encodeBodyEnd, remainingAfter } from "../../src/core/body_encoder.ts";
import { newOutgoingHeadFacts, outgoingFraming, type OutgoingHeadFacts } from "../../src/core/framing.ts";
import {
  earlyHintsFields,
  hostFieldValue,
  implicitFramingField,
  renderUserField,
  serializeInformationalHead,
} from "../../src/core/head_writer.ts";
import { isHttpError } from "../../src/core/errors.ts";

function facts(overrides: Partial<OutgoingHeadFacts> = {}): OutgoingHeadFacts {
  return { ...newOutgoingHeadFacts(), ...overrides };
}

test("outgoingFraming(): a Content-Length that is not 1*DIGIT throws ERR_HTTP_INVALID_HEADER_VALUE", () => {
  for (const value of ["abc", "0x2", "5, 5", "-1", "2.5", "", " ", " \t", "5 5", "1e3", "9007199254740992"]) {
    assert.throws(() => outgoingFraming(facts({ contentLength: value })), (err: unknown) => {
      assert.ok(isHttpError(err));
      assert.equal(err.code, "ERR_HTTP_INVALID_HEADER_VALUE");
      assert.equal(err.message, `Invalid value "${value}" for header "Content-Length"`);
      return true;
    }, value);
  }
  const f = facts({ contentLength: "0012" });
  assert.equal(outgoingFraming(f), "length");
  assert.equal(f.length, 12);
});

test("outgoingFraming(): the OWS around a Content-Length's digits is the field line's, not the value's", () => {
  // RFC 9112 section 5: field-line = field-name ":" OWS field-value OWS.
  for (const [value, length] of [["0 ", 0], [" 5", 5], ["\t12\t ", 12]] as const) {
    const f = facts({ contentLength: value });
    assert.equal(outgoingFraming(f), "length", JSON.stringify(value));
    assert.equal(f.length, length);
  }
});

test("outgoingFraming(): two Content-Length lines, or Content-Length with Transfer-Encoding, throw", () => {
  const f = facts();
  renderUserField("Content-Length", "5", f);
  renderUserField("content-length", "5", f);
  assert.throws(() => outgoingFraming(f), { code: "ERR_HTTP_INVALID_HEADER_VALUE" });
  assert.throws(
    () => outgoingFraming(facts({ contentLength: "2", transferEncoding: "chunked" })),
    { code: "ERR_HTTP_INVALID_HEADER_VALUE" },
  );
});

test("outgoingFraming(): Transfer-Encoding must be well formed, and end in chunked on a request", () => {
  for (const te of ["", "chunked, chunked", "gz ip", ";x=1"]) {
    assert.throws(() => outgoingFraming(facts({ transferEncoding: te })), {
      code: "ERR_HTTP_INVALID_HEADER_VALUE",
    });
  }
  assert.throws(
    () => outgoingFraming(facts({ transferEncoding: "gzip", isRequest: true })),
    { code: "ERR_HTTP_INVALID_HEADER_VALUE" },
  );
  assert.equal(outgoingFraming(facts({ transferEncoding: "gzip, chunked", isRequest: true })), "chunked");
  assert.equal(outgoingFraming(facts({ transferEncoding: "gzip" })), "close");
});

test("outgoingFraming(): a Transfer-Encoding coding with parameters or outside the registry throws", () => {
  // llhttp (undici 8's WASM) reads a response with `chunked;q=1` until close and rejects such a request:
  // chunk-encoding the body for it would leave the two ends reading different messages.
  const refused = [
    "chunked;q=1",
    "chunked ; q=1",
    "Chunked;x",
    "gzip;level=1, chunked",
    "x-foo",
    "foo, chunked",
  ];
  for (const te of [...refused, "chunkedx", "identity", "trailers", "br, chunked"]) {
    for (const isRequest of [false, true]) {
      assert.throws(() => outgoingFraming(facts({ transferEncoding: te, isRequest })), (err: unknown) => {
        assert.ok(isHttpError(err));
        assert.equal(err.code, "ERR_HTTP_INVALID_HEADER_VALUE");
        assert.equal(err.message, `Invalid value "${te}" for header "Transfer-Encoding"`);
        return true;
      }, te);
    }
  }
  // The registered codings, in any case and with OWS and empty list elements, are sent as before.
  for (
    const te of ["chunked", "CHUNKED", " chunked ", "gzip, chunked", "x-gzip,chunked", "deflate ,, chunked"]
  ) {
    assert.equal(outgoingFraming(facts({ transferEncoding: te, isRequest: true })), "chunked", te);
    assert.equal(outgoingFraming(facts({ transferEncoding: te })), "chunked", te);
  }
  for (const te of ["gzip", "compress", "x-compress", "chunked, gzip"]) {
    assert.equal(outgoingFraming(facts({ transferEncoding: te })), "close", te);
  }
});

test("outgoingFraming(): the decision table when the user set neither field", () => {
  assert.equal(outgoingFraming(facts({ bodyAllowed: false, contentLength: "5" })), "none");
  assert.throws(() => outgoingFraming(facts({ bodyAllowed: false, contentLength: "x" })), {
    code: "ERR_HTTP_INVALID_HEADER_VALUE",
  });
  const whole = facts({ ending: true, bodyLength: 3 });
  assert.equal(outgoingFraming(whole), "length");
  assert.equal(whole.length, 3);
  assert.equal(implicitFramingField("length", whole), "Content-Length: 3\r\n");
  assert.equal(outgoingFraming(facts({ ending: true, emptyBodyHasLength: false })), "none");
  assert.equal(outgoingFraming(facts({ ending: true, hasTrailers: true })), "chunked");
  assert.equal(outgoingFraming(facts()), "chunked");
  assert.equal(implicitFramingField("chunked", facts()), "Transfer-Encoding: chunked\r\n");
  assert.equal(outgoingFraming(facts({ chunkedAllowed: false })), "close");
  assert.equal(implicitFramingField("close", facts()), "");
});

test("body encoders: chunked frames, length checks, close and none", () => {
  const data = new TextEncoder().encode("hello");
  assert.equal(new TextDecoder().decode(encodeBody("chunked", data)), "5\r\nhello\r\n");
  assert.equal(encodeBody("chunked", new Uint8Array(0)).length, 0);
  assert.equal(encodeBody("length", data), data);
  assert.equal(encodeBody("close", data), data);
  assert.equal(encodeBody("none", data).length, 0);
  assert.equal(encodeBodyEnd("chunked"), "0\r\n\r\n");
  assert.equal(encodeBodyEnd("chunked", ["A", "1"]), "0\r\nA: 1\r\n\r\n");
  assert.equal(encodeBodyEnd("close", ["A", "1"]), "");
  assert.equal(remainingAfter(5, 5), 0);
  assert.throws(() => remainingAfter(4, 5), { code: "ERR_HTTP_CONTENT_LENGTH_MISMATCH" });
});

test("head writer: 1xx heads, Early Hints fields and Host values are validated", () => {
  assert.equal(serializeInformationalHead(100, "Continue"), "HTTP/1.1 100 Continue\r\n\r\n");
  assert.equal(
    serializeInformationalHead(103, "Early Hints", earlyHintsFields({ link: "</a>", "X-A": ["1", "2"] })),
    "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\nX-A: 1\r\nX-A: 2\r\n\r\n",
  );
  assert.throws(() => serializeInformationalHead(200, "OK"), { code: "ERR_HTTP_INVALID_STATUS_CODE" });
  assert.throws(() => serializeInformationalHead(100, "A\r\nB"), { code: "ERR_INVALID_CHAR" });
  assert.throws(() => earlyHintsFields({ link: "</a>\r\nSet-Cookie: x=1" }), {
    code: "ERR_INVALID_ARG_VALUE",
  });
  assert.throws(() => earlyHintsFields({ link: "</\u20ac>" }), { code: "ERR_INVALID_ARG_VALUE" });
  assert.throws(() => earlyHintsFields({ "X-A": "\u0000" }), { code: "ERR_INVALID_CHAR" });
  assert.equal(hostFieldValue("example.com", 80), "example.com");
  assert.equal(hostFieldValue("example.com", 8080), "example.com:8080");
  assert.equal(hostFieldValue("::1", 80), "[::1]");
  assert.throws(() => hostFieldValue("a\r\nX: y", 80), {
    code: "ERR_INVALID_CHAR",
    message: 'Invalid character in header content ["Host"]',
  });
});

test("1xx heads: Content-Length and Transfer-Encoding are refused, in any case and from any caller", () => {
  // Node 20.20.2 sends `res.writeEarlyHints({ link, "content-length": "9O" })` as
  // "HTTP/1.1 103 Early Hints\r\nLink: ...\r\ncontent-length: 9O\r\n\r\n".
  for (const name of ["content-length", "Content-Length", "TRANSFER-ENCODING", "Transfer-Encoding"]) {
    for (const status of [100, 102, 103, 199]) {
      assert.throws(
        () => serializeInformationalHead(status, "X", ["Link", "</a>", name, "9O"]),
        (err: unknown) => {
          assert.ok(isHttpError(err));
          assert.equal(err.code, "ERR_HTTP_INVALID_HEADER_VALUE");
          assert.equal(
            err.message,
            `Invalid header "${name}" for a ${status} response: a 1xx response has no content to frame ` +
              "(RFC 9110 section 8.6, RFC 9112 section 6.1)",
          );
          return true;
        },
      );
    }
    assert.throws(() => earlyHintsFields({ link: "</a>", [name]: "9O" }), {
      code: "ERR_HTTP_INVALID_HEADER_VALUE",
    });
  }
  // Other fields, and names that only look alike, are rendered as before.
  assert.equal(
    serializeInformationalHead(
      103,
      "Early Hints",
      earlyHintsFields({ link: "</a>", "Content-Lengths": "1", "X-Transfer-Encoding": "2" }),
    ),
    "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\nContent-Lengths: 1\r\nX-Transfer-Encoding: 2\r\n\r\n",
  );
});
