/**
 * The one way tests feed a parser: the same input whole, one byte per `execute`, and cut at random points
 * (seeded, so failures reproduce), asserting every run gives the same event log, the same consumed count,
 * the same upgrade `head` bytes and the same error. Each chunk is a fresh copy that is scribbled over right
 * after `execute` returns, so a parser that keeps a view of its input fails here.
 *
 * @module
 */

import assert from "node:assert/strict";
import { HttpParseError, isHttpError } from "../../src/core/errors.ts";
import {
  type ParserOptions,
  RequestParser,
  type RequestParserOptions,
  ResponseParser,
} from "../../src/core/parser.ts";
import type { RequestHead, ResponseHead } from "../../src/core/types.ts";

/** One entry of the event log; data is concatenated per message. */
export type ParseEvent =
  | { type: "head"; head: RequestHead | ResponseHead }
  | { type: "end"; body: string; trailers: string[] };

/** What a run produced. */
export interface Outcome {
  /** Heads and message ends, in order. */
  events: ParseEvent[];
  /** Body bytes (latin1) of a message not ended yet, e.g. a close-delimited body without `finish`. */
  pendingBody: string;
  /** Code and status of the parse error, or null. */
  error: { code: string; status: number } | null;
  /** Bytes consumed over all `execute` calls (-1 after an error). */
  consumed: number;
  /** Whether the parser stopped for an upgrade. */
  upgraded: boolean;
  /** The input bytes not consumed (latin1): Node's upgrade `head`. */
  rest: string;
}

/** Split options: run `finish()` at the end; methods for `expectResponseTo`, in order. */
export interface SplitOptions {
  /** Call `finish()` after the input (the peer closed). */
  finish?: boolean;
  /** Response parsers: the methods of the requests, in order (default GET for each). */
  methods?: string[];
}

/** Latin1 bytes of a string (each char code one byte), so tests can write any byte with `\xNN`. */
export function bytes(text: string | Uint8Array): Uint8Array {
  if (typeof text !== "string") return text;
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}

function latin1(view: Uint8Array): string {
  let s = "";
  for (let i = 0; i < view.length; i++) s += String.fromCharCode(view[i] as number);
  return s;
}

/** mulberry32: tiny seeded PRNG, enough to pick split points reproducibly. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Cut points for a seeded random split of `length` bytes (1-6 cuts). */
export function randomCuts(length: number, seed: number): number[] {
  const random = prng(seed);
  const cuts = new Set<number>();
  const n = 1 + Math.floor(random() * 6);
  for (let i = 0; i < n && length > 1; i++) cuts.add(1 + Math.floor(random() * (length - 1)));
  return [...cuts].sort((a, b) => a - b);
}

interface Driver {
  execute(input: Uint8Array): number;
  finish(): void;
  readonly upgraded: boolean;
}

type Factory = (log: Recorder) => Driver;

class Recorder {
  events: ParseEvent[] = [];
  body = "";
  onHead = (head: RequestHead | ResponseHead): void => {
    this.events.push({ type: "head", head });
  };
  onData = (chunk: Uint8Array): void => {
    this.body += latin1(chunk);
  };
  onEnd = (trailers: string[]): void => {
    this.events.push({ type: "end", body: this.body, trailers: [...trailers] });
    this.body = "";
  };
}

function errorOf(err: unknown): { code: string; status: number } {
  if (!(err instanceof HttpParseError) || !isHttpError(err)) throw err;
  assert.equal(typeof err.bytesParsed, "number");
  return { code: err.code, status: err.status };
}

/** Runs `input` cut into `pieces` through a fresh parser. */
function runPieces(factory: Factory, input: Uint8Array, cuts: number[], options: SplitOptions): Outcome {
  const log = new Recorder();
  const parser = factory(log);
  let consumed = 0;
  let error: { code: string; status: number } | null = null;
  let rest = "";
  const bounds = [0, ...cuts, input.length];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const piece = input.slice(bounds[i], bounds[i + 1]);
    if (parser.upgraded) {
      rest += latin1(piece);
      continue;
    }
    try {
      const n = parser.execute(piece);
      consumed += n;
      if (n < piece.length) {
        assert.ok(parser.upgraded, "execute() consumed less than its input without an upgrade");
        rest += latin1(piece.subarray(n));
      }
    } catch (err) {
      error = errorOf(err);
      // A dead parser throws the same error again.
      assert.throws(() => parser.execute(bytes("x")), (again: unknown) => again === err);
      break;
    }
    piece.fill(0xee); // The parser must not keep views of its input.
  }
  if (error === null && options.finish) {
    try {
      parser.finish();
    } catch (err) {
      error = errorOf(err);
    }
  }
  // Bytes consumed before an error depend on the split, so they are only compared on success.
  if (error !== null) consumed = -1;
  return { events: log.events, pendingBody: log.body, error, consumed, upgraded: parser.upgraded, rest };
}

const SEEDS = [1, 2, 3, 7, 42, 1234];

function runAllSplits(factory: Factory, text: string | Uint8Array, options: SplitOptions): Outcome {
  const input = bytes(text);
  const whole = runPieces(factory, input, [], options);
  const everyByte = Array.from({ length: Math.max(0, input.length - 1) }, (_, i) => i + 1);
  const splits: [string, number[]][] = [["one byte at a time", everyByte]];
  for (const seed of SEEDS) splits.push([`random split seed ${seed}`, randomCuts(input.length, seed)]);
  for (const [name, cuts] of splits) {
    const other = runPieces(factory, input, cuts, options);
    assert.deepEqual(
      other,
      whole,
      `${name} (cuts ${cuts.length > 20 ? "every byte" : cuts.join(",")}) differs from whole input`,
    );
  }
  return whole;
}

/** Feeds a request stream to `RequestParser` in every split; returns the (identical) outcome. */
export function parseRequests(
  text: string | Uint8Array,
  options: RequestParserOptions & SplitOptions = {},
): Outcome {
  return runAllSplits((log) => new RequestParser(log, options), text, options);
}

/** Feeds a response stream to `ResponseParser` in every split; returns the (identical) outcome. */
export function parseResponses(
  text: string | Uint8Array,
  options: ParserOptions & SplitOptions = {},
): Outcome {
  return runAllSplits(
    (log) => {
      const parser = new ResponseParser(log, options);
      for (const method of options.methods ?? []) parser.expectResponseTo(method);
      return parser;
    },
    text,
    options,
  );
}

/** Asserts the run failed with `code` (and `status`, when given). */
export function assertError(outcome: Outcome, code: string, status?: number): void {
  assert.ok(outcome.error !== null, `expected ${code}, but parsing succeeded`);
  assert.equal(outcome.error.code, code);
  if (status !== undefined) assert.equal(outcome.error.status, status);
}

/** Asserts the run succeeded and returns the heads it produced. */
export function heads<T extends RequestHead | ResponseHead>(outcome: Outcome): T[] {
  assert.equal(outcome.error, null, `unexpected error ${JSON.stringify(outcome.error)}`);
  return outcome.events.filter((e) => e.type === "head").map((e) => (e as unknown as { head: T }).head);
}

/** Asserts the run succeeded and returns each ended message's body and trailers. */
export function ends(outcome: Outcome): { body: string; trailers: string[] }[] {
  assert.equal(outcome.error, null, `unexpected error ${JSON.stringify(outcome.error)}`);
  return outcome.events.filter((e) => e.type === "end").map((e) => {
    const { body, trailers } = e as { body: string; trailers: string[] };
    return { body, trailers };
  });
}
