/**
 * `IncomingMessage`: a received request (server side) or response (client side), Node's shape on top of
 * {@linkcode BodyReadable}.
 *
 * @module
 */

import { BodyReadable } from "./body_readable.ts";
import { headersFromRaw } from "../core/fields.ts";
import type { IncomingHeaders, RequestHead, ResponseHead } from "../core/types.ts";
import type { Socket } from "./socket.ts";

/**
 * A request received by a server, or a response received by a client.
 *
 * @example
 * ```ts ignore
 * import { createServer } from "@wire/http";
 * createServer((req, res) => {
 *   console.log(req.method, req.url, req.headers["user-agent"], req.rawHeaders);
 *   req.on("end", () => console.log("trailers:", req.trailers));
 *   req.resume();
 *   res.end();
 * });
 * ```
 */
export class IncomingMessage extends BodyReadable {
  /** The connection the message came on. */
  readonly socket: Socket;
  /** Request method (server side); `null`-like empty string on responses. */
  method: string | undefined;
  /** Request-target as sent (server side). */
  url: string | undefined;
  /** Status code (client side). */
  statusCode: number | undefined;
  /** Reason phrase (client side). */
  statusMessage: string | undefined;
  /** `"1.1"` or `"1.0"`. */
  httpVersion: string;
  /** Always 1. */
  httpVersionMajor: number;
  /** 1 or 0. */
  httpVersionMinor: number;
  /** Fields as sent: `[name, value, name, value, ...]`. */
  rawHeaders: string[];
  /** Trailer fields, lower-cased; filled when the body ends. */
  trailers: IncomingHeaders = {};
  /** Trailer fields as sent; filled when the body ends. */
  rawTrailers: string[] = [];
  /** Internal: called by `destroy()` so the connection can close. */
  onDestroy: ((error: Error | undefined) => void) | undefined;

  /** Builds the message from a parsed head. Created by servers and clients, not by users. */
  constructor(socket: Socket, head: RequestHead | ResponseHead) {
    super();
    this.socket = socket;
    this.httpVersionMajor = head.versionMajor;
    this.httpVersionMinor = head.versionMinor;
    this.httpVersion = head.versionMinor === 1 ? "1.1" : "1.0";
    this.#head = head;
    this.rawHeaders = head.rawHeaders;
    if ("method" in head) {
      this.method = head.method;
      this.url = head.url;
    } else {
      this.statusCode = head.statusCode;
      this.statusMessage = head.statusMessage;
    }
  }

  #head: RequestHead | ResponseHead;
  #headers: IncomingHeaders | undefined;

  /** Lower-cased fields with Node's duplicate rules (built on first use, as Node does). */
  get headers(): IncomingHeaders {
    return this.#headers ??= this.#head.headers;
  }

  set headers(value: IncomingHeaders) {
    this.#headers = value;
  }

  /** Same as `socket` (Node's older name). */
  get connection(): Socket {
    return this.socket;
  }

  /** Fields with every value as an array, names lower-cased (Node's `headersDistinct`). */
  get headersDistinct(): Record<string, string[]> {
    return distinct(this.rawHeaders);
  }

  /** Trailers with every value as an array (Node's `trailersDistinct`). */
  get trailersDistinct(): Record<string, string[]> {
    return distinct(this.rawTrailers);
  }

  /** Calls `callback` on `'timeout'` of the socket after `ms` idle milliseconds. */
  setTimeout(ms: number, callback?: () => void): this {
    this.socket.setTimeout(ms, callback);
    return this;
  }

  /** Internal: the body ended with these trailers. */
  finishWithTrailers(rawTrailers: string[]): void {
    if (rawTrailers.length > 0) {
      this.rawTrailers = rawTrailers;
      this.trailers = headersFromRaw(rawTrailers);
    }
    this.finish();
  }

  /** @ignore Internal hook, for the package's own layers. */
  protected override destroyImpl(error: Error | undefined): void {
    this.onDestroy?.(error);
  }
}

function distinct(raw: readonly string[]): Record<string, string[]> {
  const out: Record<string, string[]> = Object.create(null);
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    (out[name] ??= []).push(raw[i + 1]!);
  }
  return out;
}
