/**
 * The contract every parser adapter fulfils, so the bench loop and the correctness check treat all three
 * parsers alike. An adapter owns one request parser and one response parser (created on first use);
 * run.ts creates a fresh adapter for every (input, parser) cell, so each cell uses one parser instance
 * and feeds it complete messages back to back.
 *
 * "Same observable work": for every message each adapter must hand out the method, url (or status),
 * version, the field names and values as JS strings in wire order (`rawHeaders` layout), the number of body
 * bytes delivered, the trailer names and values as strings, and count the message as complete.
 *
 * @module
 */

/** What one parsed message looks like to the caller; identical shape for all adapters. */
export interface Parsed {
  /** Request method, or "" for a response. */
  method: string;
  /** Request target, or "" for a response. */
  url: string;
  /** Status code, or 0 for a request. */
  statusCode: number;
  /** Reason phrase, or "" for a request. */
  statusMessage: string;
  versionMajor: number;
  versionMinor: number;
  /** `[name0, value0, name1, value1, ...]` as received. */
  rawHeaders: string[];
  /** Body bytes delivered to the caller (after de-chunking). */
  bodyBytes: number;
  /** Trailer fields, same layout as `rawHeaders`. */
  rawTrailers: string[];
}

/** One parser under test. */
export interface ParserAdapter {
  /** Label in the tables. */
  readonly name: string;
  /** Parses one complete request message; throws if the parser reports an error. */
  parseRequest(buf: Uint8Array): void;
  /** Parses one complete response (to a GET) message; throws if the parser reports an error. */
  parseResponse(buf: Uint8Array): void;
  /** Number of messages whose message-complete event fired, over the adapter's lifetime. */
  readonly completed: number;
  /** The last complete message, or null before the first. */
  readonly last: Parsed | null;
}

/** A fresh record for a message whose head is about to be parsed. */
export function emptyParsed(): Parsed {
  return {
    method: "",
    url: "",
    statusCode: 0,
    statusMessage: "",
    versionMajor: 0,
    versionMinor: 0,
    rawHeaders: [],
    bodyBytes: 0,
    rawTrailers: [],
  };
}
