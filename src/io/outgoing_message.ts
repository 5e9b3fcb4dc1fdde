/**
 * `OutgoingMessage`: what `ServerResponse` and `ClientRequest` share — the header store, the queue of
 * bytes waiting for a connection (with backpressure) and the `WritableStream` view. The rules live in core:
 * one call to core's `encode()` writes the head, decides the body framing and the keep-alive answer, and
 * returns the body encoder that frames and checks what is written after it. Subclasses tell the facts of
 * their role (status or request line, the peer, the connection) once per head, through `headFacts`.
 *
 * Theory of operation: nothing goes on the wire until the body starts (first `write()`/`end()`) or
 * `flushHeaders()`, so `end(data)` can send head and body in one write with an exact `Content-Length`.
 * Bytes go to a {@linkcode OutgoingSink} given by the connection; until there is one (a client request
 * waiting for a socket, a pipelined response waiting its turn) they queue here.
 *
 * The header store's rules (and Node's deprecated views of it) are `_outgoing_fields.ts`, the errors the
 * message raises `_outgoing_errors.ts`, the sink contract and one-write head assembly `_outgoing_sink.ts`.
 * What stays in this class is its state: head, framing, queue and finish are read and written together on
 * every `write()`/`end()`, and moving them into helper objects would add an allocation or a hop per
 * message on the path the server benchmark measures.
 *
 * @module
 */

import { Stream } from "node:stream";
import { HttpUsageError } from "../core/errors.ts";
import { fieldsFromHeaders, fieldsFromTrailers } from "../core/head_writer.ts";
import type { OutgoingValue } from "../core/head_validation.ts";
import { bodyComplete, encodeBody, encodeChunk, encodeEnd } from "../core/body_encoder.ts";
import { encode, type Encoded, newOutgoingHead, type OutgoingHead } from "../core/encode.ts";
import { encodeLatin1 } from "../core/latin1.ts";
import type { OutgoingHeaders } from "../core/types.ts";
import { concatBytes, toBytes } from "./_bytes.ts";
import {
  appendField,
  checkName,
  type FieldMap,
  fieldMapOf,
  fieldNamesRecord,
  fieldsRecord,
  kUniqueHeaders,
  mergeFieldList,
  renameFields,
  replaceFields,
  setField,
  setFieldsFrom,
  warnDeprecatedFields,
} from "./_outgoing_fields.ts";
import {
  alreadyFinished,
  contentLengthMismatch,
  headersSentError,
  nullChunk,
  writeAfterDestroy,
  writeAfterEnd,
} from "./_outgoing_errors.ts";
import { writableStreamOf } from "./_outgoing_stream.ts";
import {
  headWithBody,
  isScratch,
  kAttachSink,
  kSinkDrained,
  type OutgoingSink,
  streamSink,
  type WritableLike,
} from "./_outgoing_sink.ts";
import { Socket } from "./socket.ts";

export { kAttachSink, kSinkDrained, type OutgoingSink } from "./_outgoing_sink.ts";
export { kUniqueHeaders, uniqueHeaderSet } from "./_outgoing_fields.ts";

/** Queue size at which `write()` starts returning `false` (Node's `writableHighWaterMark`). */
export const OUTGOING_HIGH_WATER_MARK = 16 * 1024;

/** The encoder of a message whose head is not written yet: nothing is framed. */
const UNWRITTEN: Encoded = Object.freeze({
  head: "",
  kind: "none",
  remaining: -1,
  length: -1,
  keepAlive: false,
});
/** The encoder of a message without a head (a plain OutgoingMessage): bytes go out as written. */
const HEADLESS: Encoded = Object.freeze({
  head: "",
  kind: "close",
  remaining: -1,
  length: -1,
  keepAlive: false,
});

/**
 * The facts of the head being written, filled and read within one synchronous `#writeHead` call (no
 * user code runs in between), so one object serves every message: writing a head allocates no facts.
 */
const HEAD: OutgoingHead = newOutgoingHead("server");

/** Events of outgoing messages, with their listener arguments. */
export interface OutgoingEvents {
  /** `write()` may be called again. */
  drain: [];
  /** `end()` was called and everything is queued (just before `'finish'`). */
  prefinish: [];
  /** The whole message was handed to the connection. */
  finish: [];
  /** The message (or its connection) is done. */
  close: [];
  /** Writing failed. */
  error: [err: Error & { code?: string }];
}

/**
 * Shared base of `ServerResponse` and `ClientRequest`: as Node's, a `Stream` with the members of a
 * `Writable` (`write()` callbacks and return value, `end()` callbacks, `cork`/`uncork`, `'drain'`,
 * `'prefinish'`, `'finish'`, `'close'`), so `src.pipe(res)` and `stream.pipeline(src, res)` work.
 *
 * @example
 * ```ts ignore
 * import { createServer } from "@wire/http";
 * createServer((_req, res) => {
 *   res.setHeader("Content-Type", "text/plain");
 *   res.write("hello ");
 *   res.end("world");
 * });
 * ```
 */
export class OutgoingMessage extends Stream {
  /** True once the head is fixed (after `writeHead()`, the first write, or `flushHeaders()`). */
  headersSent = false;
  /** True once `end()` was called. */
  writableEnded = false;
  /** True once everything was handed to the connection. */
  writableFinished = false;
  /** True once destroyed. */
  destroyed = false;
  /** Whether the body is being sent with chunked transfer coding. */
  chunkedEncoding = false;
  /** Node's: whether the message asked to keep its connection open. */
  shouldKeepAlive = true;
  /**
   * Node's markers of an outgoing message, which `stream.finished()` and `stream.pipeline()` read to tell
   * one apart (and so to see that a message that already closed is done): `_closed` turns true when
   * `'close'` is emitted.
   */
  _closed = false;
  /** See {@linkcode OutgoingMessage._closed}. */
  _defaultKeepAlive = true;
  /** See {@linkcode OutgoingMessage._closed}. */
  _removedConnection = false;
  /** See {@linkcode OutgoingMessage._closed}. */
  _removedContLen = false;
  /** The error the message was destroyed with: null until destroyed, as Node's (undefined if none). */
  get errored(): Error | null | undefined {
    return this.#errored;
  }
  #errored: Error | null | undefined = null;
  /** Whether `'close'` was emitted. */
  get closed(): boolean {
    return this._closed;
  }
  /**
   * Node's: an `end()` short of the declared Content-Length throws `ERR_HTTP_CONTENT_LENGTH_MISMATCH`
   * (writing past it always does here). Default false: the connection closes after such a message.
   */
  strictContentLength = false;
  /** Node's: always false (these streams carry bytes). */
  readonly writableObjectMode = false;
  /** Node's: the queue size at which `write()` returns false: the socket's once there is one. */
  get writableHighWaterMark(): number {
    const socket = (this as { socket?: { writableHighWaterMark?: number } | null }).socket;
    return socket?.writableHighWaterMark ?? OUTGOING_HIGH_WATER_MARK;
  }
  /**
   * Node's name for `writableEnded`; a plain field in Node, so code may assign it (only the flag changes).
   */
  get finished(): boolean {
    return this.#finishedSet ?? this.writableEnded;
  }
  set finished(value: boolean) {
    this.#finishedSet = value;
  }
  #finishedSet: boolean | undefined;

  /**
   * @ignore Internal (server, request): the `uniqueHeaders` option's names, lower-cased: an array value of
   * one of these is sent on one line joined with "; ", as Node's.
   */
  [kUniqueHeaders]: ReadonlySet<string> | null = null;
  // Created on first setHeader: many responses only ever call writeHead or end.
  #fields: FieldMap | undefined;
  /** A raw field list given to `writeHead`/the request options, sent exactly as given (case, order). */
  #rawFields: string[] | undefined;
  /** The head's encoding, once written: the body encoder (kind, bytes left) and the keep-alive answer. */
  #body: Encoded = UNWRITTEN;
  #trailers: string[] | undefined;
  #headWritten = false;
  #sink: OutgoingSink | null = null;
  #pending: Uint8Array[] | undefined;
  #pendingBytes = 0;
  #needDrain = false;
  /** Callbacks of writes that returned false: run on the next drain, or when the message finishes. */
  #writeCallbacks: ((err?: Error | null) => void)[] | undefined;
  #finishCallbacks: (() => void)[] | undefined;
  #stream: WritableStream<Uint8Array> | undefined;
  #corked = 0;

  /** As Node's: a standalone message is usable without a connection (bytes queue until one is attached). */
  constructor() {
    super();
  }

  /** Sets one field for the implicit head (an array sends the field once per element). */
  setHeader(name: string, value: OutgoingValue): this {
    setField(this.#fieldsForChange("set"), name, value);
    return this;
  }

  /** Sets several fields from a `Headers` or `Map`. */
  setHeaders(headers: Headers | Map<string, OutgoingValue>): this {
    if (this.headersSent) throw headersSentError("set");
    setFieldsFrom(this, headers);
    return this;
  }

  /** Adds a value to a field, keeping the values already set. */
  appendHeader(name: string, value: string | readonly string[]): this {
    appendField(this.#fieldsForChange("append"), name, value);
    return this;
  }

  /** The value set for `name` (case-insensitive), as given. */
  getHeader(name: string): string | string[] | undefined {
    checkName(name);
    const entry = this.#materialize()?.get(name.toLowerCase());
    // As Node: the value as set (a number stays a number); text when it came as text.
    return entry === undefined ? undefined : (entry[2] ?? entry[1]) as string | string[];
  }

  /** All fields set, names lower-cased. */
  getHeaders(): Record<string, string | string[]> {
    return fieldsRecord(this.#materialize());
  }

  /** Names of the fields set, lower-cased. */
  getHeaderNames(): string[] {
    return [...(this.#materialize()?.keys() ?? [])];
  }

  /** Names of the fields set, as given. */
  getRawHeaderNames(): string[] {
    return [...(this.#materialize()?.values() ?? [])].map(([name]) => name);
  }

  /** Whether `name` is set (case-insensitive). */
  hasHeader(name: string): boolean {
    checkName(name);
    return this.#materialize()?.has(name.toLowerCase()) ?? false;
  }

  /** Removes a field from the implicit head. */
  removeHeader(name: string): void {
    checkName(name);
    const key = name.toLowerCase();
    this.#fieldsForChange("remove").delete(key);
    // As Node: removing a field the message would add by itself keeps it out of the head.
    switch (key) {
      case "connection":
        this._removedConnection = true;
        break;
      case "content-length":
        this._removedContLen = true;
        break;
      case "transfer-encoding":
        this._removedTE = true;
        break;
      case "date":
        this.sendDate = false;
        break;
    }
  }

  /**
   * Node's `_header`: the head as text once it is fixed, null before. Middleware tests it to tell whether
   * the head went (compression calls `_implicitHeader()` only while it is falsy, and Node throws on a
   * second `writeHead()`). Between `writeHead()` and the first write, the head as it stands then (no body
   * known yet); once written, the head exactly as sent.
   */
  get _header(): string | null {
    if (this.#headText !== undefined) return this.#headText;
    if (!this.headersSent) return null;
    try {
      return this.#encodeHead(0, false, false)?.head ?? null;
    } catch {
      // A head core refuses (it throws at the first write too) has no text.
      return null;
    }
  }

  /**
   * Node code assigns `null` to have the head stored again (http-proxy-agent does, after changing
   * `req.path`): a head not written yet is open again (`headersSent` false) and goes as the fields and
   * path then say; one already written cannot change. A string cannot stand in for the head here (it is
   * always rendered from the fields), so assigning one changes nothing.
   */
  set _header(value: string | null | undefined) {
    if ((value === null || value === undefined) && !this.#headWritten) this.headersSent = false;
  }

  /** The head as sent, kept from `#writeHead` (the string it rendered anyway: no copy). */
  #headText: string | undefined;

  /**
   * Node's deprecated (DEP0066) view of the fields, lower-cased name -> value: `getHeaders()`, which is
   * what to use. Assigning an object replaces every field with its entries.
   */
  get _headers(): Record<string, string | string[]> {
    warnDeprecatedFields("_headers");
    return this.getHeaders();
  }
  set _headers(value: Record<string, string | string[]> | null | undefined) {
    warnDeprecatedFields("_headers");
    replaceFields(this.#fieldsForChange("set"), value);
  }

  /**
   * Node's deprecated (DEP0066) map of lower-cased names to the names as given (null before any field is
   * set); use `getRawHeaderNames()`. Assigning an object renames the fields it names (lower-cased keys).
   */
  get _headerNames(): Record<string, string> | null {
    warnDeprecatedFields("_headerNames");
    return fieldNamesRecord(this.#materialize());
  }
  set _headerNames(value: Record<string, string> | null | undefined) {
    warnDeprecatedFields("_headerNames");
    if (value === null || typeof value !== "object" || this.#materialize() === undefined) return;
    renameFields(this.#fieldsForChange("set"), value);
  }

  /** Node's: whether `Date` is added to a head that has none (responses; false on requests). */
  sendDate = false;
  /** Node's: `removeHeader("transfer-encoding")` was called, so the body is never chunked implicitly. */
  _removedTE = false;

  /**
   * Sends trailer fields after the body. They are sent only with chunked transfer coding (dropped
   * otherwise, e.g. for HTTP/1.0 peers, as Node does); declare them in a `Trailer` field.
   */
  addTrailers(headers: OutgoingHeaders | readonly string[] | readonly (readonly [string, string])[]): void {
    const list = fieldsFromTrailers(headers, this[kUniqueHeaders]);
    this.#trailers = this.#trailers ? [...this.#trailers, ...list] : list;
  }

  /** Sends the head now, without waiting for the body. */
  flushHeaders(): void {
    if (this.#sink === null) this.#adoptSocket();
    this.#writeHead(null, false, true);
  }

  /**
   * Node's `_send(data, encoding, callback)`, which older middleware calls (`res._send("")` to push the
   * head out): writes `data` as it is (no chunk framing, not counted against a Content-Length), after the
   * head if `writeHead()` fixed one that has not gone out yet, the head and `data` in one write. Returns
   * and calls back as {@linkcode OutgoingMessage.write}.
   *
   * @example
   * ```ts ignore
   * import { createServer } from "@wire/http";
   * createServer((_req, res) => {
   *   res.writeHead(200, { "Content-Type": "text/plain" });
   *   res._send(""); // the head goes now
   *   setTimeout(() => res.end("later\n"), 100);
   * });
   * ```
   */
  _send(
    data: Uint8Array | string,
    encoding?: string | ((err?: Error | null) => void),
    callback?: (err?: Error | null) => void,
  ): boolean {
    if (!this.headersSent || this.#headWritten || this.destroyed || this.writableFinished) {
      return this._writeRaw(data, encoding, callback);
    }
    if (typeof encoding === "function") {
      callback = encoding;
      encoding = undefined;
    }
    if (this.#sink === null) this.#adoptSocket();
    return this.#settleWrite(this.#writeHead(toBytes(data, encoding), false, true, true), callback);
  }

  /**
   * Node's `_writeRaw(data, encoding, callback)`: `data` goes to the connection as it is, in order with
   * the rest of the message (queued like it until the message has a connection), outside the message's
   * framing: Node's own 1xx heads go this way, and code that writes its own interim heads calls it.
   * Nothing is sent for a message destroyed or finished (its connection may carry the next message by
   * then), and the callback is not called, as Node's. Returns and calls back as
   * {@linkcode OutgoingMessage.write}.
   *
   * @example
   * ```ts ignore
   * import { createServer } from "@wire/http";
   * createServer((_req, res) => {
   *   res._writeRaw("HTTP/1.1 102 Processing\r\n\r\n");
   *   res.end("done\n");
   * });
   * ```
   */
  _writeRaw(
    data: Uint8Array | string,
    encoding?: string | ((err?: Error | null) => void),
    callback?: (err?: Error | null) => void,
  ): boolean {
    if (typeof encoding === "function") {
      callback = encoding;
      encoding = undefined;
    }
    if (this.destroyed || this.writableFinished) return false;
    if (this.#sink === null) this.#adoptSocket();
    const bytes = toBytes(data, encoding);
    const ok = bytes.byteLength > 0 ? this.#send(bytes) : this.#hasRoom();
    return this.#settleWrite(ok, callback);
  }

  /**
   * Sends a body chunk. Strings are encoded with `encoding` (UTF-8 by default). Returns `false` when the
   * connection is full; `'drain'` follows. `callback` runs once the chunk is handed to the connection.
   */
  write(
    chunk: Uint8Array | string,
    encoding?: string | ((err?: Error | null) => void),
    callback?: (err?: Error | null) => void,
  ): boolean {
    if (typeof encoding === "function") {
      callback = encoding;
      encoding = undefined;
    }
    if (this.writableEnded) {
      const err = writeAfterEnd();
      // Whether 'error' follows is decided now: in Node the message's 'close' comes a tick after its
      // 'finish', later than ours, so a write right after end() still reports to 'error' there.
      const alive = !this.destroyed;
      queueMicrotask(() => {
        callback?.(err);
        if (alive) this.#emitError(err, true);
      });
      return false;
    }
    if (this.destroyed) {
      // As Node: a destroyed message reports to the write's callback, never as 'error'.
      const err = writeAfterDestroy();
      if (callback) queueMicrotask(() => callback!(err));
      return false;
    }
    if (chunk === null) throw nullChunk();
    const bytes = toBytes(chunk, encoding);
    if (this.#sink === null) this.#adoptSocket();
    // As Node's write_(), which corks the socket until the next tick: the writes of one tick (and an
    // end() in it) go out as one write, and until then they count in `writableLength`.
    if (this.#corked === 0 && this.#sink !== null && this.holdsWritesForTick) {
      this.#corked = 1;
      this.#tickCorked = true;
      queueMicrotask(this.#uncorkTick ??= () => this.#endTickCork());
    }
    let ok: boolean;
    if (!this.#headWritten) ok = this.#implicitHead(bytes, false);
    else ok = this.#writeBody(bytes);
    // A mark's worth goes at once rather than at the end of the tick: a body written in one loop is not
    // held (and copied) whole, and the socket's `bytesWritten` moves as in Node, whose count includes
    // what its cork holds.
    if (this.#tickCorked && this.#corked === 1 && this.#pendingBytes >= this.writableHighWaterMark) {
      this.#endTickCork();
    }
    return this.#settleWrite(ok, callback);
  }

  /** A write's callback and `'drain'` bookkeeping: `ok` is whether the bytes went out without filling up. */
  #settleWrite(ok: boolean, callback: ((err?: Error | null) => void) | undefined): boolean {
    if (callback) {
      if (ok) queueMicrotask(() => callback());
      else (this.#writeCallbacks ??= []).push(callback);
    }
    if (!ok) this.#needDrain = true;
    return ok;
  }

  /** Finishes the message, optionally with a last chunk; `callback` runs on `'finish'`. */
  end(
    chunk?: Uint8Array | string | (() => void) | null,
    encoding?: string | (() => void),
    callback?: () => void,
  ): this {
    if (typeof chunk === "function") {
      callback = chunk;
      chunk = undefined;
    } else if (typeof encoding === "function") {
      callback = encoding;
      encoding = undefined;
    }
    if (this.writableEnded) {
      // As Node: more data after end() is a write after end; a bare second end() tells its callback the
      // message was already finished.
      if (chunk !== undefined && chunk !== null) {
        this.write(chunk as string | Uint8Array, encoding as string | undefined, callback);
        return this;
      }
      if (callback) {
        const cb = callback as (err?: Error) => void;
        const err = alreadyFinished();
        if (this.writableFinished) queueMicrotask(() => cb(err));
        else this.once("finish", () => cb(err));
      }
      return this;
    }
    const bytes = chunk === undefined || chunk === null
      ? null
      : toBytes(chunk, encoding as string | undefined);
    if (this.#sink === null) this.#adoptSocket();
    if (!this.#headWritten) {
      // The head first: a framing error throws before the message counts as ended.
      this.#implicitHead(bytes, true);
      this.writableEnded = true;
    } else {
      // Node's `strictContentLength`: ending short of a declared Content-Length throws, nothing changed.
      const last = bytes ? bytes.byteLength : 0;
      const body = this.#body;
      if (this.strictContentLength && body.kind === "length" && body.remaining !== last) {
        throw contentLengthMismatch(this.#sentLength() + last, this.#sentLength() + body.remaining);
      }
      this.writableEnded = true;
      if (bytes && bytes.byteLength > 0) this.#writeBody(bytes);
      this.#writeEnd();
    }
    if (callback) (this.#finishCallbacks ??= []).push(callback);
    // As Node: end() uncorks whatever cork() held back.
    if (this.#corked > 0) {
      this.#corked = 1;
      this.uncork();
    }
    this.#maybeFinish();
    return this;
  }

  /** Holds writes back until `uncork()` (as many times as `cork()` was called); they then go as one. */
  cork(): void {
    this.#corked++;
  }

  /** Undoes one `cork()`; at zero, the held writes go to the connection in one write. */
  uncork(): void {
    if (this.#corked === 0) return;
    this.#corked--;
    if (this.#corked === 0 && this.#sink !== null) this.#flushPending(this.#sink, true);
  }

  /** How many `cork()` calls are in effect. */
  get writableCorked(): number {
    return this.#corked;
  }

  /**
   * Node's: bytes written and not yet handed to the OS, those queued in this message and those its socket
   * still holds (once the message is on it).
   */
  get writableLength(): number {
    return this.#pendingBytes + this.#socketBacklog();
  }

  /** Whether `write()` returned false and `'drain'` has not come yet. */
  get writableNeedDrain(): boolean {
    return this.#needDrain;
  }

  /**
   * Node's legacy `Stream` flag, true for the message's whole life (Node never clears it; `writableEnded`
   * and `destroyed` say whether a write would still go out).
   */
  readonly writable = true;

  /**
   * The body as a Web `WritableStream`, so `readable.pipeTo(res.writableStream)` streams into the message
   * with backpressure. Closing the stream ends the message.
   */
  get writableStream(): WritableStream<Uint8Array> {
    return this.#stream ??= writableStreamOf(this);
  }

  /**
   * Node's `setTimeout`: the idle timeout of the message's socket (now, or once it has one); `callback` is
   * added as a `'timeout'` listener of the message.
   */
  setTimeout(ms: number, callback?: () => void): this {
    if (callback) this.on("timeout", callback);
    const socket = (this as { socket?: { setTimeout(ms: number): unknown } | null }).socket;
    if (socket) socket.setTimeout(ms);
    else this.once("socket", (s: { setTimeout(ms: number): unknown }) => s.setTimeout(ms));
    return this;
  }

  /**
   * Node's hook for the head a first `write()`/`end()` fixes implicitly: a response calls
   * `this.writeHead(this.statusCode)` (so wrappers of `writeHead` see it), a request fixes its fields.
   */
  _implicitHeader(): void {
    throw new HttpUsageError("ERR_METHOD_NOT_IMPLEMENTED", "The _implicitHeader() method is not implemented");
  }

  /** Destroys the message and its connection. */
  destroy(error?: Error): this {
    if (this.destroyed) return this;
    this.destroyed = true;
    this.#errored = error;
    this.destroyImpl(error);
    return this;
  }

  /**
   * Node's `captureRejectionSymbol` handler: with `captureRejections` on, a listener's rejected promise
   * destroys the message with that error (so its socket reports it), as Node's does.
   */
  [Symbol.for("nodejs.rejection")](error: Error): void {
    this.destroy(error);
  }

  // ---- for subclasses ----

  /**
   * @ignore Internal hook: the facts of this message's role for core's `encode()` — the status or request
   * line, the peer and the connection — written into `head` (the message sets the common facts, fields,
   * body and removed fields, after it). Returns false for a message without a head (a plain OutgoingMessage, whose
   * bytes go out as written, as Node's do once a subclass's `_implicitHeader` let it write).
   */
  protected headFacts(_head: OutgoingHead): boolean {
    return false;
  }
  /**
   * @ignore Internal hook: called once the last byte is handed to the sink; `keepAlive` says whether the
   * head promised reuse and the body ended complete.
   */
  protected finishImpl(_keepAlive: boolean): void {}
  /** @ignore Internal hook: runs after `'finish'` and the `end()` callbacks, in the same microtask. */
  protected afterFinish(): void {}
  /** @ignore Internal hook: releases the connection on destroy. */
  protected destroyImpl(_error: Error | undefined): void {}

  /**
   * @ignore Internal hook: whether the caller set field `lowerName` (for implicit fields that give way to
   * the caller's). Reads the raw list without building the field map a plain `writeHead` never needs.
   */
  protected hasUserField(lowerName: string): boolean {
    // Inline rather than a call into the field store: every response asks this in writeHead/its head.
    if (this.#fields !== undefined) return this.#fields.has(lowerName);
    const raw = this.#rawFields;
    if (raw === undefined) return false;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i]!;
      if (name.length === lowerName.length && name.toLowerCase() === lowerName) return true;
    }
    return false;
  }

  /**
   * @ignore Internal hook: runs core's `encode()` on the head as it stands, before any body, and drops the
   * result: throws what writing it would (Node's `writeHead()` renders the head at once), nothing changed.
   */
  protected checkHead(): void {
    this.#encodeHead(0, false, false);
  }

  /** Marks the head as fixed (`writeHead`); later `setHeader` calls throw `ERR_HTTP_HEADERS_SENT`. */
  protected lockHead(): void {
    this.headersSent = true;
  }

  /** Replaces the fields with `headers` merged over what `setHeader` stored (writeHead semantics). */
  protected mergeHeaders(
    headers: OutgoingHeaders | readonly string[] | readonly (readonly [string, string])[],
  ): void {
    const list = fieldsFromHeaders(headers, this[kUniqueHeaders]);
    // With nothing set before, the list is sent exactly as given (a raw array keeps case and order, as
    // Node does; an object's names are unique already), and no Map is built.
    if (!this.#fields?.size) this.#rawFields = list;
    else mergeFieldList(this.#fields, list);
  }

  /** @ignore Internal (connections): attaches the byte sink; queued bytes go out now. */
  [kAttachSink](sink: OutgoingSink): void {
    this.#sink = sink;
    if (this.#corked === 0) this.#flushPending(sink, false);
    else this.#maybeFinish();
  }

  /** @ignore Internal (connections): the sink drained. */
  [kSinkDrained](): void {
    if (this.#needDrain) {
      this.#needDrain = false;
      this.emit("drain");
      this.#runWriteCallbacks();
    }
  }

  /**
   * @ignore Internal hook: whether `write()` holds its bytes until the end of the tick, as Node's corks the
   * socket (responses; a request's sink tells its head from its body by the write, so it does not).
   */
  protected get holdsWritesForTick(): boolean {
    return false;
  }

  /** Whether the message has been fully written to a sink. */
  protected get flushed(): boolean {
    return this.#sink !== null && this.#pending === undefined;
  }

  // ---- internals ----

  /** The fields as a Map, built from a raw list on first need (most responses never need it). */
  #materialize(): FieldMap | undefined {
    if (this.#rawFields !== undefined && this.#fields === undefined) {
      this.#fields = fieldMapOf(this.#rawFields);
    }
    return this.#fields;
  }

  /** The map to change (`setHeader` and friends); throws `ERR_HTTP_HEADERS_SENT` once the head is fixed. */
  #fieldsForChange(action: "set" | "append" | "remove"): FieldMap {
    if (this.headersSent) throw headersSentError(action);
    const fields = this.#materialize() ?? (this.#fields = new Map());
    this.#rawFields = undefined;
    return fields;
  }

  /**
   * Writes the head through core's `encode()` (which throws for a Content-Length or Transfer-Encoding it
   * would not accept from a peer, before anything changes here) and sends it with `body` (and the end, if
   * `ending`) in one write. `flushing`: `flushHeaders()`, the head goes before any body. `raw`: `body` is
   * `_send()`'s, sent as it is, outside the body's framing.
   */
  #writeHead(body: Uint8Array | null, ending: boolean, flushing = false, raw = false): boolean {
    if (this.#headWritten) return true;
    const bodyLength = body ? body.byteLength : 0;
    const encoded = this.#encodeHead(raw ? 0 : bodyLength, ending, flushing);
    if (encoded === null) return this.#writeHeadless(body);
    this.headersSent = true;
    this.#headWritten = true;
    this.#headText = encoded.head;
    this.#body = encoded;
    const kind = encoded.kind;
    this.chunkedEncoding = kind === "chunked";

    // Head, body and (when ending) the terminator in one buffer: one write, one packet for small messages.
    const framedBody = body && bodyLength > 0 ? (raw ? body : encodeBody(kind, body)) : null;
    const tail = ending ? encodeEnd(encoded, this.#trailers) : "";
    const direct = this.#sink !== null && this.#pending === undefined && this.#corked === 0;
    const out = headWithBody(encoded.head, framedBody, tail, direct);
    const ok = isScratch(out) ? this.#sink!.write(out, true) : this.#send(out);
    return ok;
  }

  /**
   * Core's `encode()` on this message as it stands: the role's facts from `headFacts`, then the common
   * ones. Null for a message without a head.
   */
  #encodeHead(bodyLength: number, ending: boolean, flushing: boolean): Encoded | null {
    const head = HEAD;
    if (!this.headFacts(head)) return null;
    head.interim = false;
    head.fields = this.#rawFields ?? this.#fields;
    head.uniqueFields = this[kUniqueHeaders];
    head.ending = ending;
    head.bodyLength = bodyLength;
    head.trailers = this.#trailers !== undefined;
    head.headOnly = flushing;
    // A removed Content-Length or Transfer-Encoding is not added back: the body's framing is then the
    // other one, or the connection's close (Node's `_removedContLen`/`_removedTE`).
    head.removedContentLength = this._removedContLen;
    head.removedTransferEncoding = this._removedTE;
    head.removedConnection = this._removedConnection;
    try {
      return encode(head);
    } finally {
      // The scratch outlives this message: it keeps no reference to its fields or its connection.
      head.fields = undefined;
      head.uniqueFields = null;
      head.state = null;
    }
  }

  /**
   * The head a first `write()`/`end()` sends: fixed through `_implicitHeader()` unless `writeHead()` did
   * it. A head core refuses (a malformed Content-Length, say) throws with nothing sent and the head
   * still open, so the caller can mend its fields.
   */
  #implicitHead(body: Uint8Array | null, ending: boolean): boolean {
    const implicit = !this.headersSent;
    if (implicit) this._implicitHeader();
    try {
      return this.#writeHead(body, ending);
    } catch (err) {
      if (implicit) this.headersSent = false;
      throw err;
    }
  }

  /** A message without a head (a plain OutgoingMessage): its bytes go out as written. */
  #writeHeadless(body: Uint8Array | null): boolean {
    this.#headWritten = true;
    this.#body = HEADLESS;
    return body && body.byteLength > 0 ? this.#send(body) : this.#hasRoom();
  }

  /** Body bytes sent so far under a declared Content-Length. */
  #sentLength(): number {
    return this.#body.length - this.#body.remaining;
  }

  #writeBody(bytes: Uint8Array): boolean {
    const body = this.#body;
    if (bytes.byteLength === 0 || body.kind === "none") return this.#hasRoom();
    return this.#send(encodeChunk(body, bytes));
  }

  #writeEnd(): void {
    const tail = encodeEnd(this.#body, this.#trailers);
    if (tail) this.#send(encodeLatin1(tail));
  }

  /**
   * Hands the queued bytes to `sink`: as one write after `uncork()` (as a Writable's `_writev`), or
   * write by write when a connection arrives (the first is the head, which a sink may treat apart: a
   * client holds the body back until `100 Continue`).
   */
  #flushPending(sink: OutgoingSink, asOne: boolean): void {
    if (this.#pending !== undefined) {
      const pending = this.#pending;
      this.#pending = undefined;
      this.#pendingBytes = 0;
      let ok = true;
      if (asOne) ok = sink.write(pending.length === 1 ? pending[0]! : concatBytes(pending));
      else for (const bytes of pending) ok = sink.write(bytes);
      if (ok) this[kSinkDrained]();
    }
    this.#maybeFinish();
  }

  #send(bytes: Uint8Array): boolean {
    if (this.#sink && this.#pending === undefined && this.#corked === 0) return this.#sink.write(bytes);
    (this.#pending ??= []).push(bytes);
    this.#pendingBytes += bytes.byteLength;
    return this.#hasRoom();
  }

  /**
   * Node's answer to a write that queued: true while the bytes not yet flushed (queued here, and those
   * the socket holds once the message is on it, as a corked Node socket counts them) stay under the mark.
   */
  #hasRoom(): boolean {
    const queued = this.#pendingBytes;
    if (this.#sink === null) return queued < OUTGOING_HIGH_WATER_MARK;
    return queued + this.#socketBacklog() < this.writableHighWaterMark;
  }

  /** The bytes this message's socket has not handed to the OS yet (0 before it is on one). */
  #socketBacklog(): number {
    if (this.#sink === null) return 0;
    const socket = (this as { socket?: { writableLength?: number } | null }).socket;
    return socket?.writableLength ?? 0;
  }

  #uncorkTick: (() => void) | undefined;
  /** The cork in effect is the one `write()` put on for the tick (not a user's `cork()`). */
  #tickCorked = false;

  #endTickCork(): void {
    if (!this.#tickCorked) return;
    this.#tickCorked = false;
    this.uncork();
  }

  #finishScheduled = false;

  #maybeFinish(): void {
    // A destroyed message never finishes (Node: no 'finish' after 'close', e.g. end() after the peer left).
    if (!this.writableEnded || this.#finishScheduled || !this.flushed || this.destroyed) return;
    this.#finishScheduled = true;
    // 'finish' is queued before the owner hears of it, so whatever the owner queues ('close') follows it.
    this.emit("prefinish");
    // Bytes the connection dropped (its writing side had ended) never went out: no 'finish' (as Node's,
    // checked under Node 20), and the owner keeps the message open until the connection closes it.
    if (this.#sink!.writesLost === true) return;
    const finish = (): void => {
      // As Node's, where each write's callback comes when the socket took its bytes: all of them before
      // 'finish', even those of writes that waited for a drain that the end overtook.
      this.#runWriteCallbacks();
      this.writableFinished = true;
      this.emit("finish");
      const callbacks = this.#finishCallbacks;
      this.#finishCallbacks = undefined;
      if (callbacks) { for (const cb of callbacks) cb(); }
      this.afterFinish();
    };
    // As Node's, whose 'finish' is the callback of the message's last socket write: it comes once the
    // bytes are handed to the OS (`writableLength` is 0 then), or, on a user's Writable, once it took them.
    // A sink that cannot tell finishes at once.
    if (this.#sink!.whenFlushed?.(finish) !== true) queueMicrotask(finish);
    // A declared Content-Length that was not reached leaves the peer waiting; the connection must close.
    this.finishImpl(this.#body.keepAlive && bodyComplete(this.#body));
  }

  /**
   * As Node's, whose messages write to `this.socket` whenever `socket._httpMessage === this`: a message
   * without a connection of ours whose `socket` a user set to their own `stream.Writable` (a framework's
   * fake socket, a test's stream) writes to it, through {@linkcode streamSink}. Our `Socket`s get their
   * sinks from the connections, which keep the order of pipelined messages.
   */
  #adoptSocket(): void {
    const socket = (this as { socket?: unknown }).socket as
      | (WritableLike & { _httpMessage?: unknown; writable?: boolean })
      | null
      | undefined;
    if (
      socket === null || socket === undefined || socket._httpMessage !== this || socket instanceof Socket ||
      typeof socket.write !== "function" || socket.writable === false
    ) return;
    this[kAttachSink](streamSink(socket, () => this[kSinkDrained]()));
  }

  #runWriteCallbacks(): void {
    const callbacks = this.#writeCallbacks;
    if (callbacks === undefined) return;
    this.#writeCallbacks = undefined;
    for (const cb of callbacks) cb();
  }

  #emitError(err: Error, aliveChecked = false): void {
    // As Node: a message already destroyed (a response that closed) reports to the callback only.
    if ((aliveChecked || !this.destroyed) && this.listenerCount("error") > 0) this.emit("error", err);
  }
}
