/**
 * The Deno transport: `Deno.listen`/`Deno.connect` turned into the push-style {@linkcode TransportConn}.
 *
 * Theory of operation. Reading is one async loop per connection that calls `conn.read()` into a reused
 * buffer (2 KiB while quiet, a 64 KiB slab while busy: `_read_buffers.ts`) and hands `onData` a view of
 * it; a fresh buffer is allocated only when the consumer says it kept the view. `pause()` makes the loop wait on a promise before its next read, so the kernel's
 * receive window pushes back on the peer. Writing starts `conn.write()` at once when nothing is in flight
 * and otherwise queues; when a write completes, everything queued meanwhile goes out as one coalesced
 * buffer (one syscall for a burst of pipelined responses). `conn.read`/`conn.write` are used instead of
 * `conn.readable`/`conn.writable` because they measured twice as fast (see DESIGN.md).
 *
 * Closing. The resource is closed when the read loop has seen EOF and our write side is shut (`end()`
 * flushed and `closeWrite()` done), or at once on `destroy()` or an I/O error. `onClose` fires after the
 * resource is closed and every op we started (read, write, closeWrite) has settled, so Deno's op and
 * resource sanitizers find nothing left behind.
 *
 * @module
 */

import type {
  ConnectTarget,
  ListenTarget,
  Transport,
  TransportAddress,
  TransportConn,
  TransportConnectOptions,
  TransportHandler,
  TransportListener,
  TransportListenOptions,
} from "../io/transport.ts";
import { SystemError } from "../io/transport.ts";
import { describeTarget, errorCode, isClosedError, mapError } from "./_map_error.ts";
import { WriteQueue } from "./_write_queue.ts";
import { PauseGate } from "./_pause_gate.ts";
import { ReadBuffers } from "./_read_buffers.ts";
import { connectTls, listenTls } from "./deno_tls.ts";
import { bindsLocal, connectFromLocal } from "./_node_net_client.ts";
import { setTimerUnref } from "../io/_idle_timer.ts";

// Deno's setTimeout returns a number; socket idle timers are unref'd through Deno.unrefTimer (as Node's
// socket timers never hold the process open). Only where Deno runs: this module is loaded under Bun too.
const denoTimers = (globalThis as { Deno?: { unrefTimer?: (id: number) => void } }).Deno;
if (typeof denoTimers?.unrefTimer === "function") setTimerUnref((id) => denoTimers.unrefTimer!(id));

/** Pause before accepting again after an unexpected `accept()` error (e.g. EMFILE), so it cannot spin. */
const ACCEPT_RETRY_MS = 50;

/** Accept errors that concern one incoming connection only; the listener carries on at once. */
const TRANSIENT_ACCEPT_CODES = new Set(["ECONNABORTED", "ECONNRESET", "EAGAIN", "ECANCELED", "EINTR"]);

// ---- The parts of the Deno namespace this adapter uses ---------------------------------------------------

interface DenoAddrLike {
  readonly transport: string;
  readonly hostname?: string;
  readonly port?: number;
  readonly path?: string | null;
}

interface DenoConnLike {
  readonly localAddr: DenoAddrLike;
  readonly remoteAddr: DenoAddrLike;
  read(buffer: Uint8Array): Promise<number | null>;
  write(bytes: Uint8Array): Promise<number>;
  closeWrite(): Promise<void>;
  close(): void;
  setNoDelay?(noDelay?: boolean): void;
  setKeepAlive?(keepAlive?: boolean): void;
  ref?(): void;
  unref?(): void;
}

interface DenoListenerLike {
  readonly addr: DenoAddrLike;
  accept(): Promise<DenoConnLike>;
  close(): void;
}

interface DenoLike {
  /** Present only under `--unstable-net`; used to tell whether `reusePort` may be passed. */
  readonly listenDatagram?: unknown;
  listen(
    options: { port: number; hostname: string; reusePort?: boolean } | { transport: "unix"; path: string },
  ): DenoListenerLike;
  connect(
    options: { hostname: string; port: number; signal?: AbortSignal } | { transport: "unix"; path: string },
  ): Promise<DenoConnLike>;
}

function deno(): DenoLike {
  return (globalThis as unknown as { Deno: DenoLike }).Deno;
}

// ---- Connections ---------------------------------------------------------------------------------------

function toAddress(addr: DenoAddrLike): TransportAddress {
  if (addr.transport === "unix") return { address: addr.path ?? "", port: 0, family: "unix" };
  const hostname = addr.hostname ?? "";
  return { address: hostname, port: addr.port ?? 0, family: hostname.includes(":") ? "IPv6" : "IPv4" };
}

class DenoConn implements TransportConn {
  readonly #conn: DenoConnLike;
  #local: TransportAddress | undefined;
  #remote: TransportAddress | undefined;
  #handler: TransportHandler | undefined;

  // Read side.
  readonly #gate = new PauseGate();
  #readDone = false;

  // Write side: one conn.write() in flight, the rest coalesced behind it.
  readonly #writes: WriteQueue;
  #ending = false;
  #shutting = false;
  #writeClosed = false;

  // Lifecycle.
  #closed = false;
  #finished = false;
  #error: Error | undefined;

  constructor(conn: DenoConnLike, local?: TransportAddress, remote?: TransportAddress) {
    this.#conn = conn;
    this.#writes = new WriteQueue((chunk) => conn.write(chunk), {
      onDrain: () => this.#handler?.onDrain(),
      onIdle: () => {
        if (this.#closed) this.#maybeFinish();
        else if (this.#ending) this.#shutdown();
      },
      onError: (error) => {
        if (this.#closed) return;
        this.#error ??= mapError(error, "write");
        this.#close();
      },
    });
    this.#local = local;
    this.#remote = remote;
  }

  get local(): TransportAddress {
    return this.#local ??= toAddress(this.#conn.localAddr);
  }

  get remote(): TransportAddress {
    return this.#remote ??= toAddress(this.#conn.remoteAddr);
  }

  get bufferedAmount(): number {
    return this.#writes.buffered;
  }

  start(handler: TransportHandler): void {
    if (this.#handler !== undefined) throw new TypeError("Cannot start a transport connection twice");
    this.#handler = handler;
    if (this.#closed) {
      // Destroyed before it was started: there is no read loop to wait for.
      this.#readDone = true;
      queueMicrotask(() => this.#maybeFinish());
      return;
    }
    void this.#readLoop(handler);
  }

  async #readLoop(handler: TransportHandler): Promise<void> {
    const conn = this.#conn;
    // Small buffer while quiet, 64 KiB slab while busy: see _read_buffers.ts.
    const buffers = new ReadBuffers();
    try {
      while (!this.#closed) {
        if (this.#gate.paused) {
          await this.#gate.wait();
          continue;
        }
        let n: number | null;
        try {
          n = await conn.read(buffers.next);
        } catch (error) {
          if (!(this.#closed && isClosedError(error))) this.#error ??= mapError(error, "read");
          break;
        }
        if (n === null) {
          if (!this.#closed) handler.onEnd();
          break;
        }
        // A read that was already in flight when pause() came holds its bytes until resume().
        while (this.#gate.paused && !this.#closed) await this.#gate.wait();
        if (this.#closed) break;
        const buffer = buffers.next;
        buffers.settle(n, handler.onData(n === buffer.byteLength ? buffer : buffer.subarray(0, n)));
        // Request/response traffic: let the answer go out before reading the next request. One
        // microtask turn first, so a response written from a queued callback (a body's 'end') counts.
        if (this.#alternate) {
          await null;
          if (this.#writes.busy) await this.#writes.idle();
        }
      }
    } catch (error) {
      // The handler threw: the connection cannot be trusted any more.
      this.#error ??= error instanceof Error ? error : new Error(String(error));
    }
    this.#readDone = true;
    if (this.#error !== undefined || this.#writeClosed) this.#close();
    this.#maybeFinish();
  }

  alternate(on: boolean): void {
    this.#alternate = on;
  }

  #alternate = false;

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
    if (this.#ending || this.#closed) return false;
    return this.#writes.write(chunk, transient);
  }

  end(): void {
    if (this.#ending || this.#closed) return;
    this.#ending = true;
    if (!this.#writes.busy) this.#shutdown();
  }

  #shutdown(): void {
    if (this.#shutting || this.#writeClosed) return;
    this.#shutting = true;
    this.#conn.closeWrite().then(this.#onShutdown, this.#onShutdown);
  }

  // A failed closeWrite (ENOTCONN after a reset, say) still leaves nothing more to send.
  readonly #onShutdown = (): void => {
    this.#shutting = false;
    this.#writeClosed = true;
    if (this.#readDone) this.#close();
    this.#maybeFinish();
  };

  destroy(error?: Error): void {
    if (this.#closed) return;
    if (error !== undefined) this.#error ??= error;
    this.#writes.stop();
    this.#close();
    this.#maybeFinish();
  }

  /** Closes the resource; pending ops then reject, which ends the read loop and in-flight writes. */
  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#conn.close();
    } catch {
      // Already closed.
    }
    this.#gate.wake();
  }

  #maybeFinish(): void {
    if (
      this.#finished || !this.#closed || !this.#readDone || this.#writes.busy || this.#shutting
    ) return;
    const handler = this.#handler;
    if (handler === undefined) return;
    this.#finished = true;
    handler.onClose(this.#error);
  }

  setNoDelay(noDelay: boolean): void {
    if (this.#closed) return;
    this.#conn.setNoDelay?.(noDelay);
  }

  setKeepAlive(enable: boolean, _initialDelayMs: number): void {
    // Deno exposes no way to set the initial delay; the system default applies.
    if (this.#closed) return;
    this.#conn.setKeepAlive?.(enable);
  }

  unref(): void {
    this.#refWish(true);
  }

  ref(): void {
    this.#refWish(false);
  }

  // A pool unrefs a socket when its response ends and refs it again when the next request takes it, most
  // often in the same turn of the event loop; on Deno each change is an op on the pending read (measured:
  // about 4% of a keep-alive client's CPU). Liveness matters only once the loop runs out of work, so
  // Deno.Conn hears the wish once this turn's microtasks ran, and only if it still differs. (Bun's
  // ref/unref are plain flags: its adapter applies them at once.)
  #unrefWanted = false;
  #unrefApplied = false;
  #refQueued = false;

  #refWish(unref: boolean): void {
    this.#unrefWanted = unref;
    if (this.#refQueued || this.#closed) return;
    this.#refQueued = true;
    queueMicrotask(
      this.#applyRefWish ??= () => {
        this.#refQueued = false;
        if (this.#closed || this.#unrefWanted === this.#unrefApplied) return;
        this.#unrefApplied = this.#unrefWanted;
        // Deno.Conn's own: its pending read no longer (or again) keeps the event loop alive.
        if (this.#unrefWanted) this.#conn.unref?.();
        else this.#conn.ref?.();
      },
    );
  }

  /** Made on the first ref()/unref() (servers never call them): one closure per connection at most. */
  #applyRefWish: (() => void) | undefined;
}

// ---- Listeners -----------------------------------------------------------------------------------------

class DenoListener implements TransportListener {
  readonly address: TransportAddress;
  readonly #listener: DenoListenerLike;
  readonly #loop: Promise<void>;
  #closed = false;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #retryWake: (() => void) | undefined;

  constructor(listener: DenoListenerLike, onConnection: (conn: TransportConn) => void) {
    this.#listener = listener;
    this.address = toAddress(listener.addr);
    this.#loop = this.#acceptLoop(onConnection);
  }

  async #acceptLoop(onConnection: (conn: TransportConn) => void): Promise<void> {
    const listener = this.#listener;
    // Accepted unix connections all share the listener's path as their local address.
    const local = this.address.family === "unix" ? this.address : undefined;
    while (!this.#closed) {
      let conn: DenoConnLike;
      try {
        conn = await listener.accept();
      } catch (error) {
        if (this.#closed || errorCode(error) === "EBADF") return;
        if (!TRANSIENT_ACCEPT_CODES.has(errorCode(error))) await this.#backOff();
        continue;
      }
      onConnection(new DenoConn(conn, local));
    }
  }

  #backOff(): Promise<void> {
    return new Promise((resolve) => {
      this.#retryWake = resolve;
      this.#retryTimer = setTimeout(resolve, ACCEPT_RETRY_MS);
    });
  }

  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      try {
        this.#listener.close();
      } catch {
        // Already closed.
      }
      clearTimeout(this.#retryTimer);
      this.#retryWake?.();
    }
    await this.#loop;
  }
}

// ---- The transport -------------------------------------------------------------------------------------

function listen(
  target: ListenTarget,
  onConnection: (conn: TransportConn) => void,
  options?: TransportListenOptions,
): Promise<TransportListener> {
  if (options?.tls !== undefined) return listenTls(target, onConnection, { ...options, tls: options.tls });
  let listener: DenoListenerLike;
  try {
    if ("path" in target) {
      listener = deno().listen({ transport: "unix", path: target.path });
    } else {
      const { port, hostname, reusePort } = target;
      if (reusePort === true && deno().listenDatagram === undefined) {
        // Without --unstable-net, Deno 2.9 exits the whole process on `reusePort: true` (exit code 70)
        // instead of throwing. `Deno.listenDatagram` exists exactly when that flag is on.
        return Promise.reject(
          new SystemError(
            "ERR_FEATURE_UNAVAILABLE_ON_PLATFORM",
            "Cannot listen with reusePort on Deno without the --unstable-net flag",
            "listen",
          ),
        );
      }
      listener = deno().listen(reusePort === true ? { port, hostname, reusePort } : { port, hostname });
    }
  } catch (error) {
    return Promise.reject(mapError(error, "listen", describeTarget(target)));
  }
  return Promise.resolve(new DenoListener(listener, onConnection));
}

async function connect(target: ConnectTarget, options?: TransportConnectOptions): Promise<TransportConn> {
  // Deno.connect cannot choose the local end; Deno's node:net can.
  if (bindsLocal(options)) return connectFromLocal(target, options!);
  const signal = options?.signal;
  if (options?.tls !== undefined) {
    return connectTls(target, options.tls, signal, {
      onKeylog: options.onKeylog,
      onSession: options.onSession,
    });
  }
  signal?.throwIfAborted();
  let conn: DenoConnLike;
  try {
    if ("path" in target) {
      conn = await deno().connect({ transport: "unix", path: target.path });
    } else {
      const { hostname, port } = target;
      conn = await deno().connect(signal === undefined ? { hostname, port } : { hostname, port, signal });
    }
  } catch (error) {
    signal?.throwIfAborted();
    throw mapError(error, "connect", describeTarget(target));
  }
  if (signal?.aborted) {
    conn.close();
    signal.throwIfAborted();
  }
  if ("path" in target) {
    return new DenoConn(conn, { address: "", port: 0, family: "unix" }, {
      address: target.path,
      port: 0,
      family: "unix",
    });
  }
  return new DenoConn(conn);
}

/**
 * The transport for Deno: TCP and unix sockets through `Deno.listen` and `Deno.connect`.
 *
 * @example
 * ```ts ignore
 * import { denoTransport } from "./deno.ts";
 * const listener = await denoTransport.listen({ port: 0, hostname: "127.0.0.1" }, (conn) => conn.destroy());
 * console.log(listener.address.port > 0); // true
 * await listener.close();
 * ```
 */
export const denoTransport: Transport = {
  name: "deno",
  // Deno's node:tls has SNICallback and setSecureContext, but neither key logs nor resumption (2.9.6).
  tlsFeatures: { keylog: false, sessionResumption: false, sni: true },
  listen,
  connect,
};
