// Random and mutated input must only ever produce HttpParseError, and parsing must terminate.
import assert from "node:assert/strict";
import fc from "fast-check";
import { test } from "../_harness.ts";
import { HttpParseError, isHttpError } from "../../src/core/errors.ts";
import { RequestParser, ResponseParser } from "../../src/core/parser.ts";
import { bytes, randomCuts } from "./_split.ts";

interface Target {
  execute(input: Uint8Array): number;
  finish(): void;
  readonly upgraded: boolean;
}

const noop = { onHead() {}, onData() {}, onEnd() {} };

function feed(make: () => Target, input: Uint8Array, seed: number): void {
  const parser = make();
  const bounds = [0, ...randomCuts(input.length, seed), input.length];
  try {
    for (let i = 0; i + 1 < bounds.length && !parser.upgraded; i++) {
      const n = parser.execute(input.slice(bounds[i], bounds[i + 1]));
      assert.ok(n >= 0 && n <= (bounds[i + 1] as number) - (bounds[i] as number));
    }
    parser.finish();
  } catch (err) {
    if (!(err instanceof HttpParseError) || !isHttpError(err)) throw err;
  }
}

const makeRequest = (): Target => new RequestParser(noop, { requireHost: true, maxHeaderSize: 512 });
const makeResponse = (): Target => {
  const parser = new ResponseParser(noop, { maxHeaderSize: 512 });
  parser.expectResponseTo("GET");
  return parser;
};

const VALID_REQUESTS = [
  "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
  "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc",
  "POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3;e=1\r\nabc\r\n0\r\nT: 1\r\n\r\n",
  "GET /ws HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\nUpgrade: x\r\n\r\nrest",
];
const VALID_RESPONSES = [
  "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
  "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
  "HTTP/1.0 200 OK\r\n\r\nuntil close",
];

/** A valid message with a few bytes replaced, inserted or deleted. */
function mutated(corpus: string[]): fc.Arbitrary<Uint8Array> {
  const edit = fc.tuple(fc.nat(), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 255 }));
  return fc.tuple(fc.constantFrom(...corpus), fc.array(edit, { minLength: 1, maxLength: 4 })).map(
    ([text, edits]) => {
      const list = [...bytes(text)];
      for (const [at, kind, value] of edits) {
        const i = at % (list.length + 1);
        if (kind === 0) list[i] = value;
        else if (kind === 1) list.splice(i, 0, value);
        else list.splice(i, 1);
      }
      return Uint8Array.from(list);
    },
  );
}

const randomBytes = fc.uint8Array({ maxLength: 300 });
const httpish = fc.array(
  fc.constantFrom(
    ..."GET POST / HTTP/1.1 \r\n: Host a 0 5 ; chunked Transfer-Encoding Content-Length \t\x00".split(" "),
  ),
  { maxLength: 60 },
).map((parts) => bytes(parts.join(" ")));

test("fuzz: RequestParser only throws HttpParseError on random bytes", () => {
  fc.assert(
    fc.property(fc.oneof(randomBytes, httpish), fc.nat(), (input, seed) => {
      feed(makeRequest, input, seed);
    }),
    { numRuns: 300, seed: 1 },
  );
});

test("fuzz: RequestParser only throws HttpParseError on mutated requests", () => {
  fc.assert(
    fc.property(mutated(VALID_REQUESTS), fc.nat(), (input, seed) => {
      feed(makeRequest, input, seed);
    }),
    { numRuns: 300, seed: 2 },
  );
});

test("fuzz: ResponseParser only throws HttpParseError on random bytes", () => {
  fc.assert(
    fc.property(fc.oneof(randomBytes, httpish), fc.nat(), (input, seed) => {
      feed(makeResponse, input, seed);
    }),
    { numRuns: 300, seed: 3 },
  );
});

test("fuzz: ResponseParser only throws HttpParseError on mutated responses", () => {
  fc.assert(
    fc.property(mutated(VALID_RESPONSES), fc.nat(), (input, seed) => {
      feed(makeResponse, input, seed);
    }),
    { numRuns: 300, seed: 4 },
  );
});

test("fuzz: splits never change the outcome of mutated requests", () => {
  fc.assert(
    fc.property(mutated(VALID_REQUESTS), fc.nat(), (input, seed) => {
      const outcome = (cuts: number[]): string => {
        const log: unknown[] = [];
        const parser = new RequestParser({
          onHead: (h) => log.push(h),
          onData: (c) => log.push([...c]),
          onEnd: (t) => log.push(t),
        });
        const bounds = [0, ...cuts, input.length];
        try {
          for (let i = 0; i + 1 < bounds.length && !parser.upgraded; i++) {
            parser.execute(input.slice(bounds[i], bounds[i + 1]));
          }
        } catch (err) {
          log.push((err as HttpParseError).code);
        }
        // Data boundaries may differ by split; compare the bytes, not the pieces.
        return JSON.stringify(log.map((e) => Array.isArray(e) && typeof e[0] === "number" ? "data" : e)) +
          JSON.stringify(log.filter((e) => Array.isArray(e) && typeof e[0] === "number").flat());
      };
      const whole = outcome([]);
      const split = outcome(randomCuts(input.length, seed));
      const normalize = (s: string) =>
        s.replace(/("data",)+/g, '"data",').replace(/("data")(,"data")+/g, '"data"');
      assert.equal(normalize(split), normalize(whole));
    }),
    { numRuns: 200, seed: 5 },
  );
});
