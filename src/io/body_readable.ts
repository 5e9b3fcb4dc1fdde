/**
 * The readable half of a message body, shaped like a Node `Readable` in flowing/paused modes, and also a
 * Web `ReadableStream` (`body`) and an async iterable over the same bytes.
 *
 * Theory of operation: the connection pushes body chunks with `push()` and calls `finish()` at the end.
 * Chunks wait in a queue until someone consumes them: `'data'` listeners (flowing mode), the async
 * iterator, `body`, or `pipe()`. When the queue holds more than {@linkcode BODY_HIGH_WATER_MARK} bytes,
 * or the consumer paused, `onWantMore(false)` tells the connection to stop reading the socket; it is
 * called with `true` once the queue drains. So a paused body keeps at most one socket read beyond the
 * mark in memory, whatever the peer sends.
 *
 * @module
 */

import { EventEmitter, type EventMap } from "./emitter.ts";
import { StringDecoder } from "./_bytes.ts";

/** Queue size above which the socket stops being read (Node's `readableHighWaterMark` for sockets). */
export const BODY_HIGH_WATER_MARK = 64 * 1024;

/** Events every body emits. */
export interface BodyEvents extends EventMap {
  /** A chunk of the body (a string after `setEncoding`). */
  data: [chunk: Uint8Array | string];
  /** The whole body was consumed. Emitted once. */
  end: [];
  /** The body or its connection failed; `err.code` says why (`ECONNRESET` when the peer went away). */
  error: [err: Error & { code?: string }];
  /** The body is done with: after `'end'`, or after an abort/destroy. */
  close: [];
  /** Node's legacy event: the peer went away before the body was complete. */
  aborted: [];
  /** The body was paused. */
  pause: [];
  /** The body was resumed. */
  resume: [];
}

/** Anything `pipe()` can write into (a `ServerResponse`, a `ClientRequest`, a `Socket`). */
export interface PipeDestination {
  /** Takes a chunk; `false` means wait for `'drain'`. */
  write(chunk: Uint8Array | string): boolean;
  /** Ends the destination after the last chunk. */
  end(): unknown;
  /** Registers a one-time `'drain'` listener. */
  once(event: "drain", listener: () => void): unknown;
}

/**
 * A message body being received.
 *
 * @example
 * ```ts ignore
 * import { createServer } from "@wire/http";
 * createServer(async (req, res) => {
 *   let size = 0;
 *   for await (const chunk of req) size += chunk.length;
 *   res.end(`got ${size} bytes`);
 * });
 * ```
 */
export class BodyReadable<E extends BodyEvents = BodyEvents> extends EventEmitter<E> {
  /** True once the whole body arrived. */
  complete = false;
  /** True once `'end'` was emitted. */
  readableEnded = false;
  /** True once destroyed (aborted or `destroy()`ed). */
  destroyed = false;
  /** True when the peer went away before the body was complete. */
  aborted = false;
  /** Internal: told whether the connection should keep reading the socket for this body. */
  onWantMore: ((wantMore: boolean) => void) | undefined;

  #queue: Uint8Array[] = [];
  #queued = 0;
  /** null: nobody consumes yet; true: flowing; false: explicitly paused. */
  #flowing: boolean | null = null;
  #decoder: StringDecoder | undefined;
  #wantMore = true;
  #waiter: (() => void) | undefined;
  #error: Error | undefined;
  #stream: ReadableStream<Uint8Array> | undefined;
  #endScheduled = false;
  #iterating = false;

  /** Bytes waiting to be consumed. */
  get readableLength(): number {
    return this.#queued;
  }

  /** Whether `'data'` events are flowing. */
  get readableFlowing(): boolean | null {
    return this.#flowing;
  }

  /** Whether the body can still be read. */
  get readable(): boolean {
    return !this.readableEnded && !this.destroyed;
  }

  /** Decodes `'data'` chunks as strings: `utf8`, `latin1`/`binary`, `ascii`, `base64`, `hex`, `utf16le`. */
  setEncoding(encoding: string): this {
    this.#decoder = new StringDecoder(encoding);
    return this;
  }

  /** Stops `'data'` events; the connection stops reading once the queue fills. */
  pause(): this {
    if (this.#flowing !== false) {
      this.#flowing = false;
      this.emit("pause" as never, ...([] as never));
    }
    this.#updateWant();
    return this;
  }

  /** Starts or restarts `'data'` events. */
  resume(): this {
    if (this.#flowing !== true) {
      this.#flowing = true;
      this.emit("resume" as never, ...([] as never));
    }
    this.#flush();
    return this;
  }

  /** Whether `pause()` is in effect. */
  isPaused(): boolean {
    return this.#flowing === false;
  }

  /** Reads the whole body (or what is left) as bytes. */
  async bytes(): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of this.#chunks()) {
      parts.push(chunk);
      size += chunk.byteLength;
    }
    if (parts.length === 1) return parts[0]!;
    const out = new Uint8Array(size);
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.byteLength;
    }
    return out;
  }

  /** Reads the whole body as UTF-8 text. */
  async text(): Promise<string> {
    return new TextDecoder().decode(await this.bytes());
  }

  /**
   * Writes the body into `destination` with backpressure (pauses while `write()` returns false, resumes
   * on `'drain'`) and calls `destination.end()` at the end unless `{ end: false }`.
   */
  pipe<T extends PipeDestination>(destination: T, options: { end?: boolean } = {}): T {
    this.on("data", (chunk) => {
      if (!destination.write(chunk)) {
        this.pause();
        destination.once("drain", () => this.resume());
      }
    });
    if (options.end !== false) this.once("end", () => destination.end());
    return destination;
  }

  /** Discards the rest of the body, reading it off the connection so the connection can be reused. */
  dump(): void {
    this.#queue = [];
    this.#queued = 0;
    this.on("data", noop);
    this.resume();
  }

  /** Destroys the body; the connection it came on is told to stop (see subclasses). */
  destroy(error?: Error): this {
    if (this.destroyed) return this;
    this.destroyed = true;
    this.#queue = [];
    this.#queued = 0;
    if (error) this.#error = error;
    this.#wake();
    queueMicrotask(() => {
      if (error && this.listenerCount("error") > 0) this.emit("error" as never, ...([error] as never));
      this.emit("close" as never, ...([] as never));
    });
    this.destroyImpl(error);
    return this;
  }

  /** Body bytes as a Web `ReadableStream` (pull-based: backpressure reaches the socket). */
  get body(): ReadableStream<Uint8Array> {
    if (this.#stream) return this.#stream;
    const iterator = this.#chunks();
    this.#stream = new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        try {
          const { value, done } = await iterator.next();
          if (done) controller.close();
          else controller.enqueue(value);
        } catch (err) {
          controller.error(err);
        }
      },
      cancel: () => {
        this.dump();
      },
    }, { highWaterMark: 0 });
    return this.#stream;
  }

  /** Iterates the body's chunks (strings after `setEncoding`). */
  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array | string> {
    const decoder = this.#decoder;
    for await (const chunk of this.#chunks()) {
      if (!decoder) yield chunk;
      else {
        const text = decoder.write(chunk);
        if (text) yield text;
      }
    }
    if (decoder) {
      const rest = decoder.end();
      if (rest) yield rest;
    }
  }

  /** Internal (connection side): a body chunk arrived. The body keeps `chunk`. */
  push(chunk: Uint8Array): void {
    if (this.destroyed || chunk.byteLength === 0) return;
    if (this.#flowing === true && this.#queue.length === 0) {
      this.#emitData(chunk);
      return;
    }
    this.#queue.push(chunk);
    this.#queued += chunk.byteLength;
    this.#wake();
    this.#updateWant();
  }

  /** Internal (connection side): the body is complete. */
  finish(): void {
    if (this.destroyed || this.complete) return;
    this.complete = true;
    this.#wake();
    this.#maybeEnd();
  }

  /** Internal (connection side): the connection failed before the body was complete. */
  abort(error: Error): void {
    if (this.complete || this.destroyed) return;
    this.aborted = true;
    this.emit("aborted" as never, ...([] as never));
    this.destroy(error);
  }

  /**
   * Internal (connection side): the connection died while this message was still open, as Node's
   * `abortIncoming`: `'aborted'` now (unless the body already ended), and the caller destroys it with the
   * error afterwards, once the response has heard of it. Returns whether the message was still open.
   */
  markAborted(): boolean {
    if (this.readableEnded || this.destroyed) return false;
    this.aborted = true;
    this.emit("aborted" as never, ...([] as never));
    return true;
  }

  /**
   * Whether anything started reading the body (`'data'` listener, `resume()`, `pause()`, iteration or
   * `body`): a body nobody reads is discarded once its response finishes, as Node's `resOnFinish` does.
   */
  get readStarted(): boolean {
    return this.#flowing !== null || this.#iterating;
  }

  /** Hook for subclasses: release what `destroy()` should release. */
  protected destroyImpl(_error: Error | undefined): void {}

  /** @ignore Internal hook, for the package's own layers. */
  protected override listenerAdded(event: string | symbol): void {
    // Node: adding a 'data' listener switches to flowing mode unless paused explicitly.
    if (event === "data" && this.#flowing !== false) this.resume();
  }

  async *#chunks(): AsyncGenerator<Uint8Array> {
    if (this.#flowing === true) throw new Error("Cannot iterate a body that is already flowing to 'data'");
    this.#flowing = false;
    this.#iterating = true;
    this.#updateWant();
    while (true) {
      if (this.#queue.length > 0) {
        const chunk = this.#queue.shift()!;
        this.#queued -= chunk.byteLength;
        this.#updateWant();
        yield chunk;
        continue;
      }
      if (this.#error) throw this.#error;
      if (this.destroyed) return;
      if (this.complete) {
        this.#maybeEnd(true);
        return;
      }
      await new Promise<void>((resolve) => (this.#waiter = resolve));
    }
  }

  #emitData(chunk: Uint8Array): void {
    const decoder = this.#decoder;
    if (!decoder) this.emit("data" as never, ...([chunk] as never));
    else {
      const text = decoder.write(chunk);
      if (text) this.emit("data" as never, ...([text] as never));
    }
  }

  #flush(): void {
    while (this.#flowing === true && this.#queue.length > 0 && !this.destroyed) {
      const chunk = this.#queue.shift()!;
      this.#queued -= chunk.byteLength;
      this.#emitData(chunk);
    }
    this.#updateWant();
    this.#maybeEnd();
  }

  #maybeEnd(pulled = false): void {
    if (!this.complete || this.readableEnded || this.#queue.length > 0 || this.#endScheduled) return;
    if (this.#flowing !== true && !pulled) return;
    this.#endScheduled = true;
    // Like Node, 'end' comes asynchronously after the last 'data', so listeners added in the same tick
    // as the last chunk still see it.
    queueMicrotask(() => {
      if (this.destroyed) return;
      if (this.#decoder && !pulled) {
        const rest = this.#decoder.end();
        if (rest) this.emit("data" as never, ...([rest] as never));
      }
      this.readableEnded = true;
      this.emit("end" as never, ...([] as never));
      this.emit("close" as never, ...([] as never));
    });
  }

  #updateWant(): void {
    // Read on while someone consumes (or nobody has said yet) and the queue is below the mark.
    const want = !this.destroyed && this.#queued < BODY_HIGH_WATER_MARK &&
      (this.#flowing !== false || this.#iterating);
    if (want !== this.#wantMore) {
      this.#wantMore = want;
      this.onWantMore?.(want);
    }
  }

  #wake(): void {
    const w = this.#waiter;
    if (w) {
      this.#waiter = undefined;
      w();
    }
  }
}

function noop(): void {}
