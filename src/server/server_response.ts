/**
 * `ServerResponse`: the response a request listener writes. Node's API (statusCode, writeHead,
 * setHeader, write/end, addTrailers, writeContinue, ...) over {@linkcode OutgoingMessage}; the
 * connection-level decisions (keep-alive, pipelining order) belong to the server connection.
 *
 * @module
 */

import { kAttachSink, kSinkDrained, type OutgoingEvents, OutgoingMessage } from "../io/outgoing_message.ts";
import { responseHasBody } from "../core/framing.ts";
import { HttpUsageError } from "../core/errors.ts";
import { earlyHintsFields } from "../core/head_writer.ts";
import { validateStatusCode, validateStatusMessage } from "../core/head_validation.ts";
import { encode, newOutgoingHead, type OutgoingHead } from "../core/encode.ts";
import { encodeLatin1 } from "../core/latin1.ts";
import type { OutgoingHeaders } from "../core/types.ts";
import { type IncomingMessage, readStarted } from "../io/incoming_message.ts";
import type { Socket } from "../io/socket.ts";
import { streamSink } from "../io/_outgoing_sink.ts";
import { httpDate } from "./_date.ts";
import { headersSentError } from "../io/_outgoing_errors.ts";

/** What a response needs from the connection it is written on. */
export interface ResponseOwner {
  /**
   * The connection's part of `res`'s head, written into `head` for core's `encode()`: the connection
   * state and how many exchanges follow this one (`state`, `later`), and `keepAlive` turned off when the
   * server will not reuse the connection whatever the request asked (closing, `maxRequestsPerSocket`).
   */
  exchangeFacts(res: ServerResponse, head: OutgoingHead): void;
  /** The server's `maxRequestsPerSocket`, sent as `Keep-Alive: max=N` (0: omitted). */
  readonly keepAliveMax: number;
  /** Seconds for the `Keep-Alive: timeout=N` field, or 0 to omit it. */
  readonly keepAliveTimeoutSeconds: number;
  /** Sends an interim (1xx) head with `status` right away, ahead of anything queued for this response. */
  sendInterim(res: ServerResponse, bytes: Uint8Array, status: number): void;
  /** The response handed its last byte to the connection; `keepAlive` says if the connection persists. */
  responseFinished(res: ServerResponse, keepAlive: boolean): void;
  /** The response was destroyed: close the connection. */
  responseDestroyed(res: ServerResponse, error: Error | undefined): void;
}

/** Internal: emits the response's `'close'`, once whoever notices the end first (finish or connection loss). */
export const kEmitClose: unique symbol = Symbol("wire.emitClose");

/** Internal: binds a response to the server connection that carries it. */
export const kBindOwner: unique symbol = Symbol("wire.bindOwner");

/** Options of `new ServerResponse(req, options)`, as Node's. */
export interface ServerResponseOptions {
  /** Accepted for Node compatibility; the connection's high-water mark applies. */
  highWaterMark?: number;
  /** Throw `ERR_HTTP_BODY_NOT_ALLOWED` when writing a body to a HEAD/204/304 response (default false). */
  rejectNonStandardBodyWrites?: boolean;
}

/** Events of a {@linkcode ServerResponse}. */
export type ServerResponseEvents = OutgoingEvents;

/**
 * A response being written to a client.
 *
 * @example
 * ```ts ignore
 * import { createServer } from "@wire/http";
 * createServer((req, res) => {
 *   res.writeHead(200, { "Content-Type": "text/plain" });
 *   res.end("hello\n");
 * });
 * ```
 */
export class ServerResponse extends OutgoingMessage {
  /** Status code sent with the implicit head (default 200). */
  statusCode = 200;
  /** Reason phrase; defaults to the standard one for `statusCode`. */
  statusMessage: string | undefined = undefined;
  /** Whether a `Date` field is added when missing (default true). */
  override sendDate = true;
  /** The request this responds to. */
  readonly req: IncomingMessage;
  /** The connection (null for a standalone response until `assignSocket()`). */
  socket: Socket | null;

  #owner: ResponseOwner | null = null;
  #continueSent = false;
  #closeEmitted = false;

  /** Whether the request carried an `Expect` field (its body may never come unless we send 100). */
  expectedContinue = false;

  /**
   * The response to `req`. Servers make one per request; as Node's, it also works standalone
   * (`assignSocket()` gives it a socket to write to).
   */
  constructor(req: IncomingMessage, options?: ServerResponseOptions) {
    super();
    this.req = req;
    this.socket = null;
    if (req.method === "HEAD") this.shouldKeepAlive = true;
    this.#rejectBodyWrites = options?.rejectNonStandardBodyWrites === true;
  }

  #rejectBodyWrites: boolean;

  /**
   * Sends a body chunk (see {@linkcode OutgoingMessage.write}). With the server's
   * `rejectNonStandardBodyWrites`, body bytes for a HEAD request or a 1xx/204/304 status throw
   * `ERR_HTTP_BODY_NOT_ALLOWED` instead of being dropped.
   */
  override write(
    chunk: Uint8Array | string,
    encoding?: string | ((err?: Error | null) => void),
    callback?: (err?: Error | null) => void,
  ): boolean {
    if (
      this.#rejectBodyWrites && chunk !== null && chunk !== undefined && chunk.length > 0 &&
      !responseHasBody(this.#status(), this.req.method ?? "GET")
    ) {
      throw new HttpUsageError(
        "ERR_HTTP_BODY_NOT_ALLOWED",
        "Adding content for this request method or response status is not allowed.",
      );
    }
    return super.write(chunk, encoding, callback);
  }

  /** Same as `socket` (Node's older name). */
  get connection(): Socket | null {
    return this.socket;
  }

  set connection(value: Socket | null) {
    this.socket = value;
  }

  /** @ignore Internal (server connections): the connection that carries this response. */
  [kBindOwner](owner: ResponseOwner, keepAlive: boolean, expectedContinue: boolean): void {
    this.#owner = owner;
    this.socket = this.req.socket;
    this.shouldKeepAlive = keepAlive;
    this.expectedContinue = expectedContinue;
  }

  /**
   * Node's: writes this response to `socket` (a standalone response, or a test's stream), and marks it
   * as the socket's message (`socket._httpMessage`). Any `stream.Writable` will do, written as Node writes
   * it: the head with the first bytes, then an empty write whose callback is `'finish'`. Throws `ERR_HTTP_SOCKET_ASSIGNED` when the response already has one.
   *
   * @example
   * ```ts
   * import { Writable } from "node:stream";
   * import { IncomingMessage, ServerResponse } from "@wire/http";
   * const res = new ServerResponse(new IncomingMessage());
   * const chunks: string[] = [];
   * res.assignSocket(new Writable({ write: (c, _e, cb) => (chunks.push(String(c)), cb()) }) as never);
   * res.end("hi", () => console.log(chunks.length)); // 2: head and body, then the empty last write
   * ```
   */
  assignSocket(socket: Socket): void {
    if (this.#assigned) {
      throw new HttpUsageError("ERR_HTTP_SOCKET_ASSIGNED", "ServerResponse has an already assigned socket");
    }
    this.#assigned = true;
    this.socket = socket;
    (socket as { _httpMessage?: unknown })._httpMessage = this;
    const sink = streamSink(socket, () => this[kSinkDrained]());
    socket.once("close", () => this[kEmitClose]());
    this.emit("socket", socket);
    this[kAttachSink](sink);
  }

  #assigned = false;

  /** Node's: lets go of `socket` (the response no longer follows its `'close'`, nor is its message). */
  detachSocket(socket: Socket): void {
    const marked = socket as { _httpMessage?: unknown } | null;
    if (marked?._httpMessage === this) marked._httpMessage = null;
    this.socket = null;
  }

  /** Node's hook for the implicit head: goes through `writeHead`, so wrappers of it see every head. */
  override _implicitHeader(): void {
    this.#implicit = true;
    this.writeHead(this.statusCode);
  }

  /** The head was fixed by the first write, not by a call to `writeHead()`. */
  #implicit = false;

  /** Whether `writeContinue()` was called. */
  get continueSent(): boolean {
    return this.#continueSent;
  }

  /**
   * Fixes the status and fields. `headers` may be an object or a raw `[name, value, ...]` array; they
   * are merged over fields set with `setHeader()`. As in Node, the framing is fixed here: without a
   * `Content-Length` the body is chunked. Nothing is sent until the body starts, so
   * `writeHead(200, { "Content-Length": n }).end(data)` goes out as one write.
   */
  writeHead(
    statusCode: number,
    reason?: string | OutgoingHeaders | readonly string[],
    headers?: OutgoingHeaders | readonly string[] | readonly (readonly [string, string])[],
  ): this {
    if (this.headersSent) throw headersSentError("write");
    if (typeof reason !== "string") {
      // `writeHead(status, headers)`, or Node's `writeHead(status, undefined, headers)`.
      if (reason !== undefined && reason !== null) headers = reason;
      reason = undefined;
    }
    validateStatusCode(statusCode);
    // As Node: the reason given, or the one set on `statusMessage` before, is checked here.
    if (reason !== undefined) validateStatusMessage(reason);
    else if (this.statusMessage !== undefined) validateStatusMessage(this.statusMessage);
    // Fields first: a refused one (a Content-Length of `5, 5`) throws before anything changed, so the
    // response is as it was and can still be answered (a failure answer, the implicit head).
    if (headers) this.mergeHeaders(headers);
    const before = [this.statusCode, this.statusMessage] as const;
    this.statusCode = statusCode;
    if (reason !== undefined) this.statusMessage = reason;
    // As Node, whose writeHead() renders the status line: a later `res.statusCode = n` changes the
    // property, not what goes on the wire.
    this.#wireStatus = statusCode;
    this.#wireReason = this.statusMessage;
    // As Node, where writeHead() renders the head: announced trailers need a chunked body, so a `Trailer`
    // beside a Content-Length (or on a response that cannot be chunked) throws here, with the head still
    // open. Core decides, as it will when the head is written.
    if (this.hasUserField("trailer")) {
      try {
        this.checkHead();
      } catch (error) {
        [this.statusCode, this.statusMessage] = before;
        this.#wireStatus = undefined;
        this.#wireReason = undefined;
        throw error;
      }
    }
    this.lockHead();
    return this;
  }

  /** Sends `HTTP/1.1 100 Continue` (ignored for HTTP/1.0 clients, which do not know it). */
  writeContinue(callback?: () => void): void {
    this.#writeInterim(100, "Continue", []);
    this.#continueSent = true;
    if (callback) queueMicrotask(callback);
  }

  /** Sends `102 Processing`. */
  writeProcessing(callback?: () => void): void {
    this.#writeInterim(102, "Processing", []);
    if (callback) queueMicrotask(callback);
  }

  /** Sends `103 Early Hints` with `link` (one value or several) and any other given fields. */
  writeEarlyHints(hints: Record<string, string | readonly string[]>, callback?: () => void): void {
    const fields = earlyHintsFields(hints);
    // As Node: hints without a Link (an empty list) send no 103 at all.
    if (!fields.some((_, i) => i % 2 === 0 && fields[i]!.toLowerCase() === "link")) {
      if (callback) queueMicrotask(callback);
      return;
    }
    this.#writeInterim(103, "Early Hints", fields);
    if (callback) queueMicrotask(callback);
  }

  /** @ignore Internal hook, for the package's own layers: the response's facts for core's `encode()`. */
  protected override headFacts(head: OutgoingHead): boolean {
    head.role = "server";
    head.statusCode = this.#status();
    head.reason = this.#wireStatus === undefined ? this.statusMessage : this.#wireReason;
    head.requestMethod = this.req.method ?? "GET";
    head.peerVersionMinor = this.req.httpVersionMinor;
    // As Node, an explicit `writeHead()` fixes the framing before the body: without a Content-Length the
    // body is chunked (`writeHead(200); end("hi")` is chunked in Node too).
    head.framedAtHead = !this.#implicit;
    head.date = this.sendDate ? httpDate() : "";
    head.keepAlive = this.shouldKeepAlive;
    const owner = this.#owner;
    if (owner === null) {
      // A standalone response: no server connection to keep open.
      head.state = null;
      head.later = 0;
      head.keepAliveTimeout = 0;
      head.keepAliveMax = 0;
    } else {
      owner.exchangeFacts(this, head);
      head.keepAliveTimeout = owner.keepAliveTimeoutSeconds;
      head.keepAliveMax = owner.keepAliveMax;
    }
    return true;
  }

  /** The status that goes on the wire: the one `writeHead()` fixed, else the current `statusCode`. */
  #status(): number {
    return this.#wireStatus ?? this.statusCode;
  }

  #wireStatus: number | undefined;
  #wireReason: string | undefined;

  /** @ignore Internal hook, for the package's own layers: a response's writes of one tick go as one. */
  protected override get holdsWritesForTick(): boolean {
    return true;
  }

  /** @ignore Internal hook, for the package's own layers. */
  protected override finishImpl(keepAlive: boolean): void {
    this.#owner?.responseFinished(this, keepAlive);
  }

  /** @ignore Internal hook, for the package's own layers. */
  protected override afterFinish(): void {
    // As Node's resOnFinish: a body nobody read is discarded, so the request still ends and closes
    // (res 'finish' > res 'close' > req 'end' > req 'close'), and the next request can be read.
    const req = this.req;
    // A standalone response may stand for any request-like object (Node's tests pass plain ones).
    if (!readStarted(req) && !req.destroyed && typeof req._dump === "function") req._dump();
    // A response is done once it is finished: Node emits 'close' right after 'finish'.
    this[kEmitClose]();
  }

  /** @ignore Internal: 'close' exactly once, whether the response finished or its connection died first. */
  [kEmitClose](): void {
    if (this.#closeEmitted) return;
    this.#closeEmitted = true;
    // As Node's emitCloseNT: a response that closed is destroyed (a later write() reports to its
    // callback, not to 'error').
    this.destroyed = true;
    this._closed = true;
    this.emit("close");
  }

  /** @ignore Internal hook, for the package's own layers. */
  protected override destroyImpl(error: Error | undefined): void {
    if (this.#owner) this.#owner.responseDestroyed(this, error);
    else this.socket?.destroy(error);
  }

  #writeInterim(status: number, reason: string, fields: readonly string[]): void {
    if (this.headersSent && this.flushed) {
      throw new HttpUsageError(
        "ERR_HTTP_HEADERS_SENT",
        "Cannot write an informational response after the head",
      );
    }
    if (this.req.httpVersionMinor < 1) return;
    const head = newOutgoingHead("server");
    head.interim = true;
    head.statusCode = status;
    head.reason = reason;
    head.fields = fields;
    this.#owner?.sendInterim(this, encodeLatin1(encode(head).head), status);
  }
}
