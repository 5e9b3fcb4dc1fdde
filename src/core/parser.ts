/**
 * The message parsers the I/O layer uses: {@linkcode RequestParser} for servers and
 * {@linkcode ResponseParser} for clients. Sans-I/O: bytes in through `execute`, events out through a
 * handler, errors thrown as `HttpParseError`.
 *
 * Theory of operation: a connection alternates between reading a head and reading a body. A head that
 * arrives whole and plain is found and validated in a single pass straight from the input; any other head
 * goes through the byte-by-byte lexer, which fails at the first byte that proves an error (not at the end
 * of the head), and only a head split across inputs is copied, into a reusable buffer, because the caller
 * may reuse its input buffer once `execute` returns. Bodies are handed out as `subarray` views. After an
 * upgrade (101, CONNECT, `Connection: upgrade` unless `acceptUpgrade` declines it) the parser stops and
 * the caller takes the rest of the input. After an error the parser is dead and rethrows the same error,
 * whose `bytesParsed` is the offset in the failing input of the byte that proved it (llhttp's error
 * position).
 *
 * Each parser carries its connection's protocol state (`connection.ts`) and advances its reading side
 * (`headRead`, `messageRead`, `peerEnded`): what it reads next is that state's `reading`, so there is no
 * second machine to keep in step. A connection that also writes applies its writing side to the same
 * object (`state.headWritten()`, ...); a parser used alone reads message after message, as a codec.
 *
 * @module
 */

import { MessageReader } from "./_message_reader.ts";
import type { ConnectionMachine } from "./connection.ts";
import type { RequestHead, ResponseHead } from "./types.ts";

/** Limits and leniency for both parsers. */
export interface ParserOptions {
  /** Largest head or trailer section in bytes. Default {@linkcode MAX_HEADER_SIZE} (16 KiB, as Node). */
  maxHeaderSize?: number;
  /** Most fields in a head or trailer section. Default {@linkcode MAX_FIELDS} (2000, as Node). */
  maxFields?: number;
  /** Chunk extension bytes allowed on one chunk-size line. Default {@linkcode MAX_CHUNK_EXTENSIONS_SIZE}. */
  maxChunkExtensionsSize?: number;
  /**
   * Node's `insecureHTTPParser`. Relaxes only: bare LF line endings (heads, chunk lines, trailers),
   * obs-fold (folded into one SP), and control characters other than NUL, CR and LF in field values.
   * Never relaxes anything about Content-Length or Transfer-Encoding. Default false.
   */
  insecure?: boolean;
}

/** Options for {@linkcode RequestParser}. */
export interface RequestParserOptions extends ParserOptions {
  /**
   * Check `Host` (RFC 9112 section 3.2): an HTTP/1.1 request needs exactly one, an HTTP/1.0 request at
   * most one, and its value must be `host[:port]` (empty only when the target has no authority); else
   * `HPE_INVALID_HOST` (400). Default false.
   */
  requireHost?: boolean;
  /**
   * Asked, once the head is complete, whether to switch protocols for a request that offers an upgrade
   * (`Connection: upgrade` with `Upgrade`); CONNECT is not asked, it always switches. Returning false
   * declines the offer (RFC 9110 section 7.8: a server "MAY ignore a received Upgrade header field"): the
   * head comes with `upgrade` false and the request is read as any other, its body included, and the
   * bytes after it as the next request. A server whose `'upgrade'` has no listener declines, as Node's.
   * An exception thrown here propagates from `execute` as a handler's does. Default: every offer is
   * accepted.
   *
   * @example
   * ```ts
   * import { RequestParser } from "@wire/http/core";
   * const parser = new RequestParser({
   *   onHead: (head) => console.log(head.url, head.upgrade), // "/a" false, then "/b" false
   *   onData: () => {},
   *   onEnd: () => {},
   * }, { acceptUpgrade: (head) => head.headers.upgrade === "websocket" });
   * parser.execute(new TextEncoder().encode(
   *   "GET /a HTTP/1.1\r\nConnection: upgrade\r\nUpgrade: h2c\r\n\r\nGET /b HTTP/1.1\r\n\r\n",
   * ));
   * console.log(parser.upgraded); // false
   * ```
   */
  acceptUpgrade?: (head: RequestHead) => boolean;
}

/** Events of a {@linkcode RequestParser}. */
export interface RequestHandler {
  /** A complete request head. */
  onHead(head: RequestHead): void;
  /** Body bytes: a view of the input (no copy), valid only during the call. */
  onData(chunk: Uint8Array): void;
  /** The message is complete (once per message, after the last `onData`); `[]` when no trailers. */
  onEnd(rawTrailers: string[]): void;
}

/** Events of a {@linkcode ResponseParser}. */
export interface ResponseHandler {
  /** A response head: every interim 1xx head (no `onEnd` follows those), then the final one. */
  onHead(head: ResponseHead): void;
  /** Body bytes: a view of the input (no copy), valid only during the call. */
  onData(chunk: Uint8Array): void;
  /** The message is complete (once per final response, after the last `onData`). */
  onEnd(rawTrailers: string[]): void;
}

/**
 * Strict, incremental HTTP/1.1 request parser (server side). Feed it bytes with `execute`; it calls
 * `onHead`, `onData` and `onEnd` on the handler, message after message (pipelining). Handler exceptions
 * propagate unchanged.
 *
 * @example
 * ```ts
 * import { RequestParser } from "@wire/http/core";
 * const parser = new RequestParser({
 *   onHead: (head) => console.log(head.method, head.url), // "POST" "/upload"
 *   onData: (chunk) => console.log(chunk.length), // 5
 *   onEnd: (trailers) => console.log(trailers), // []
 * });
 * parser.execute(new TextEncoder().encode("POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"));
 * ```
 */
export class RequestParser {
  readonly #reader: MessageReader<RequestHead>;

  /** Creates a parser that reports to `handler`. */
  constructor(handler: RequestHandler, options?: RequestParserOptions) {
    this.#reader = new MessageReader<RequestHead>(true, handler, options);
  }

  /**
   * The connection's protocol state (see `connection.ts`), as this parser advances it. A caller that
   * writes on the same connection applies its events to this same object (`state.headWritten()`, ...);
   * the parser reads only while `state.reading` is `head`, `continue` or `body`.
   */
  get state(): ConnectionMachine {
    return this.#reader.state;
  }

  /**
   * Parses as much of `input` as possible; returns the number of bytes consumed. It consumes everything
   * unless the message switched protocols (head.upgrade true): then it stops right after that message
   * (its head, or its body for a request with one other than CONNECT),
   * `upgraded` becomes true, and `input.subarray(consumed)` is the first bytes of the new protocol (Node's
   * `head`). Throws `HttpParseError` (with `bytesParsed` set) on malformed input; after that the parser is
   * dead: every further call throws the same error. Keeps no reference to `input` after returning.
   */
  execute(input: Uint8Array): number {
    return this.#reader.execute(input);
  }

  /**
   * The peer closed the connection. Throws `HPE_INVALID_EOF_STATE` when a message is incomplete (partial
   * head, short body, unfinished chunked body); no-op between messages. Either way `state` records the
   * peer's end (`peerEnded`). Further input is then `HPE_CLOSED_CONNECTION`.
   */
  finish(): void {
    this.#reader.finish();
  }

  /** True once a message switched protocols; the parser then reads nothing more. */
  get upgraded(): boolean {
    return this.#reader.upgraded;
  }

  /**
   * The caller reads no more HTTP on this connection (RFC 9112 section 9.6: after a request with
   * `Connection: close` a server "MUST NOT process any further requests"). Called from a handler, it
   * makes `execute` return right after the current message; later input is not looked at.
   */
  stop(): void {
    this.#reader.stop();
  }

  /** True while a head has started arriving but is not complete (the server's headersTimeout runs then). */
  get inHead(): boolean {
    return this.#reader.inHead;
  }

  /** True between messages with nothing buffered (the server's keepAliveTimeout runs then). */
  get idle(): boolean {
    return this.#reader.idle;
  }
}

/**
 * Strict, incremental HTTP/1.1 response parser (client side). Tell it each request's method with
 * `expectResponseTo` (HEAD and CONNECT change how a response is framed), then feed it bytes.
 *
 * @example
 * ```ts
 * import { ResponseParser } from "@wire/http/core";
 * const parser = new ResponseParser({
 *   onHead: (head) => console.log(head.statusCode), // 200
 *   onData: () => {},
 *   onEnd: () => console.log("end"),
 * });
 * parser.expectResponseTo("HEAD");
 * parser.execute(new TextEncoder().encode("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"));
 * ```
 */
export class ResponseParser {
  readonly #reader: MessageReader<ResponseHead>;

  /** Creates a parser that reports to `handler`. */
  constructor(handler: ResponseHandler, options?: ParserOptions) {
    this.#reader = new MessageReader<ResponseHead>(false, handler, options);
  }

  /**
   * The connection's protocol state (see `connection.ts`), as this parser advances it. A caller that
   * writes on the same connection applies its events to this same object (`state.headWritten()`, ...);
   * the parser reads only while `state.reading` is `head`, `continue` or `body`.
   */
  get state(): ConnectionMachine {
    return this.#reader.state;
  }

  /**
   * Tells the parser which request method the next response answers. Call once per request, in order,
   * before its response's bytes (requests may be pipelined; methods queue up). Without it, GET is assumed.
   */
  expectResponseTo(method: string): void {
    this.#reader.expect(method);
  }

  /** Parses as much of `input` as possible; see {@linkcode RequestParser.execute}. */
  execute(input: Uint8Array): number {
    return this.#reader.execute(input);
  }

  /**
   * The peer closed the connection: ends a close-delimited body; throws `HPE_INVALID_EOF_STATE` when a
   * message is incomplete; no-op between messages.
   */
  finish(): void {
    this.#reader.finish();
  }

  /** True after a 101 response or a 2xx response to CONNECT. */
  get upgraded(): boolean {
    return this.#reader.upgraded;
  }

  /** True while a head has started arriving but is not complete. */
  get inHead(): boolean {
    return this.#reader.inHead;
  }

  /** True between messages with nothing buffered. */
  get idle(): boolean {
    return this.#reader.idle;
  }
}
