/**
 * The machinery {@linkcode RequestParser} and {@linkcode ResponseParser} share (see `parser.ts` for the
 * theory of operation): the phase a connection is in, the head assembler, the body counters and the
 * chunked decoder. The role decides how a head is decoded and what it means. Internal to core.
 *
 * @module
 */

import { HeadAssembler } from "./_head_assembler.ts";
import { buildRequest, buildResponse, tryPlainRequest, tryPlainResponse } from "./_head_builder.ts";
import { ChunkedDecoder, type ChunkSink } from "./chunked.ts";
import { HttpParseError } from "./errors.ts";
import { MAX_CHUNK_EXTENSIONS_SIZE, MAX_FIELDS, MAX_HEADER_SIZE } from "./limits.ts";
import type { MessageHead, RequestHead, ResponseHead } from "./types.ts";

/** The parser options a reader resolves (the public `RequestParserOptions` has this shape). */
export interface ReaderOptions {
  maxHeaderSize?: number;
  maxFields?: number;
  maxChunkExtensionsSize?: number;
  insecure?: boolean;
  requireHost?: boolean;
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
export class MessageReader<H extends MessageHead> implements ChunkSink {
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
    options: ReaderOptions | undefined,
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
