/**
 * The shapes the codec hands out and takes in. Kept apart so every layer can name them without importing
 * the parser or the writer.
 *
 * @module
 */

/**
 * Header fields as Node shows them: lower-cased names; `set-cookie` always an array; fields Node keeps once
 * (`content-type`, `host`, `user-agent`, ...) hold the first value; `cookie` joined with `"; "`; every other
 * repeated field joined with `", "`.
 */
export type IncomingHeaders = Record<string, string | string[] | undefined> & {
  "set-cookie"?: string[];
};

/** Outgoing fields: one value, or an array for a repeated field. Numbers are written in decimal. */
export type OutgoingHeaders = Record<string, string | number | readonly string[] | undefined>;

/**
 * How the body after a head is delimited (RFC 9112 section 6.3).
 * - `none`: no body (HEAD responses, 1xx/204/304, 2xx to CONNECT, requests with neither field).
 * - `length`: exactly `length` bytes (`Content-Length`).
 * - `chunked`: chunked transfer coding, possibly with trailers.
 * - `close`: everything until the connection closes (responses only).
 */
export type BodyFraming =
  | { readonly kind: "none" }
  | { readonly kind: "length"; readonly length: number }
  | { readonly kind: "chunked" }
  | { readonly kind: "close" };

/** What every parsed head carries, for either role. */
export interface MessageHead {
  /** Major HTTP version: 1, or 0 for a response whose status line says HTTP/0.9. */
  versionMajor: number;
  /** Minor HTTP version: 0 or 1 (9 under major 0). */
  versionMinor: number;
  /** Names and values in wire order and case: `[name0, value0, name1, value1, ...]` (Node's `rawHeaders`). */
  rawHeaders: string[];
  /** Lower-cased view with Node's duplicate rules. */
  headers: IncomingHeaders;
  /** How the body is delimited. */
  framing: BodyFraming;
  /** Whether the connection may carry another message after this one (RFC 9112 section 9.3). */
  keepAlive: boolean;
  /**
   * True when the parser stopped after this head because the connection changes protocol: a request with
   * `Connection: upgrade` and `Upgrade`, or CONNECT; a 101 response, or a 2xx response to CONNECT.
   */
  upgrade: boolean;
}

/** A parsed request head. */
export interface RequestHead extends MessageHead {
  /** Method token, case kept (methods are case-sensitive). */
  method: string;
  /** Request-target exactly as sent (origin, absolute, authority or asterisk form). */
  url: string;
  /** True when the request carries `Expect: 100-continue`. */
  expectContinue: boolean;
  /** The `Expect` field's value (repeated fields joined with `", "`), if any. */
  expect: string | undefined;
}

/** A parsed response head. */
export interface ResponseHead extends MessageHead {
  /** Three-digit status code, 100–999. */
  statusCode: number;
  /** Reason phrase, possibly empty. */
  statusMessage: string;
}
