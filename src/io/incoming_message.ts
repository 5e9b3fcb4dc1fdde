/**
 * `IncomingMessage`: a received request (server side) or response (client side). It is a `node:stream`
 * `Readable`, as Node's is: body chunks are `Buffer` views over the bytes read (no copy), `'end'` comes
 * after the last chunk, `setEncoding`, `pipe`, `stream.pipeline`, `Readable.toWeb` and async iteration
 * are Node's own.
 *
 * Theory of operation: the connection fills the message with {@linkcode receiveHead},
 * {@linkcode receiveBody} and {@linkcode receiveEnd}. These are functions over the instance, not
 * methods, and the state they keep is own properties, because Express replaces the prototype of every
 * request with its own (`app.request`, whose prototype is `node:http`'s `IncomingMessage`): whatever the
 * connection needs must survive that. Backpressure works as Node's parser does it: when `push()` says
 * the queue is full the connection stops reading the socket, and the stream's `_read()` (the consumer
 * wants more) resumes it through the {@linkcode kResumeReading} hook.
 *
 * @module
 */

import { Readable } from "node:stream";
import { Buffer } from "node:buffer";
import { addField, headersFromRaw } from "../core/fields.ts";
import type { IncomingHeaders, RequestHead, ResponseHead } from "../core/types.ts";
import type { Socket } from "./socket.ts";
import { readableState, type ReadableStateFields } from "./_readable_state.ts";

/**
 * Queue size above which the connection stops reading the socket for the body of a message made without
 * a socket (with one, the socket's `readableHighWaterMark`, as Node's): Node 20's default for streams.
 */
export const BODY_HIGH_WATER_MARK = 16 * 1024;

/** Internal: the connection's "read the socket again" hook, an own property of the message. */
export const kResumeReading: unique symbol = Symbol("wire.resumeReading");
const kHead: unique symbol = Symbol("wire.head");
const kHeaders: unique symbol = Symbol("wire.headers");
/**
 * The fields `headers` is built from when `maxHeadersCount` cut the list: rare, so kept beside the messages
 * rather than in a field every message carries.
 */
const limitedFields = new WeakMap<IncomingMessage, string[]>();
const kTrailers: unique symbol = Symbol("wire.trailers");

type ErrorCallback = (error?: Error | null) => void;

/**
 * A request received by a server, or a response received by a client: a `stream.Readable` of the body.
 *
 * @example
 * ```ts ignore
 * import { createServer } from "@wire/http";
 * createServer((req, res) => {
 *   console.log(req.method, req.url, req.headers["user-agent"], req.rawHeaders);
 *   let size = 0;
 *   req.on("data", (chunk: Buffer) => (size += chunk.length));
 *   req.on("end", () => res.end(`got ${size} bytes; trailers ${JSON.stringify(req.trailers)}\n`));
 * });
 * ```
 */
export class IncomingMessage extends Readable {
  /** The connection the message came on (as Node's typings: a message made without one has none). */
  socket: Socket;
  /** Request method (server side); null on responses. */
  method: string | null = null;
  /** Request-target as sent (server side); `""` on responses. */
  url = "";
  /** Status code (client side); null on requests. */
  statusCode: number | null = null;
  /** Reason phrase (client side); null on requests. */
  statusMessage: string | null = null;
  /** `"1.1"` or `"1.0"` (a response may say `"0.9"`). */
  httpVersion = "1.1";
  /** 1 (0 for a response of HTTP/0.9). */
  httpVersionMajor = 1;
  /** 1 or 0 (9 for a response of HTTP/0.9). */
  httpVersionMinor = 1;
  /** Fields as sent: `[name, value, name, value, ...]`. */
  rawHeaders: string[] = [];
  /** Trailer fields as sent; filled when the body ends. */
  rawTrailers: string[] = [];
  /** True once the whole message arrived. */
  complete = false;
  /** True when the peer went away before the message was complete. */
  aborted = false;
  /** Whether this request asked to switch protocols (server side). */
  upgrade = false;
  /** Join every repeated field with `", "` in `headers` (Node's option of the same name). */
  joinDuplicateHeaders = false;
  /** Node's internal flag, kept because libraries read it: someone started reading the body. */
  _consuming = false;
  /** Node's internal flag: the body is being discarded. */
  _dumped = false;
  /** @ignore Internal (connections): see {@linkcode kResumeReading}. */
  [kResumeReading]: (() => void) | undefined = undefined;
  /** @ignore Internal: the parsed head `headers` is built from. */
  [kHead]: RequestHead | ResponseHead | undefined = undefined;
  /** @ignore Internal: `headers`, once built or set. */
  [kHeaders]: IncomingHeaders | undefined = undefined;
  /** @ignore Internal: `trailers`, once built or set. */
  [kTrailers]: IncomingHeaders | undefined = undefined;

  /** As Node's: a message on `socket` (servers and clients make them; tests and frameworks may too). */
  constructor(socket?: Socket) {
    // As Node's: the body's queue is as large as its socket's (the `highWaterMark` option of servers and
    // requests, 16 KiB by default; a `net.Socket` given to `createConnection` brings its own).
    super({ highWaterMark: socket?.readableHighWaterMark ?? BODY_HIGH_WATER_MARK });
    this.socket = socket as Socket;
    // As Node: the connection pushes on its own; the stream must not ask for more (`_read`) until a
    // consumer does, or every message would count as "being read".
    readableState(this).readingMore = true;
  }

  /** Lower-cased fields with Node's duplicate rules (built on first use, as Node does). */
  get headers(): IncomingHeaders {
    let headers = this[kHeaders];
    if (headers === undefined) {
      const head = this[kHead];
      headers = head !== undefined && !this.joinDuplicateHeaders
        ? head.headers
        : headersFromRaw(limitedFields.get(this) ?? this.rawHeaders, this.joinDuplicateHeaders);
      this[kHeaders] = headers;
    }
    return headers;
  }

  set headers(value: IncomingHeaders) {
    this[kHeaders] = value;
  }

  /** Fields with every value as an array, names lower-cased (Node's `headersDistinct`). */
  get headersDistinct(): Record<string, string[]> {
    return distinct(limitedFields.get(this) ?? this.rawHeaders);
  }

  /** Trailer fields, lower-cased; filled when the body ends. */
  get trailers(): IncomingHeaders {
    return this[kTrailers] ??= headersFromRaw(this.rawTrailers, this.joinDuplicateHeaders);
  }

  set trailers(value: IncomingHeaders) {
    this[kTrailers] = value;
  }

  /** Trailers with every value as an array (Node's `trailersDistinct`). */
  get trailersDistinct(): Record<string, string[]> {
    return distinct(this.rawTrailers);
  }

  /** Same as `socket` (Node's older name). */
  get connection(): Socket {
    return this.socket;
  }

  set connection(value: Socket) {
    this.socket = value;
  }

  /** Calls `socket.setTimeout(ms, callback)`, as Node. */
  setTimeout(ms: number, callback?: () => void): this {
    if (callback) this.on("timeout", callback);
    this.socket?.setTimeout(ms);
    return this;
  }

  /**
   * Node's `_addHeaderLine(field, value, dest)`: adds one field line to `dest` (a `headers`-shaped object)
   * with the rules `headers` is built with: the name lower-cased, `set-cookie` an array, the fields Node
   * keeps once (`content-type`, `host`, ...) keeping their first value, `cookie` joined with `"; "`, the
   * rest with `", "` (every repeat joined with {@linkcode IncomingMessage.joinDuplicateHeaders}). Parsers
   * and proxies built on Node's objects call it to fill `headers` or `trailers` themselves.
   *
   * @example
   * ```ts
   * import { IncomingMessage } from "@wire/http";
   * const dest = {};
   * const msg = new IncomingMessage();
   * msg._addHeaderLine("Accept", "a", dest);
   * msg._addHeaderLine("accept", "b", dest);
   * msg._addHeaderLine("Host", "x", dest);
   * msg._addHeaderLine("Host", "y", dest);
   * console.log(dest); // { accept: "a, b", host: "x" }
   * ```
   */
  _addHeaderLine(field: string, value: string, dest: IncomingHeaders): void {
    addField(dest, field.toLowerCase(), value, this.joinDuplicateHeaders);
  }

  /** Reads the rest of the body as one `Buffer`. */
  async bytes(): Promise<Buffer> {
    const parts: Buffer[] = [];
    for await (const chunk of this) parts.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  /** Reads the rest of the body as UTF-8 text. */
  async text(): Promise<string> {
    return (await this.bytes()).toString("utf8");
  }

  /** Node's `_dump()`: discards the body, reading it off the connection so the connection can go on. */
  _dump(): void {
    if (this._dumped) return;
    this._dumped = true;
    this.removeAllListeners("data");
    // A message already complete and empty only has to end: read() does that without resume()'s extra
    // tick (a hello-world server dumps every GET; each process.nextTick costs Deno ~0.3 µs).
    if (this.complete && this.readableLength === 0 && this.readableFlowing !== true) this.read();
    else this.resume();
  }

  /**
   * `Readable.read()`, less the duplicate end ticks. Once the body has ended and its queue is empty, every
   * `read()` until `'end'` is emitted schedules one more `process.nextTick` of Node's `endReadableNT`, and
   * all but the first do nothing: a response that came with its head has four of them (`flow()` reads
   * twice, `resume_` once more, `emitReadable_` again), three of the nine ticks of a keep-alive GET. While
   * this message knows one is pending, such a `read()` (no size, or 0) returns null at once, with the
   * same effect on the stream's state; `'end'` and everything else keep Node's order (a skipped tick did
   * nothing, and ticks run first in, first out). Any other call runs Node's `read()` and forgets what it
   * knew, so in doubt the stream behaves exactly as Node's.
   */
  override read(size?: number): ReturnType<Readable["read"]> {
    const state = readableState(this);
    const plain = size === undefined || size === 0;
    if (plain && this.#endTickPending && state.length === 0 && !state.endEmitted) {
      if (size !== 0) state.emittedReadable = false;
      return null;
    }
    const endedBefore = state.ended && !state.endEmitted;
    const chunk = super.read(size);
    // Node's read() of an ended stream (no _read call then) that leaves the queue empty has scheduled
    // endReadableNT, whichever of its paths it took, when asked for no size or 0 (a read(n) of exactly
    // what is left does not).
    this.#endTickPending = plain && endedBefore && state.length === 0 && !state.endEmitted;
    return chunk;
  }
  #endTickPending = false;

  /** @ignore Node's stream hook: a consumer wants more, so the connection may read the socket again. */
  override _read(_size: number): void {
    if (!this._consuming) {
      readableState(this).readingMore = false;
      this._consuming = true;
    }
    this[kResumeReading]?.();
  }

  /**
   * @ignore Node's stream hook, with Node's rules: a message destroyed before it ended is `'aborted'`,
   * and its connection is closed (the rest of the message would otherwise be read as the next one);
   * `'error'` is emitted only when someone listens for it.
   */
  override _destroy(error: Error | null, callback: ErrorCallback): void {
    if (!this.readableEnded || !this.complete) {
      this.aborted = true;
      this.emit("aborted");
    }
    const socket = this.socket;
    if (socket && !socket.destroyed && this.aborted && !this.complete) {
      socket.destroy(error ?? undefined);
      // As Node: the message closes once its socket has, so the connection reports the loss (a client
      // request's 'error') before the message's own 'error' and 'close'; `closed` is false until then.
      socket.once("close", () => callback(this.listenerCount("error") > 0 ? error : null));
      return;
    }
    callback(this.listenerCount("error") > 0 ? error : null);
  }
}

/**
 * Internal (connections): fills a new message from a parsed head.
 *
 * @example
 * ```ts ignore
 * const req = new IncomingMessage(socket);
 * receiveHead(req, head);
 * ```
 */
export function receiveHead(
  msg: IncomingMessage,
  head: RequestHead | ResponseHead,
  maxHeadersCount = 0,
): void {
  msg[kHead] = head;
  msg.rawHeaders = head.rawHeaders;
  // Node's `maxHeadersCount`: `headers` (and `headersDistinct`) hold the first fields only; `rawHeaders`
  // keeps them all (checked under node 20).
  if (maxHeadersCount > 0 && head.rawHeaders.length > maxHeadersCount * 2) {
    limitedFields.set(msg, head.rawHeaders.slice(0, maxHeadersCount * 2));
    msg[kHead] = undefined;
  }
  msg.httpVersionMajor = head.versionMajor;
  msg.httpVersionMinor = head.versionMinor;
  msg.httpVersion = head.versionMajor !== 1 ? "0.9" : head.versionMinor === 1 ? "1.1" : "1.0";
  if ("method" in head) {
    msg.method = head.method;
    msg.url = head.url;
    msg.upgrade = head.upgrade;
  } else {
    msg.statusCode = head.statusCode;
    msg.statusMessage = head.statusMessage;
  }
}

/**
 * Internal (connections): a body chunk arrived; the message keeps a `Buffer` view of it. Returns false
 * when the message's queue is full: stop reading the socket until {@linkcode kResumeReading} is called.
 */
export function receiveBody(msg: IncomingMessage, chunk: Uint8Array): boolean {
  if (msg.destroyed || chunk.byteLength === 0) return true;
  // Bun's sockets hand out Buffers, whose views stay Buffers: those need no wrapper (and reading `.buffer`
  // costs JavaScriptCore more than the check).
  return msg.push(
    chunk instanceof Buffer ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength),
  );
}

/** Internal (connections): the message is complete, with these trailers. */
export function receiveEnd(msg: IncomingMessage, rawTrailers: string[]): void {
  if (msg.destroyed || msg.complete) return;
  if (rawTrailers.length > 0) msg.rawTrailers = rawTrailers;
  msg.complete = true;
  msg.push(null);
}

/** Internal: whether anything started reading the body, as Node's `resOnFinish` asks it. */
export function readStarted(msg: IncomingMessage): boolean {
  // A standalone response may stand for any request-like object (Node's tests pass plain ones): no state.
  const state = readableState(msg) as ReadableStateFields | undefined;
  return msg._consuming || state?.resumeScheduled === true || msg.readableFlowing === true;
}

function distinct(raw: readonly string[]): Record<string, string[]> {
  const out: Record<string, string[]> = Object.create(null);
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    (out[name] ??= []).push(raw[i + 1]!);
  }
  return out;
}
