import assert from "node:assert/strict";
import fc from "fast-check";
import { test } from "../_harness.ts";
import {
  fieldsFromHeaders,
  serializeRequestHead,
  serializeResponseHead,
} from "../../src/core/head_writer.ts";
import {
  validateHeaderName,
  validateHeaderValue,
  validateMethod,
  validatePath,
  validateStatusCode,
  validateStatusMessage,
} from "../../src/core/head_validation.ts";
import { decodeLatin1, encodeLatin1 } from "../../src/core/latin1.ts";
import { isHttpError } from "../../src/core/errors.ts";

/** Strings that try to end a line early and smuggle a field or a whole message. */
const INJECTIONS = [
  "a\r\nSet-Cookie: evil=1",
  "a\nSet-Cookie: evil=1",
  "a\rSet-Cookie: evil=1",
  "a\r\n\r\nGET /admin HTTP/1.1\r\nHost: x",
  "a\0b",
  "\r\n",
  "\n",
  "\r",
];

const TCHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

// --- validateHeaderName --------------------------------------------------------------------------------

test("validateHeaderName() accepts every token", () => {
  validateHeaderName("Content-Type");
  validateHeaderName("x");
  validateHeaderName(TCHARS);
});

test("validateHeaderName() throws ERR_INVALID_HTTP_TOKEN with Node's message", () => {
  for (const name of ["", "a b", "a:b", "a\tb", "\u00e9", "a\u0100", "a(b)", "a,b", 'a"b', "a/b", "a\x7f"]) {
    assert.throws(() => validateHeaderName(name), {
      name: "TypeError",
      code: "ERR_INVALID_HTTP_TOKEN",
      message: `Header name must be a valid HTTP token ["${name}"]`,
    });
  }
});

test("validateHeaderName() uses the label in the message", () => {
  assert.throws(() => validateHeaderName("a b", "Trailer name"), {
    code: "ERR_INVALID_HTTP_TOKEN",
    message: 'Trailer name must be a valid HTTP token ["a b"]',
  });
});

test("validateHeaderName() rejects every CTL, separator and non-ASCII char", () => {
  for (let c = 0; c < 0x200; c++) {
    const ch = String.fromCharCode(c);
    if (TCHARS.includes(ch)) validateHeaderName(`x${ch}`);
    else {assert.throws(
        () => validateHeaderName(`x${ch}`),
        { code: "ERR_INVALID_HTTP_TOKEN" },
        `0x${c.toString(16)}`,
      );}
  }
});

test("validateHeaderName() rejects a non-string from untyped callers", () => {
  assert.throws(() => validateHeaderName(42 as unknown as string), {
    code: "ERR_INVALID_HTTP_TOKEN",
    message: 'Header name must be a valid HTTP token ["42"]',
  });
});

test("validateHeaderName() rejects CRLF injection", () => {
  for (const s of INJECTIONS) assert.throws(() => validateHeaderName(s), { code: "ERR_INVALID_HTTP_TOKEN" });
});

// --- validateHeaderValue -------------------------------------------------------------------------------

test("validateHeaderValue() accepts HTAB, SP, VCHAR, obs-text, numbers and empty values", () => {
  validateHeaderValue("x", "");
  validateHeaderValue("x", "\t a b ~ \u0080\u00ff");
  validateHeaderValue("x", 0);
  validateHeaderValue("x", -1.5);
  validateHeaderValue("x", []);
  validateHeaderValue("x", ["a", "\u00e9"]);
});

test("validateHeaderValue() throws ERR_HTTP_INVALID_HEADER_VALUE for undefined", () => {
  assert.throws(() => validateHeaderValue("X-Foo", undefined), {
    name: "TypeError",
    code: "ERR_HTTP_INVALID_HEADER_VALUE",
    message: 'Invalid value "undefined" for header "X-Foo"',
  });
});

test("validateHeaderValue() throws ERR_INVALID_CHAR for exactly the chars Node's regex rejects", () => {
  for (let c = 0; c < 0x180; c++) {
    const value = `a${String.fromCharCode(c)}b`;
    const allowed = c === 0x09 || (c >= 0x20 && c <= 0x7e) || (c >= 0x80 && c <= 0xff);
    if (allowed) validateHeaderValue("X-Foo", value);
    else {
      assert.throws(() => validateHeaderValue("X-Foo", value), {
        code: "ERR_INVALID_CHAR",
        message: 'Invalid character in header content ["X-Foo"]',
      }, `0x${c.toString(16)}`);
    }
  }
  assert.throws(() => validateHeaderValue("x", "\u{1f600}"), { code: "ERR_INVALID_CHAR" });
  assert.throws(() => validateHeaderValue("x", "\u2028"), { code: "ERR_INVALID_CHAR" });
});

test("validateHeaderValue() rejects CRLF injection in a value and in any array element", () => {
  for (const s of INJECTIONS) {
    assert.throws(() => validateHeaderValue("Location", s), { code: "ERR_INVALID_CHAR" });
    assert.throws(() => validateHeaderValue("Set-Cookie", ["ok=1", s]), {
      code: "ERR_INVALID_CHAR",
      message: 'Invalid character in header content ["Set-Cookie"]',
    });
  }
});

// --- validateMethod, validatePath ----------------------------------------------------------------------

test("validateMethod() accepts any token, in any case", () => {
  for (const m of ["GET", "get", "M-SEARCH", "PURGE", "X_CUSTOM!"]) validateMethod(m);
});

test("validateMethod() throws ERR_INVALID_HTTP_TOKEN with Node's message", () => {
  for (
    const m of ["", "G T", "GET\r\n", "GET / HTTP/1.1\r\nHost: evil\r\n\r\nGET", "G\u00c9T", ...INJECTIONS]
  ) {
    assert.throws(() => validateMethod(m), {
      code: "ERR_INVALID_HTTP_TOKEN",
      message: `Method must be a valid HTTP token ["${m}"]`,
    });
  }
  assert.throws(() => validateMethod(undefined as unknown as string), {
    code: "ERR_INVALID_HTTP_TOKEN",
    message: 'Method must be a valid HTTP token ["undefined"]',
  });
});

test("validatePath() accepts 0x21-0xFF, like Node", () => {
  for (const p of ["/", "*", "/a?b=c#d", "http://h:1/x", "h:443", "/\u007f", "/caf\u00e9", "/%0D%0A"]) {
    validatePath(p);
  }
  let all = "";
  for (let c = 0x21; c <= 0xff; c++) all += String.fromCharCode(c);
  validatePath(all);
});

test("validatePath() throws ERR_UNESCAPED_CHARACTERS for SP, controls and chars above 0xFF", () => {
  const bad = [
    "/a b",
    "/a\tb",
    "/\u0100",
    "/\u010d\u010a",
    "/\u{1f600}",
    " ",
    ...INJECTIONS,
    "/ HTTP/1.1\r\nX: y",
  ];
  for (let c = 0; c <= 0x20; c++) bad.push(`/${String.fromCharCode(c)}`);
  for (const p of bad) {
    assert.throws(() => validatePath(p), {
      code: "ERR_UNESCAPED_CHARACTERS",
      message: "Request path contains unescaped characters",
    }, JSON.stringify(p));
  }
});

test("validatePath() throws ERR_INVALID_ARG_VALUE for an empty path", () => {
  assert.throws(() => validatePath(""), {
    code: "ERR_INVALID_ARG_VALUE",
    message: `The argument 'path' must be a non-empty string. Received ""`,
  });
});

// --- validateStatusCode, validateStatusMessage ---------------------------------------------------------

test("validateStatusCode() accepts integers from 100 to 999", () => {
  for (const code of [100, 101, 200, 404, 599, 999]) validateStatusCode(code);
});

test("validateStatusCode() throws ERR_HTTP_INVALID_STATUS_CODE with Node's message", () => {
  for (const code of [99, 1000, 0, -200, 200.5, NaN, Infinity]) {
    assert.throws(() => validateStatusCode(code), {
      name: "RangeError",
      code: "ERR_HTTP_INVALID_STATUS_CODE",
      message: `Invalid status code: ${code}`,
    });
  }
  assert.throws(() => validateStatusCode("200" as unknown as number), {
    code: "ERR_HTTP_INVALID_STATUS_CODE",
    message: "Invalid status code: 200",
  });
});

test("validateStatusMessage() accepts empty, text and obs-text", () => {
  validateStatusMessage("");
  validateStatusMessage("OK");
  validateStatusMessage("I'm a Teapot\t\u00e9");
});

test("validateStatusMessage() throws ERR_INVALID_CHAR with Node's message", () => {
  for (const m of [...INJECTIONS, "OK\u007f", "OK\u0100", "OK\u0001"]) {
    assert.throws(() => validateStatusMessage(m), {
      code: "ERR_INVALID_CHAR",
      message: "Invalid character in statusMessage",
    }, JSON.stringify(m));
  }
});

test("validation errors are HttpErrors", () => {
  try {
    validateHeaderValue("x", "\n");
    assert.fail("did not throw");
  } catch (err) {
    assert.ok(isHttpError(err));
    assert.ok(err instanceof Error);
  }
});

// --- fieldsFromHeaders ---------------------------------------------------------------------------------

test("fieldsFromHeaders() flattens an object, keeping case and order", () => {
  assert.deepEqual(fieldsFromHeaders({ "Content-Type": "text/plain", "x-B": "2", "X-a": "1" }), [
    "Content-Type",
    "text/plain",
    "x-B",
    "2",
    "X-a",
    "1",
  ]);
  assert.deepEqual(fieldsFromHeaders({}), []);
});

test("fieldsFromHeaders() writes numbers in decimal and repeats array values", () => {
  assert.deepEqual(fieldsFromHeaders({ "Content-Length": 5, "Set-Cookie": ["a=1", "b=2"], Age: 0 }), [
    "Content-Length",
    "5",
    "Set-Cookie",
    "a=1",
    "Set-Cookie",
    "b=2",
    "Age",
    "0",
  ]);
  assert.deepEqual(fieldsFromHeaders({ "X-Empty": [] }), []);
  assert.deepEqual(fieldsFromHeaders({ "X-Empty": "" }), ["X-Empty", ""]);
});

test("fieldsFromHeaders() takes a flat raw list as is", () => {
  const raw = ["Host", "example.com", "X-Dup", "1", "x-dup", "2"];
  assert.deepEqual(fieldsFromHeaders(raw), raw);
  assert.notEqual(fieldsFromHeaders(raw), raw);
  assert.deepEqual(fieldsFromHeaders([]), []);
});

test("fieldsFromHeaders() takes a list of pairs, expanding arrays and numbers", () => {
  assert.deepEqual(fieldsFromHeaders([["Host", "h"], ["Content-Length", 3], ["Set-Cookie", ["a", "b"]]]), [
    "Host",
    "h",
    "Content-Length",
    "3",
    "Set-Cookie",
    "a",
    "Set-Cookie",
    "b",
  ]);
});

test("fieldsFromHeaders() throws ERR_INVALID_ARG_VALUE for an odd flat list or a bad pair", () => {
  assert.throws(() => fieldsFromHeaders(["Host"]), {
    code: "ERR_INVALID_ARG_VALUE",
    message: "The argument 'headers' is invalid. Received a flat list of odd length 1",
  });
  assert.throws(() => fieldsFromHeaders([["a", "1"], ["b"]] as unknown as [string, string][]), {
    code: "ERR_INVALID_ARG_VALUE",
    message: "The argument 'headers' is invalid. Received a pair of 1 items",
  });
  assert.throws(() => fieldsFromHeaders([["a", "1"], "b"] as unknown as [string, string][]), {
    code: "ERR_INVALID_ARG_VALUE",
    message: "The argument 'headers' is invalid. Received a pair of string",
  });
});

test("fieldsFromHeaders() validates every name and value in every form", () => {
  const badName = {
    code: "ERR_INVALID_HTTP_TOKEN",
    message: 'Header name must be a valid HTTP token ["Bad Name"]',
  };
  const badValue = { code: "ERR_INVALID_CHAR", message: 'Invalid character in header content ["X"]' };
  assert.throws(() => fieldsFromHeaders({ "Bad Name": "v" }), badName);
  assert.throws(() => fieldsFromHeaders(["Ok", "v", "Bad Name", "v"]), badName);
  assert.throws(() => fieldsFromHeaders([["Bad Name", "v"]]), badName);
  assert.throws(() => fieldsFromHeaders({ X: "a\r\nb" }), badValue);
  assert.throws(() => fieldsFromHeaders({ X: ["ok", "a\nb"] }), badValue);
  assert.throws(() => fieldsFromHeaders(["X", "\0"]), badValue);
  assert.throws(() => fieldsFromHeaders([["X", ["\r"]]]), badValue);
  assert.throws(() => fieldsFromHeaders({ X: undefined }), {
    code: "ERR_HTTP_INVALID_HEADER_VALUE",
    message: 'Invalid value "undefined" for header "X"',
  });
  assert.throws(() => fieldsFromHeaders(["X", undefined as unknown as string]), {
    code: "ERR_HTTP_INVALID_HEADER_VALUE",
  });
});

test("fieldsFromHeaders() rejects every injection attempt in names and values", () => {
  for (const s of INJECTIONS) {
    assert.throws(() => fieldsFromHeaders({ [s]: "v" }), { code: "ERR_INVALID_HTTP_TOKEN" });
    assert.throws(() => fieldsFromHeaders({ X: s }), { code: "ERR_INVALID_CHAR" });
    assert.throws(() => fieldsFromHeaders([s, "v"]), { code: "ERR_INVALID_HTTP_TOKEN" });
    assert.throws(() => fieldsFromHeaders([["X", [s]]]), { code: "ERR_INVALID_CHAR" });
  }
});

test("fieldsFromHeaders() ignores inherited properties", () => {
  const headers = Object.create({ Inherited: "x" }) as Record<string, string>;
  headers.Own = "y";
  assert.deepEqual(fieldsFromHeaders(headers), ["Own", "y"]);
});

// --- serializers ---------------------------------------------------------------------------------------

test("serializeRequestHead() writes the exact bytes", () => {
  assert.equal(
    serializeRequestHead("GET", "/", ["Host", "example.com", "Accept", "*/*"]),
    "GET / HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n\r\n",
  );
  assert.equal(serializeRequestHead("OPTIONS", "*", []), "OPTIONS * HTTP/1.1\r\n\r\n");
  assert.equal(
    serializeRequestHead("CONNECT", "h:443", ["Host", "h:443"]),
    "CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n",
  );
  assert.equal(serializeRequestHead("GET", "/", ["Host", "h"], 0), "GET / HTTP/1.0\r\nHost: h\r\n\r\n");
  assert.equal(serializeRequestHead("GET", "/", [], 1), "GET / HTTP/1.1\r\n\r\n");
});

test("serializeResponseHead() writes the exact bytes", () => {
  assert.equal(
    serializeResponseHead(200, "OK", ["Content-Length", "5", "Set-Cookie", "a=1", "Set-Cookie", "b=2"]),
    "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\n",
  );
  assert.equal(serializeResponseHead(204, "No Content", []), "HTTP/1.1 204 No Content\r\n\r\n");
  assert.equal(serializeResponseHead(599, "", []), "HTTP/1.1 599 \r\n\r\n");
  assert.equal(serializeResponseHead(200, "OK", ["X", ""], 0), "HTTP/1.0 200 OK\r\nX: \r\n\r\n");
});

test("serialized heads keep obs-text byte for byte once encoded", () => {
  const head = serializeResponseHead(200, "D\u00e9j\u00e0 vu", ["X-Name", "Ren\u00e9e \u0080\u009f\u00ff"]);
  const bytes = encodeLatin1(head);
  assert.deepEqual(
    [...bytes.subarray(13, 21)],
    [0x44, 0xe9, 0x6a, 0xe0, 0x20, 0x76, 0x75, 0x0d],
  );
  assert.equal(decodeLatin1(bytes), head);
  assert.equal(bytes.length, head.length);
});

test("a head built from validated parts never carries an injected line", () => {
  // What a writer does: validate, then serialize. Every injection must stop at validation.
  function build(method: string, path: string, name: string, value: string): string {
    validateMethod(method);
    validatePath(path);
    return serializeRequestHead(method, path, fieldsFromHeaders({ [name]: value }));
  }
  assert.equal(build("GET", "/", "X", "1"), "GET / HTTP/1.1\r\nX: 1\r\n\r\n");
  for (const s of INJECTIONS) {
    assert.throws(() => build(s, "/", "X", "1"));
    assert.throws(() => build("GET", `/${s}`, "X", "1"));
    assert.throws(() => build("GET", "/", `X${s}`, "1"));
    assert.throws(() => build("GET", "/", "X", s));
  }
});

// --- properties ----------------------------------------------------------------------------------------

const tokenArb = fc.string({ unit: fc.constantFrom(...TCHARS), minLength: 1, maxLength: 20 });
/** Valid value chars: HTAB, SP-~, obs-text. Values may be empty and may have inner or outer whitespace. */
const valueCharArb = fc.oneof(
  fc.constant("\t"),
  fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
  fc.integer({ min: 0x80, max: 0xff }).map((c) => String.fromCharCode(c)),
);
const valueArb = fc.string({ unit: valueCharArb, maxLength: 40 });

test("property: encoded response heads hold every field byte for byte", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 100, max: 999 }),
      fc.array(fc.tuple(tokenArb, valueArb), { maxLength: 12 }),
      (status, pairs) => {
        const fields = fieldsFromHeaders(pairs);
        const bytes = encodeLatin1(serializeResponseHead(status, "Reason", fields));
        const text = decodeLatin1(bytes);
        assert.ok(text.endsWith("\r\n\r\n"));
        const lines = text.slice(0, -4).split("\r\n");
        assert.equal(lines[0], `HTTP/1.1 ${status} Reason`);
        assert.equal(lines.length - 1, pairs.length);
        for (let i = 0; i < pairs.length; i++) {
          const [name, value] = pairs[i]!;
          const line = lines[i + 1]!;
          const colon = line.indexOf(":");
          assert.equal(line.slice(0, colon), name);
          assert.equal(line.slice(colon + 1, colon + 2), " ");
          assert.equal(line.slice(colon + 2), value);
          // Byte-identical: the value's latin1 bytes appear as is in the encoded head.
          assert.deepEqual(encodeLatin1(line.slice(colon + 2)), encodeLatin1(value));
        }
        // No stray CR or LF outside line ends.
        assert.equal(text.split("\r\n").length, pairs.length + 3);
        assert.equal(text.split("\n").length, pairs.length + 3);
        assert.equal(text.split("\r").length, pairs.length + 3);
      },
    ),
  );
});

test("property: any string with CR, LF or NUL anywhere throws ERR_INVALID_CHAR", () => {
  const poisoned = fc
    .tuple(
      fc.string({ maxLength: 20 }),
      fc.constantFrom("\r", "\n", "\0", "\r\n"),
      fc.string({ maxLength: 20 }),
    )
    .map(([a, bad, b]) => a + bad + b);
  fc.assert(
    fc.property(tokenArb, poisoned, (name, value) => {
      assert.throws(() => validateHeaderValue(name, value), { code: "ERR_INVALID_CHAR" });
      assert.throws(() => fieldsFromHeaders({ [name]: value }), { code: "ERR_INVALID_CHAR" });
      assert.throws(() => fieldsFromHeaders([[name, ["ok", value]]]), { code: "ERR_INVALID_CHAR" });
      assert.throws(() => validateStatusMessage(value), { code: "ERR_INVALID_CHAR" });
      assert.throws(() => validateHeaderName(value), { code: "ERR_INVALID_HTTP_TOKEN" });
      assert.throws(() => validateMethod(value), { code: "ERR_INVALID_HTTP_TOKEN" });
      assert.throws(() => validatePath(value), { code: "ERR_UNESCAPED_CHARACTERS" });
    }),
  );
});

test("property: validateHeaderValue() agrees with Node's regex on random strings", () => {
  const nodeInvalid = /[^\t\x20-\x7e\x80-\xff]/;
  // Mostly chars around the latin1 boundary, where the rules change, plus some from anywhere in the BMP.
  const unit = fc.oneof(
    fc.integer({ min: 0, max: 0x1ff }).map((c) => String.fromCharCode(c)),
    fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
  );
  fc.assert(
    fc.property(fc.string({ unit, maxLength: 30 }), (value) => {
      let threw = false;
      try {
        validateHeaderValue("x", value);
      } catch (err) {
        threw = true;
        assert.equal((err as { code: string }).code, "ERR_INVALID_CHAR");
      }
      assert.equal(threw, nodeInvalid.test(value));
    }),
  );
});
