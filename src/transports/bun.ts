/**
 * The Bun transport: `Bun.listen`/`Bun.connect` socket callbacks turned into a {@linkcode TransportConn}.
 *
 * Accepting and connecting live here; one connection is `_bun_conn.ts`, TLS is `bun_tls.ts`.
 *
 * Theory of operation (of `_bun_conn.ts`). Bun already pushes: `data(socket, bytes)` hands a fresh buffer per call (verified
 * on Bun 1.4.5: every call gets its own `ArrayBuffer`), so `onData`'s return value needs no copy here.
 * `socket.write()` is synchronous and returns how many bytes the kernel took; the rest waits in our
 * queue until Bun calls `drain`. `pause()`/`resume()` map to `socket.pause()`/`socket.resume()`, which stop
 * reading from the kernel; bytes Bun had already read when `pause()` came are held and handed over on
 * `resume()`.
 *
 * Closing (verified on 1.4.5, with `allowHalfOpen: true` so Bun does not answer the peer's FIN with its
 * own): `socket.shutdown()` sends FIN and keeps reading; `socket.end()` closes both directions at once
 * (the peer sees FIN, then its `close`); `socket.terminate()` resets (the peer sees `ECONNRESET`). Bun
 * closes the socket by itself once both directions are shut, and when our FIN went first it reports the
 * peer's FIN through `close` without calling `end`, so we report `onEnd` ourselves then.
 *
 * Bun's API is typed structurally here (`*Like` interfaces) so `deno check` passes without Bun's types.
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
  TransportListener,
  TransportListenOptions,
} from "../io/transport.ts";
import { describeTarget, mapError } from "./_map_error.ts";
import { bindsLocal, connectFromLocal } from "./_node_net_client.ts";
import {
  bun,
  BunConn,
  type BunListenerLike,
  type BunSocketHandlerLike,
  type BunSocketLike,
  ipAddress,
} from "./_bun_conn.ts";
import { bunContextSwapper, bunServerTls, bunTlsAcceptor, connectTls, tlsServerHandlers } from "./bun_tls.ts";
import type { TlsCommonOptions } from "../io/transport.ts";
import { setSlabCarving } from "../io/_slab.ts";

// JavaScriptCore's small typed arrays cost less than views of a shared slab (see io/_slab.ts). Only where
// Bun runs: this module is loaded under Deno too.
if ((globalThis as { Bun?: unknown }).Bun !== undefined) setSlabCarving(false);

// ---- Listeners -----------------------------------------------------------------------------------------

class BunListener implements TransportListener {
  readonly address: TransportAddress;
  readonly #listener: BunListenerLike;
  #closed = false;

  constructor(
    listener: BunListenerLike,
    address: TransportAddress,
    swapContext?: (options: TlsCommonOptions) => void,
  ) {
    this.#listener = listener;
    this.address = address;
    if (swapContext !== undefined) this.setSecureContext = swapContext;
  }

  /** TLS listeners only (see `bunContextSwapper`). */
  readonly setSecureContext?: (options: TlsCommonOptions) => void;

  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#listener.stop(false);
    }
    return Promise.resolve();
  }
}

function listen(
  target: ListenTarget,
  onConnection: (conn: TransportConn) => void,
  options?: TransportListenOptions,
): Promise<TransportListener> {
  const unixAddress: TransportAddress | undefined = "path" in target
    ? { address: target.path, port: 0, family: "unix" }
    : undefined;
  const unix = unixAddress === undefined
    ? undefined
    : { local: unixAddress, remote: { address: "", port: 0, family: "unix" } as TransportAddress };
  let listener: BunListenerLike;
  try {
    const socket: BunSocketHandlerLike = options?.tls === undefined
      ? {
        ...BunConn.handlers,
        open(socket: BunSocketLike): void {
          onConnection(new BunConn(socket, unix));
        },
      }
      : tlsServerHandlers(bunTlsAcceptor(options.tls, onConnection, options), unix);
    const tls = options?.tls === undefined ? {} : { tls: bunServerTls(options.tls) };
    if ("path" in target) {
      listener = bun().listen({ unix: target.path, allowHalfOpen: true, socket, ...tls });
    } else {
      const { hostname, port, reusePort } = target;
      listener = bun().listen(
        reusePort === undefined
          ? { hostname, port, allowHalfOpen: true, socket, ...tls }
          : { hostname, port, reusePort, allowHalfOpen: true, socket, ...tls },
      );
    }
  } catch (error) {
    return Promise.reject(mapError(error, "listen", describeTarget(target)));
  }
  const address = unixAddress ??
    ipAddress(listener.hostname ?? (target as { hostname: string }).hostname, listener.port);
  const tls = options?.tls;
  return Promise.resolve(
    new BunListener(listener, address, tls === undefined ? undefined : bunContextSwapper(listener, tls)),
  );
}

/** Client sockets: `open` wraps the socket before `Bun.connect` resolves, so no early byte is lost. */
const CLIENT_TCP_HANDLERS: BunSocketHandlerLike = {
  ...BunConn.handlers,
  open(socket: BunSocketLike): void {
    new BunConn(socket);
  },
};

async function connect(target: ConnectTarget, options?: TransportConnectOptions): Promise<TransportConn> {
  // Bun.connect cannot choose the local end; Bun's node:net can.
  if (bindsLocal(options)) return connectFromLocal(target, options!);
  const signal = options?.signal;
  signal?.throwIfAborted();
  if (options?.tls !== undefined) {
    return connectTls(
      target,
      options.tls,
      signal,
      (e: unknown) => mapError(e, "connect", describeTarget(target)),
      { onKeylog: options.onKeylog, onSession: options.onSession },
    );
  }
  let opening: Promise<BunSocketLike>;
  try {
    if ("path" in target) {
      const unix = {
        local: { address: "", port: 0, family: "unix" } as TransportAddress,
        remote: { address: target.path, port: 0, family: "unix" } as TransportAddress,
      };
      opening = bun().connect({
        unix: target.path,
        allowHalfOpen: true,
        socket: {
          ...BunConn.handlers,
          open(socket: BunSocketLike): void {
            new BunConn(socket, unix);
          },
        },
      });
    } else {
      opening = bun().connect({
        hostname: target.hostname,
        port: target.port,
        allowHalfOpen: true,
        socket: CLIENT_TCP_HANDLERS,
      });
    }
  } catch (error) {
    throw mapError(error, "connect", describeTarget(target));
  }
  let socket: BunSocketLike;
  try {
    socket = signal === undefined ? await opening : await abortable(opening, signal);
  } catch (error) {
    signal?.throwIfAborted();
    throw mapError(error, "connect", describeTarget(target));
  }
  return socket.data as BunConn;
}

/** Rejects with the signal's reason on abort; a socket that opens after that is reset. */
function abortable(opening: Promise<BunSocketLike>, signal: AbortSignal): Promise<BunSocketLike> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      reject(signal.reason);
      opening.then((socket) => socket.terminate(), () => {});
    };
    signal.addEventListener("abort", onAbort, { once: true });
    opening.then(
      (socket) => {
        signal.removeEventListener("abort", onAbort);
        resolve(socket);
      },
      (error) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

/**
 * The transport for Bun: TCP and unix sockets through `Bun.listen` and `Bun.connect`.
 *
 * @example
 * ```ts ignore
 * import { bunTransport } from "./bun.ts";
 * const listener = await bunTransport.listen({ port: 0, hostname: "127.0.0.1" }, (conn) => conn.destroy());
 * console.log(listener.address.port > 0); // true
 * await listener.close();
 * ```
 */
export const bunTransport: Transport = {
  name: "bun",
  // Bun's sockets report key log lines, resume sessions and choose certificates per SNI name (1.4.5).
  tlsFeatures: { keylog: true, sessionResumption: true, sni: true },
  listen,
  connect,
};
