/**
 * The fields that may not be trailers (RFC 9110 section 6.5.1): one table (`src/core/_trailer_fields.ts`)
 * that the reader rejects received trailers by and the writer refuses to send by. Every row is walked in
 * both roles and at every split (whole, byte by byte, random cuts), because the fuzzer found a trailer
 * `Content-Length` accepted whole and rejected when split after `0\r\nC`.
 *
 * llhttp, as undici 8 ships it (WASM), fed the same bytes whole and split: a trailer `Content-Length` is
 * `HPE_INVALID_CONTENT_LENGTH` ("Content-Length can't be present with Transfer-Encoding") for requests
 * and responses; a trailer `Transfer-Encoding` is `HPE_INVALID_TRANSFER_ENCODING` for requests and
 * accepted for responses; `Host`, `Connection`, `Expect` and the rest are accepted. We reject every row
 * in both roles; Content-Length with our code for Content-Length beside Transfer-Encoding. Node 20.20.2's
 * server does as that llhttp does: `clientError` with `HPE_INVALID_CONTENT_LENGTH` for a trailer
 * Content-Length, `HPE_INVALID_TRANSFER_ENCODING` for Transfer-Encoding, and `rawTrailers` ["Host", "b"]
 * for a trailer `Host: b`.
 */
import assert from "node:assert/strict";
import { test } from "../_harness.ts";
import { HttpParseError } from "../../src/core/errors.ts";
import { fieldsFromTrailers } from "../../src/core/head_writer.ts";
import { parseFieldLines } from "../../src/core/head_parser.ts";
import { RequestParser, ResponseParser } from "../../src/core/parser.ts";
import { NOT_IN_TRAILERS } from "../../src/core/_trailer_fields.ts";
import { assertError, bytes, ends, parseRequests, parseResponses } from "./_split.ts";

const REQUEST_HEAD = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";
const RESPONSE_HEAD = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";

/** The fuzzer's input, byte for byte. */
const REPRO =
  "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nContent-Length: 5\r\n\r\n";

/** Each spelling a peer might send: as in the table, Title-Case, UPPER. */
function spellings(lower: string): string[] {
  const title = lower.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
  return [lower, title, lower.toUpperCase()];
}

/** Runs `input` whole through a fresh request parser and returns the error it throws. */
function requestError(input: Uint8Array, cut?: number): HttpParseError {
  const parser = new RequestParser({ onHead() {}, onData() {}, onEnd() {} });
  let error: unknown;
  try {
    if (cut === undefined) parser.execute(input);
    else {
      parser.execute(input.slice(0, cut));
      parser.execute(input.slice(cut));
    }
  } catch (err) {
    error = err;
  }
  assert.ok(error instanceof HttpParseError, `expected a parse error, got ${error}`);
  return error;
}

test("trailer Content-Length: the fuzzer's bytes fail the same way whole and split after 0\\r\\nC", () => {
  const input = bytes(REPRO);
  const colon = REPRO.lastIndexOf(":");
  const whole = requestError(input);
  assert.equal(whole.code, "HPE_UNEXPECTED_CONTENT_LENGTH");
  assert.equal(whole.status, 400);
  assert.equal(whole.bytesParsed, colon);
  const cut = REPRO.indexOf("0\r\nC") + 4;
  const split = requestError(input, cut);
  assert.equal(split.code, whole.code);
  assert.equal(split.message, whole.message);
  // bytesParsed is an offset in the input that held the proving byte: the second piece here.
  assert.equal(split.bytesParsed, colon - cut);
  assertError(parseRequests(REPRO), "HPE_UNEXPECTED_CONTENT_LENGTH", 400);
});

for (const [name, rule] of NOT_IN_TRAILERS) {
  test(`trailer ${name}: ${rule.code} for requests and responses, at every split and in every case`, () => {
    for (const spelled of spellings(name)) {
      const trailer = `0\r\n${spelled}: 1\r\n\r\n`;
      assertError(parseRequests(REQUEST_HEAD + trailer), rule.code, 400);
      assertError(parseResponses(RESPONSE_HEAD + trailer, { finish: true }), rule.code, 400);
      // After allowed trailers, and with more after it: the first bad field decides.
      const late = `0\r\nX-Sum: 5\r\nContent-Digest: a\r\n${spelled}: 1\r\nX-Late: 2\r\n\r\n`;
      assertError(parseRequests(REQUEST_HEAD + late), rule.code, 400);
      assertError(parseResponses(RESPONSE_HEAD + late, { finish: true }), rule.code, 400);
    }
  });
}

test("trailers: the error is at the colon of the first field that may not be a trailer", () => {
  for (const [name, rule] of NOT_IN_TRAILERS) {
    const text = `${REQUEST_HEAD}3\r\nabc\r\n0\r\nX-Sum: 5\r\n${name}: 1\r\nHost: b\r\n\r\n`;
    const err = requestError(bytes(text));
    assert.equal(err.code, rule.code, name);
    assert.equal(err.bytesParsed, text.indexOf(`${name}:`) + name.length, name);
  }
});

test("trailers: the rule holds for the insecure parser and on the lexer's path (obs-fold)", () => {
  // insecureHTTPParser relaxes syntax only, never framing; obs-fold sends the section through the lexer.
  const folded = `0\r\nX-A: 1\r\n more\r\nTransfer-Encoding: chunked\r\n\r\n`;
  assertError(parseRequests(REQUEST_HEAD + folded, { insecure: true }), "HPE_INVALID_TRANSFER_ENCODING", 400);
  assertError(
    parseResponses(RESPONSE_HEAD + folded, { insecure: true, finish: true }),
    "HPE_INVALID_TRANSFER_ENCODING",
    400,
  );
  assertError(
    parseRequests(REQUEST_HEAD + "0\r\nHost: b\r\n\r\n", { insecure: true }),
    "HPE_INVALID_HEADER_TOKEN",
  );
});

test("trailers: fields outside the table are read as before, at every split", () => {
  const allowed = ["Content-Digest", "Server-Timing", "Expires", "Date", "Content-MD5", "X-Sum", "ETag"];
  const trailer = "0\r\n" + allowed.map((name) => `${name}: v\r\n`).join("") + "\r\n";
  const raw = allowed.flatMap((name) => [name, "v"]);
  assert.deepEqual(ends(parseRequests(REQUEST_HEAD + trailer)), [{ body: "", trailers: raw }]);
  assert.deepEqual(ends(parseResponses(RESPONSE_HEAD + trailer)), [{ body: "", trailers: raw }]);
  // Names that only start or end like a row are not rows.
  const near = "0\r\nContent-Lengths: 1\r\nX-Host: 2\r\nHosts: 3\r\nT: 4\r\nTE_: 5\r\n\r\n";
  assert.deepEqual(ends(parseRequests(REQUEST_HEAD + near)), [{
    body: "",
    trailers: ["Content-Lengths", "1", "X-Host", "2", "Hosts", "3", "T", "4", "TE_", "5"],
  }]);
});

test("parseFieldLines() applies the same rule to a trailer section, plain or folded", () => {
  for (const [name, rule] of NOT_IN_TRAILERS) {
    for (const text of [`A: 1\r\n${name}: 1\r\n\r\n`, `A: 1\r\n x\r\n${name}: 1\r\n\r\n`]) {
      const input = bytes(text);
      assert.throws(() => parseFieldLines(input, 0, input.length, { insecure: true }), (err: unknown) => {
        assert.ok(err instanceof HttpParseError);
        assert.equal(err.code, rule.code);
        assert.equal(err.bytesParsed, text.indexOf(`${name}:`) + name.length);
        return true;
      }, text);
    }
  }
});

test("fieldsFromTrailers(): every row, in each form and case, throws ERR_HTTP_TRAILER_INVALID", () => {
  for (const name of NOT_IN_TRAILERS.keys()) {
    for (const spelled of spellings(name)) {
      for (
        const trailers of [{ "X-Sum": "1", [spelled]: "1" }, ["X-Sum", "1", spelled, "1"], [[spelled, "1"]]]
      ) {
        assert.throws(() => fieldsFromTrailers(trailers as never), (err: unknown) => {
          assert.equal((err as { code: string }).code, "ERR_HTTP_TRAILER_INVALID");
          assert.equal(
            (err as Error).message,
            `Trailer field "${spelled}" is ${NOT_IN_TRAILERS.get(name)!.kind}, not allowed in a trailer ` +
              "(RFC 9110 section 6.5.1)",
          );
          return true;
        }, spelled);
      }
    }
  }
  // The usual field checks still come first.
  assert.throws(() => fieldsFromTrailers({ "Bad Name": "1" }), { code: "ERR_INVALID_HTTP_TOKEN" });
  assert.throws(() => fieldsFromTrailers({ "X-A": "a\r\nb" }), { code: "ERR_INVALID_CHAR" });
});

test("one table: what the writer sends the reader accepts, and what the reader accepts can be forwarded", () => {
  const trailers = fieldsFromTrailers({ "Content-Digest": "sha-256=:x:", "Server-Timing": "db;dur=5" });
  assert.deepEqual(trailers, ["Content-Digest", "sha-256=:x:", "Server-Timing", "db;dur=5"]);
  const text = `${RESPONSE_HEAD}0\r\nContent-Digest: sha-256=:x:\r\nServer-Timing: db;dur=5\r\n\r\n`;
  const [end] = ends(parseResponses(text));
  assert.deepEqual(end!.trailers, trailers);
  // A proxy's `addTrailers(upstream.rawTrailers)`.
  assert.deepEqual(fieldsFromTrailers(end!.trailers), trailers);
  const response = new ResponseParser({ onHead() {}, onData() {}, onEnd() {} });
  assert.equal(response.execute(bytes(text)), text.length);
});
