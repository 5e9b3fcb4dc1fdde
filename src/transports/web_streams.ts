/**
 * The generic transport: any `{ readable, writable }` byte-stream pair as a {@linkcode TransportConn}, for
 * runtimes that give sockets only as Web Streams (e.g. `connect()` from `cloudflare:sockets` on workerd).
 *
 * Theory of operation. A reader loop pulls chunks and pushes them to `onData`; while paused it stops
 * pulling, so the stream's own backpressure reaches the source. Stream chunks are fresh, so `onData`'s
 * return value needs no copy. Writes go to the stream writer one at a time; what arrives meanwhile is
 * queued and sent as one coalesced chunk when the write in flight settles. `end()` closes the writer once
 * the queue is empty; `destroy()` cancels the reader, aborts the writer and calls the pair's `close()`.
 * `onClose` fires once the reader loop has ended and the writer is closed or aborted, after `close()` has
 * been called and `closed` (when the pair has one) has settled.
 *
 * @module
 */

import type {
  ConnectTarget,
  Transport,
  TransportAddress,
  TransportConn,
  TransportConnectOptions,
  TransportHandler,
  TransportListener,
} from "../io/transport.ts";
import { SystemError, type TlsConnectOptions, type TransportTls } from "../io/transport.ts";
import { checkEdgeTls, EdgeTlsFacts } from "./_web_streams_tls.ts";
import { describeTarget, mapError } from "./_map_error.ts";
import { WriteQueue } from "./_write_queue.ts";
import { PauseGate } from "./_pause_gate.ts";

/**
 * A byte-stream connection as Web Streams, such as a `cloudflare:sockets` `Socket`. `close()` and `closed`
 * are used when present; `opened`, when present, is awaited by {@linkcode webStreamsTransport}'s
 * `connect` (so a refused connection rejects there) and by {@linkcode fromWebStreams} (reads and writes
 * wait for it; a rejection closes the connection with a `connect` error such as `ECONNREFUSED`).
 */
export interface WebStreamPair {
  /** Bytes from the peer. */
  readable: ReadableStream<Uint8Array>;
  /** Bytes to the peer. */
  writable: WritableStream<Uint8Array>;
  /** Releases the underlying connection. */
  close?(): unknown;
  /** Settles once the underlying connection is closed. */
  closed?: Promise<unknown>;
  /** Settles once the underlying connection is established (rejects if it could not be). */
  opened?: Promise<unknown>;
  /**
   * workerd's `socket.startTls()` (for a socket opened with `secureTransport: "starttls"`): the same
   * connection as a TLS pair; this one is spent.
   */
  startTls?(options?: { expectedServerHostname?: string }): WebStreamPair;
}

/**
 * What {@linkcode webStreamsTransport} asks of the `connect` function besides the target, in the names of
 * workerd's `connect(address, options)`: pass it through.
 */
export interface WebStreamConnectOptions {
  /**
   * `"on"`: a TLS connection (the runtime verifies the server with the hostname). `"starttls"`: plain
   * now, `startTls()` later (plain connections ask for this, so a CONNECT tunnel can carry TLS).
   */
  secureTransport: "on" | "starttls";
}

/** Addresses to report for a stream pair, which cannot tell them itself. */
export interface WebStreamInfo {
  /** The peer's address; defaults to an empty IPv4 address. */
  remote?: TransportAddress;
  /** Our address; defaults to an empty IPv4 address. */
  local?: TransportAddress;
  /** The TLS session facts, when the pair is encrypted. */
  tls?: TransportTls | undefined;
}

const UNKNOWN_ADDRESS: TransportAddress = { address: "", port: 0, family: "IPv4" };

function ignore(): void {}

class StreamConn implements TransportConn {
  readonly local: TransportAddress;
  readonly remote: TransportAddress;
  readonly tls: TransportTls | undefined;
  /** Present when the pair can start TLS (workerd's `startTls()`). */
  readonly startTls?: (options: TlsConnectOptions) => Promise<TransportConn>;
  readonly #pair: WebStreamPair;
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  #handler: TransportHandler | undefined;

  // Read side.
  readonly #gate = new PauseGate();
  #readDone = false;

  // Write side: one writer.write() in flight, the rest coalesced behind it.
  readonly #writes: WriteQueue;
  #ending = false;
  #writeDone = false;

  // Lifecycle.
  /** Settles once the pair's `opened` has (absent when the pair has none, or once it has settled). */
  #opening: Promise<void> | undefined;
  #destroyed = false;
  #finishing = false;
  #error: Error | undefined;

  constructor(pair: WebStreamPair, info: WebStreamInfo) {
    this.#pair = pair;
    this.local = info.local ?? UNKNOWN_ADDRESS;
    this.remote = info.remote ?? UNKNOWN_ADDRESS;
    this.tls = info.tls;
    if (pair.startTls !== undefined) this.startTls = (options) => this.#startTls(options);
    this.#reader = pair.readable.getReader();
    this.#writer = pair.writable.getWriter();
    const writer = this.#writer;
    // A socket handed over before it is open (workerd's `connect()` returns at once): reads and writes
    // wait for `opened`, so a refused connection fails as `connect ECONNREFUSED`, not as a write error.
    if (pair.opened !== undefined) {
      this.#opening = Promise.resolve(pair.opened).then(
        () => {
          this.#opening = undefined;
        },
        (error) => {
          this.#opening = undefined;
          if (!this.#destroyed) this.#fail(mapError(error, "connect"));
        },
      );
    }
    const send = (chunk: Uint8Array): Promise<void> => {
      try {
        return writer.write(chunk);
      } catch (error) {
        // Some runtimes throw instead of rejecting (e.g. a stream from another invocation's context).
        return Promise.reject(error);
      }
    };
    this.#writes = new WriteQueue(
      (chunk) => this.#opening ? this.#opening.then(() => send(chunk)) : send(chunk),
      {
        onDrain: () => this.#handler?.onDrain(),
        onIdle: () => {
          if (this.#destroyed) this.#maybeFinish();
          else if (this.#ending) this.#closeWriter();
        },
        onError: (error) => {
          if (!this.#destroyed) this.#fail(mapError(error, "write"));
        },
      },
    );
    // A failed writer shows up through the write and close promises; this only silences the rejection.
    this.#writer.closed.catch(ignore);
  }

  get bufferedAmount(): number {
    return this.#writes.buffered;
  }

  start(handler: TransportHandler): void {
    if (this.#handler !== undefined) throw new TypeError("Cannot start a transport connection twice");
    this.#handler = handler;
    if (this.#destroyed) {
      this.#readDone = true;
      queueMicrotask(() => this.#maybeFinish());
      return;
    }
    void this.#readLoop(handler);
  }

  async #readLoop(handler: TransportHandler): Promise<void> {
    const reader = this.#reader;
    if (this.#opening) await this.#opening;
    try {
      while (!this.#destroyed) {
        if (this.#gate.paused) {
          await this.#gate.wait();
          continue;
        }
        let result: ReadableStreamReadResult<Uint8Array>;
        try {
          result = await reader.read();
        } catch (error) {
          if (!this.#destroyed) this.#fail(mapError(error, "read"));
          break;
        }
        if (result.done) {
          if (!this.#destroyed) handler.onEnd();
          break;
        }
        while (this.#gate.paused && !this.#destroyed) await this.#gate.wait();
        if (this.#destroyed) break;
        const value = result.value;
        if (value.byteLength === 0) continue;
        // Node streams (Duplex.toWeb) hand out Buffers; the contract promises plain Uint8Arrays (a view).
        handler.onData(
          value.constructor === Uint8Array
            ? value
            : new Uint8Array(value.buffer, value.byteOffset, value.byteLength),
        );
      }
    } catch (error) {
      // The handler threw: the connection cannot be trusted any more.
      this.#fail(error instanceof Error ? error : new Error(String(error)));
    }
    this.#readDone = true;
    this.#maybeFinish();
  }

  /** The same connection as TLS; this one is spent (its streams go to the runtime's TLS socket). */
  async #startTls(options: TlsConnectOptions): Promise<TransportConn> {
    const name = options.servername ?? options.host ?? this.remote.address;
    // startTls() takes the name to expect (`expectedServerHostname`), so any servername is honoured.
    checkEdgeTls(options, name);
    if (this.#handler !== undefined && !this.#gate.paused) {
      throw new SystemError(
        "ERR_INVALID_STATE",
        "startTls() needs a connection that is not reading",
        "connect",
      );
    }
    // The runtime takes over the streams: stop using them without closing the connection.
    this.#destroyed = true;
    this.#readDone = true;
    this.#writeDone = true;
    this.#writes.stop();
    this.#reader.releaseLock();
    this.#writer.releaseLock();
    const next = this.#pair.startTls!({ expectedServerHostname: name });
    try {
      if (next.opened !== undefined) await next.opened;
    } catch (error) {
      throw mapError(error, "connect", name);
    }
    return new StreamConn(next, { remote: this.remote, local: this.local, tls: new EdgeTlsFacts(name) });
  }

  pause(): void {
    this.#gate.pause();
  }

  resume(): void {
    this.#gate.resume();
  }

  requestDrain(): void {
    this.#writes.requestDrain();
  }

  write(chunk: Uint8Array, transient = false): boolean {
    if (this.#ending || this.#destroyed) return false;
    return this.#writes.write(chunk, transient);
  }

  end(): void {
    if (this.#ending || this.#destroyed) return;
    this.#ending = true;
    if (!this.#writes.busy) this.#closeWriter();
  }

  #closeWriter(): void {
    this.#writer.close().then(this.#onWriterClosed, this.#onWriterCloseError);
  }

  readonly #onWriterClosed = (): void => {
    this.#writeDone = true;
    this.#maybeFinish();
  };

  readonly #onWriterCloseError = (error: unknown): void => {
    this.#writeDone = true;
    if (!this.#destroyed) this.#fail(mapError(error, "write"));
    this.#maybeFinish();
  };

  destroy(error?: Error): void {
    if (this.#destroyed) return;
    if (error !== undefined) this.#error ??= error;
    this.#teardown();
    this.#maybeFinish();
  }

  #fail(error: Error): void {
    this.#error ??= error;
    this.#teardown();
    this.#maybeFinish();
  }

  #teardown(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.#writes.stop();
    const reason = this.#error;
    if (!this.#readDone) {
      // Cancel, and do not wait for the read loop: a read pending from another context (workerd: a
      // finished invocation) never settles, and waiting for it would never report the close.
      this.#readDone = true;
      try {
        this.#reader.cancel(reason).catch(ignore);
      } catch {
        // Not cancellable from here; abandoned.
      }
    }
    if (!this.#writeDone) {
      this.#writeDone = true;
      try {
        this.#writer.abort(reason).catch(ignore);
      } catch {
        // Not abortable from here; abandoned.
      }
    }
    this.#gate.wake();
  }

  async #maybeFinish(): Promise<void> {
    if (this.#finishing || !this.#readDone || this.#writes.busy || !(this.#writeDone || this.#destroyed)) {
      return;
    }
    const handler = this.#handler;
    if (handler === undefined) return;
    this.#finishing = true;
    try {
      this.#pair.close?.();
    } catch {
      // Already closed.
    }
    // `closed` tells when the connection is really released. After a failure it may never settle (a
    // socket of another context), so the close is reported without it.
    if (this.#pair.closed !== undefined && this.#error === undefined) {
      try {
        await this.#pair.closed;
      } catch (error) {
        this.#error ??= mapError(error, "close");
      }
    }
    handler.onClose(this.#error);
  }

  setNoDelay(_noDelay: boolean): void {
    // Streams expose no socket options.
  }

  setKeepAlive(_enable: boolean, _initialDelayMs: number): void {
    // Streams expose no socket options.
  }
}

/**
 * Wraps a `{ readable, writable }` byte-stream pair as a {@linkcode TransportConn}.
 *
 * @example
 * ```ts
 * import { fromWebStreams } from "./web_streams.ts";
 * const loop = new TransformStream<Uint8Array, Uint8Array>();
 * const conn = fromWebStreams(loop);
 * conn.start({
 *   onData: (chunk) => (console.log(chunk.length), false),
 *   onEnd: () => {},
 *   onDrain: () => {},
 *   onClose: () => {},
 * });
 * conn.write(new Uint8Array(3));
 * conn.end();
 * ```
 */
export function fromWebStreams(pair: WebStreamPair, info: WebStreamInfo = {}): TransportConn {
  return new StreamConn(pair, info);
}

function targetAddress(target: ConnectTarget): TransportAddress {
  if ("path" in target) return { address: target.path, port: 0, family: "unix" };
  return {
    address: target.hostname,
    port: target.port,
    family: target.hostname.includes(":") ? "IPv6" : "IPv4",
  };
}

/**
 * A client-only transport over a function that opens stream pairs, such as `connect` from
 * `cloudflare:sockets`. `listen` rejects with `ERR_METHOD_NOT_IMPLEMENTED`.
 *
 * @example
 * ```ts ignore
 * import { connect } from "cloudflare:sockets";
 * import { webStreamsTransport } from "./web_streams.ts";
 * // `options` carries `secureTransport`: "on" for TLS, "starttls" for plain (a tunnel may start TLS).
 * const transport = webStreamsTransport((target, options) =>
 *   connect("path" in target ? target.path : { hostname: target.hostname, port: target.port }, options)
 * );
 * ```
 */
export function webStreamsTransport(
  connect: (
    target: ConnectTarget,
    options: WebStreamConnectOptions,
  ) => WebStreamPair | Promise<WebStreamPair>,
): Transport {
  return {
    name: "web-streams",
    listen(): Promise<TransportListener> {
      return Promise.reject(
        new SystemError(
          "ERR_METHOD_NOT_IMPLEMENTED",
          "Cannot listen with the web-streams transport: it only opens client connections",
          "listen",
        ),
      );
    },
    async connect(target: ConnectTarget, options?: TransportConnectOptions): Promise<TransportConn> {
      options?.signal?.throwIfAborted();
      const tls = options?.tls;
      const hostname = "path" in target ? target.path : target.hostname;
      // Before connecting: what the runtime cannot honour is refused, never silently dropped.
      if (tls !== undefined) checkEdgeTls(tls, hostname);
      if (options?.onKeylog !== undefined || options?.onSession !== undefined) {
        throw new SystemError(
          "ERR_FEATURE_UNAVAILABLE_ON_PLATFORM",
          "TLS over Web Streams sockets (workerd) cannot report key log lines or sessions",
          "connect",
        );
      }
      if (options?.localAddress !== undefined || options?.localPort !== undefined) {
        throw new SystemError(
          "ERR_FEATURE_UNAVAILABLE_ON_PLATFORM",
          "Web Streams sockets (workerd) cannot choose the local address or port",
          "connect",
        );
      }
      let pair: WebStreamPair;
      try {
        pair = await connect(target, { secureTransport: tls !== undefined ? "on" : "starttls" });
        if (pair.opened !== undefined) await pair.opened;
      } catch (error) {
        throw mapError(error, "connect", describeTarget(target));
      }
      return new StreamConn(pair, {
        remote: targetAddress(target),
        tls: tls !== undefined ? new EdgeTlsFacts(hostname) : undefined,
      });
    },
  };
}
