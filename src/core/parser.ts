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
 * upgrade (101, CONNECT, `Connection: upgrade`) the parser stops and the caller takes the rest of the
 * input. After an error the parser is dead and rethrows the same error, whose `bytesParsed` is the offset
 * in the failing input of the byte that proved it (llhttp's error position).
 *
 * @module
 */

import { HeadAssembler } from "./_head_assembler.ts";
import { buildRequest, buildResponse, tryPlainRequest, tryPlainResponse } from "./_head_builder.ts";
import { ChunkedDecoder, type ChunkSink } from "./chunked.ts";
import { HttpParseError } from "./errors.ts";
import { MAX_CHUNK_EXTENSIONS_SIZE, MAX_FIELDS, MAX_HEADER_SIZE } from "./limits.ts";
import type { MessageHead, RequestHead, ResponseHead } from "./types.ts";

/** Limits and leniency for both parsers. */
export interface ParserOptions {
  /** Largest head or trailer section in bytes. Default {@linkcode MAX_HEADER_SIZE} (16 KiB, as Node). */
  maxHeaderSize?: number;
  /** Most fields in a head or trailer section. Default {@linkcode MAX_FIELDS} (2000, as Node). */
  maxFields?: number;
  /** Chunk extension bytes allowed per message. Default {@linkcode MAX_CHUNK_EXTENSIONS_SIZE}. */
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

/** What the parser is reading. */
type Phase =
  /** A head (or the empty lines before one). */
  | "head"
  /** A Content-Length body. */
  | "length"
  /** A chunked body. */
  | "chunked"
  /** A body that ends when the connection closes (responses only). */
  | "close"
  /** The connection changed protocols; the parser reads nothing more. */
  | "upgraded"
  /** The caller stopped reading HTTP (`stop()`); input is left unread. */
  | "stopped"
  /** `finish()` was called. */
  | "closed";

const NO_TRAILERS: readonly string[] = Object.freeze([]);

interface ResolvedOptions {
  maxHeaderSize: number;
  maxFields: number;
  maxChunkExtensionsSize: number;
  insecure: boolean;
  requireHost: boolean;
  requestMethod: string;
}

/** The machinery both parsers share; the role decides how a head is decoded and what it means. */
class MessageReader<H extends MessageHead> implements ChunkSink {
  readonly #isRequest: boolean;
  readonly #handler: { onHead(head: H): void; onData(chunk: Uint8Array): void; onEnd(raw: string[]): void };
  readonly #options: ResolvedOptions;
  #phase: Phase = "head";
  #error: HttpParseError | null = null;
  #inHandler = false;
  /** The head being read, its lexer and the scratch its offsets go to (reused for every head). */
  readonly #head: HeadAssembler;
  #remaining = 0;
  #chunked: ChunkedDecoder | null = null;
  /** A request that switches protocols has a body: the switch happens when that body ends. */
  #switchAfterBody = false;
  /** Methods of requests whose responses have not started yet (responses only). */
  readonly #methods: string[] = [];

  constructor(
    isRequest: boolean,
    handler: { onHead(head: H): void; onData(chunk: Uint8Array): void; onEnd(raw: string[]): void },
    options: RequestParserOptions | undefined,
  ) {
    this.#isRequest = isRequest;
    this.#handler = handler;
    this.#head = new HeadAssembler(isRequest ? "request" : "response");
    this.#options = {
      maxHeaderSize: options?.maxHeaderSize ?? MAX_HEADER_SIZE,
      maxFields: options?.maxFields ?? MAX_FIELDS,
      maxChunkExtensionsSize: options?.maxChunkExtensionsSize ?? MAX_CHUNK_EXTENSIONS_SIZE,
      insecure: options?.insecure ?? false,
      requireHost: options?.requireHost ?? false,
      requestMethod: "GET",
    };
  }

  get upgraded(): boolean {
    return this.#phase === "upgraded";
  }

  get inHead(): boolean {
    return this.#phase === "head" && this.#error === null && this.#head.lexer.busy;
  }

  get idle(): boolean {
    return this.#phase === "head" && this.#error === null && !this.inHead;
  }

  expect(method: string): void {
    this.#methods.push(method);
  }

  stop(): void {
    if (this.#phase !== "upgraded" && this.#phase !== "closed") this.#phase = "stopped";
  }

  /** ChunkSink: forwards chunk data, marking that an exception from here is the handler's. */
  onData(chunk: Uint8Array): void {
    this.#inHandler = true;
    this.#handler.onData(chunk);
    this.#inHandler = false;
  }

  execute(input: Uint8Array): number {
    if (this.#error !== null) throw this.#error;
    let p = 0;
    const end = input.length;
    try {
      while (p < end) {
        switch (this.#phase) {
          case "head":
            p = this.#readHead(input, p);
            break;
          case "length": {
            const n = Math.min(this.#remaining, end - p);
            this.#remaining -= n;
            const view = input.subarray(p, p + n);
            p += n;
            if (this.#remaining === 0) this.#phase = "head";
            this.onData(view);
            if (this.#remaining === 0) this.#end(NO_TRAILERS as string[]);
            break;
          }
          case "chunked": {
            const decoder = this.#chunked as ChunkedDecoder;
            p = decoder.decode(input, p, this);
            if (decoder.done) {
              this.#phase = "head";
              this.#end(decoder.trailers);
            }
            break;
          }
          case "close": {
            const view = input.subarray(p);
            p = end;
            this.onData(view);
            break;
          }
          case "upgraded":
          case "stopped":
            return p;
          case "closed":
            throw new HttpParseError("HPE_CLOSED_CONNECTION", "Data after the connection was closed");
        }
      }
    } catch (err) {
      if (this.#inHandler || !(err instanceof HttpParseError)) {
        this.#inHandler = false;
        throw err;
      }
      err.bytesParsed ??= p;
      this.#error = err;
      throw err;
    }
    return p;
  }

  finish(): void {
    if (this.#error !== null) throw this.#error;
    switch (this.#phase) {
      case "head":
        if (!this.#head.lexer.busy) break;
        this.#die("Connection closed inside a message head");
        break;
      case "length":
      case "chunked":
        this.#die("Connection closed inside a message body");
        break;
      case "close":
        this.#phase = "closed";
        this.#end(NO_TRAILERS as string[]);
        return;
      case "upgraded":
      case "stopped":
      case "closed":
        return;
    }
    this.#phase = "closed";
  }

  #die(message: string): never {
    const err = new HttpParseError("HPE_INVALID_EOF_STATE", message);
    err.bytesParsed = 0;
    this.#error = err;
    throw err;
  }

  #end(trailers: string[]): void {
    if (this.#switchAfterBody) {
      this.#switchAfterBody = false;
      this.#phase = "upgraded";
    }
    this.#inHandler = true;
    this.#handler.onEnd(trailers);
    this.#inHandler = false;
  }

  /** Reads (part of) a head from `input[p..]`; returns where it stopped. */
  #readHead(input: Uint8Array, p: number): number {
    const assembler = this.#head;
    const options = this.#options;
    if (!assembler.started) {
      p = assembler.lexer.skipEmptyLines(input, p, input.length, options.insecure);
      if (p === input.length) return p;
      // Fast path for a head that arrived whole and plain (the usual case): one pass finds its end and
      // validates it. Whatever it cannot decide goes to the lexer, which also gives the exact error; only
      // heads that start in this input try it, so a head arriving byte by byte still costs O(n).
      const limit = Math.min(input.length, p + options.maxHeaderSize);
      const scratch = assembler.scratch;
      const head = this.#isRequest
        ? tryPlainRequest(input, p, limit, options.maxFields, scratch, options)
        : tryPlainResponse(input, p, limit, options.maxFields, scratch, this.#responseOptions());
      if (head !== null) {
        assembler.reset();
        this.#dispatch(head as unknown as H);
        return p + scratch.headEnd;
      }
    }
    const end = assembler.feed(input, p, options);
    if (end === -1) return input.length;
    const bytes = assembler.bytes;
    const base = assembler.base;
    assembler.reset();
    let head: H;
    try {
      head = (this.#isRequest
        ? buildRequest(bytes, base, assembler.scratch, options)
        : buildResponse(bytes, base, assembler.scratch, this.#responseOptions())) as unknown as H;
    } catch (err) {
      // The build step's errors (framing, Host) are proven by the final LF.
      if (err instanceof HttpParseError) err.bytesParsed = end - 1;
      throw err;
    }
    this.#dispatch(head);
    return end;
  }

  #responseOptions(): ResolvedOptions {
    const options = this.#options;
    options.requestMethod = this.#methods[0] ?? "GET";
    return options;
  }

  /** Acts on a complete head: interim, upgrade, or the start of a body. */
  #dispatch(head: H): void {
    if (!this.#isRequest) {
      const status = (head as unknown as ResponseHead).statusCode;
      if (status < 200 && status !== 101) {
        // Interim response: the final one for the same request follows.
        this.#emit(head);
        return;
      }
      this.#methods.shift();
    }
    // RFC 9110 section 7.8: the protocol changes after the message that asked for it, so a request body
    // (h2c's POST, RFC 7540 section 3.2: "sent in their entirety before the client can send HTTP/2
    // frames") is read as HTTP first. CONNECT's content has no defined semantics: it switches at once.
    if (
      head.upgrade && this.#isRequest && head.framing.kind !== "none" &&
      (head as unknown as RequestHead).method !== "CONNECT"
    ) {
      this.#switchAfterBody = !(head.framing.kind === "length" && head.framing.length === 0);
    }
    if (head.upgrade && !this.#switchAfterBody) {
      this.#phase = "upgraded";
      this.#emit(head);
      this.#end(NO_TRAILERS as string[]);
      return;
    }
    const framing = head.framing;
    switch (framing.kind) {
      case "none":
        this.#emit(head);
        this.#end(NO_TRAILERS as string[]);
        return;
      case "length":
        if (framing.length === 0) {
          this.#emit(head);
          this.#end(NO_TRAILERS as string[]);
          return;
        }
        this.#remaining = framing.length;
        this.#phase = "length";
        break;
      case "chunked": {
        if (this.#chunked === null) this.#chunked = new ChunkedDecoder(this.#options);
        else this.#chunked.reset();
        this.#phase = "chunked";
        break;
      }
      case "close":
        this.#phase = "close";
        break;
    }
    this.#emit(head);
  }

  #emit(head: H): void {
    this.#inHandler = true;
    this.#handler.onHead(head);
    this.#inHandler = false;
  }
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
   * head, short body, unfinished chunked body); no-op between messages. Further input is then
   * `HPE_CLOSED_CONNECTION`.
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
