/**
 * The machinery {@linkcode RequestParser} and {@linkcode ResponseParser} share (see `parser.ts` for the
 * theory of operation): the connection's state, whose reading side says what comes next (`connection.ts`:
 * the reader applies `headRead`, `messageRead` and `peerEnded` to it, in place), the head assembler, the body
 * counters and the chunked decoder. The role decides how a head is decoded and what it means. Internal to
 * core.
 *
 * @module
 */

import { HeadAssembler } from "./_head_assembler.ts";
import { buildRequest, buildResponse, tryPlainRequest, tryPlainResponse } from "./_head_builder.ts";
import { ChunkedDecoder, type ChunkSink } from "./chunked.ts";
import { HttpParseError } from "./errors.ts";
import { MAX_CHUNK_EXTENSIONS_SIZE, MAX_FIELDS, MAX_HEADER_SIZE } from "./limits.ts";
import { ConnectionMachine } from "./connection.ts";
import type { MessageHead, RequestHead, ResponseHead } from "./types.ts";

/** The parser options a reader resolves (the public `RequestParserOptions` has this shape). */
export interface ReaderOptions {
  maxHeaderSize?: number;
  maxFields?: number;
  maxChunkExtensionsSize?: number;
  insecure?: boolean;
  requireHost?: boolean;
  acceptUpgrade?: (head: RequestHead) => boolean;
}

/**
 * How the body being read is delimited: the decoder inside the connection's `body` (or `continue`)
 * reading state, as hyper's `Reading::Body(Decoder)`.
 */
type BodyDecoder =
  /** A Content-Length body. */
  | "length"
  /** A chunked body. */
  | "chunked"
  /** A body that ends when the connection closes (responses only). */
  | "close";

const NO_TRAILERS: readonly string[] = Object.freeze([]);

interface ResolvedOptions {
  maxHeaderSize: number;
  maxFields: number;
  maxChunkExtensionsSize: number;
  insecure: boolean;
  requireHost: boolean;
  requestMethod: string;
  /** Requests only: asked about each upgrade offer; undefined accepts every one. */
  acceptUpgrade: ((head: RequestHead) => boolean) | undefined;
}

/** The machinery both parsers share; the role decides how a head is decoded and what it means. */
export class MessageReader<H extends MessageHead> implements ChunkSink {
  readonly #isRequest: boolean;
  readonly #handler: { onHead(head: H): void; onData(chunk: Uint8Array): void; onEnd(raw: string[]): void };
  readonly #options: ResolvedOptions;
  /** The connection's protocol state; its `reading` is what this reader does next. */
  readonly #state: ConnectionMachine;
  #body: BodyDecoder = "length";
  /** Set once the reader is dead: the parse error it met, or `HPE_CLOSED_CONNECTION` after `finish()`. */
  #error: HttpParseError | null = null;
  #inHandler = false;
  /** The head being read, its lexer and the scratch its offsets go to (reused for every head). */
  readonly #head: HeadAssembler;
  #remaining = 0;
  #chunked: ChunkedDecoder | null = null;
  /** Methods of requests whose responses have not started yet (responses only). */
  readonly #methods: string[] = [];

  constructor(
    isRequest: boolean,
    handler: { onHead(head: H): void; onData(chunk: Uint8Array): void; onEnd(raw: string[]): void },
    options: ReaderOptions | undefined,
  ) {
    this.#isRequest = isRequest;
    this.#handler = handler;
    this.#head = new HeadAssembler(isRequest ? "request" : "response");
    this.#state = new ConnectionMachine(isRequest ? "server" : "client");
    this.#options = {
      maxHeaderSize: options?.maxHeaderSize ?? MAX_HEADER_SIZE,
      maxFields: options?.maxFields ?? MAX_FIELDS,
      maxChunkExtensionsSize: options?.maxChunkExtensionsSize ?? MAX_CHUNK_EXTENSIONS_SIZE,
      insecure: options?.insecure ?? false,
      requireHost: options?.requireHost ?? false,
      requestMethod: "GET",
      acceptUpgrade: options?.acceptUpgrade,
    };
  }

  get state(): ConnectionMachine {
    return this.#state;
  }

  get upgraded(): boolean {
    return this.#state.reading === "switched";
  }

  get inHead(): boolean {
    return this.#state.reading === "head" && this.#error === null && this.#head.lexer.busy;
  }

  get idle(): boolean {
    return this.#state.reading === "head" && this.#error === null && !this.#head.lexer.busy;
  }

  expect(method: string): void {
    this.#methods.push(method);
  }

  stop(): void {
    this.#state.readingStopped();
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
        const reading = this.#state.reading;
        if (reading === "head") p = this.#readHead(input, p);
        else if (reading === "body" || reading === "continue") p = this.#readBody(input, p, end);
        // Closed or switched: what follows is not ours to read.
        else return p;
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
    const error = this.#error;
    if (error !== null) {
      if (error.code === "HPE_CLOSED_CONNECTION") return;
      this.#state.peerEnded(false);
      throw error;
    }
    let reading = this.#state.reading;
    const midHead = reading === "head" && this.#head.lexer.busy;
    // A body delimited by the close ends with it.
    if ((reading === "body" || reading === "continue") && this.#body === "close") {
      this.#end(NO_TRAILERS as string[]);
      reading = this.#state.reading;
    }
    this.#state.peerEnded(midHead);
    if (midHead) this.#die("Connection closed inside a message head");
    if (reading === "body" || reading === "continue") this.#die("Connection closed inside a message body");
    if (reading === "head") {
      const closed = new HttpParseError("HPE_CLOSED_CONNECTION", "Data after the connection was closed");
      closed.bytesParsed = 0;
      this.#error = closed;
    }
  }

  /** Reads (part of) the body from `input[p..end]`; returns where it stopped. */
  #readBody(input: Uint8Array, p: number, end: number): number {
    switch (this.#body) {
      case "length": {
        const n = Math.min(this.#remaining, end - p);
        this.#remaining -= n;
        this.onData(input.subarray(p, p + n));
        if (this.#remaining === 0) this.#end(NO_TRAILERS as string[]);
        return p + n;
      }
      case "chunked": {
        const decoder = this.#chunked as ChunkedDecoder;
        p = decoder.decode(input, p, this);
        if (decoder.done) this.#end(decoder.trailers);
        return p;
      }
      case "close":
        this.onData(input.subarray(p));
        return end;
    }
  }

  #die(message: string): never {
    const err = new HttpParseError("HPE_INVALID_EOF_STATE", message);
    err.bytesParsed = 0;
    this.#error = err;
    throw err;
  }

  #end(trailers: string[]): void {
    // The caller may have stopped reading inside this message (its socket closed under a handler).
    const reading = this.#state.reading;
    if (reading !== "body" && reading !== "continue") return;
    this.#state.messageRead();
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
    } else if (head.upgrade && this.#declines(head as unknown as RequestHead)) {
      // RFC 9110 section 7.8: a server "MAY ignore a received Upgrade header field". Declined before
      // headRead, so the connection never switches: the message is read as any other, and what follows
      // it as the next request.
      head.upgrade = false;
    }
    this.#state.headRead(head);
    const framing = head.framing;
    // RFC 9110 section 7.8: the protocol changes after the message that asked for it, so a request body
    // (h2c's POST, RFC 7540 section 3.2: "sent in their entirety before the client can send HTTP/2
    // frames") is read as HTTP first. CONNECT's content has no defined semantics, and a switching
    // response has none: they switch at once.
    if (
      head.upgrade && (!this.#isRequest || (head as unknown as RequestHead).method === "CONNECT")
    ) {
      this.#emit(head);
      this.#end(NO_TRAILERS as string[]);
      return;
    }
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
        this.#body = "length";
        break;
      case "chunked": {
        if (this.#chunked === null) this.#chunked = new ChunkedDecoder(this.#options);
        else this.#chunked.reset();
        this.#body = "chunked";
        break;
      }
      case "close":
        this.#body = "close";
        break;
    }
    this.#emit(head);
  }

  /** Whether the caller declines the upgrade `head` offers (CONNECT is no offer: it always switches). */
  #declines(head: RequestHead): boolean {
    const accept = this.#options.acceptUpgrade;
    if (accept === undefined || head.method === "CONNECT") return false;
    // The caller's code: an exception from it is the handler's, not a parse error.
    this.#inHandler = true;
    const accepted = accept(head);
    this.#inHandler = false;
    return !accepted;
  }

  #emit(head: H): void {
    this.#inHandler = true;
    this.#handler.onHead(head);
    this.#inHandler = false;
  }
}
