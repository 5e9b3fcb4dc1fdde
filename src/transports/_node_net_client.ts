/**
 * A TCP (or TLS) client bound to a local address, through the runtime's `node:net`/`node:tls`: neither
 * `Deno.connect` nor `Bun.connect` can choose the local end, and both runtimes' `node:net` can (checked on
 * Deno 2.9.6 and Bun 1.4.5: the server sees `127.0.0.2` for `localAddress: "127.0.0.2"`). Only connections
 * that ask for `localAddress`/`localPort` come here; the others keep the runtimes' faster native sockets.
 *
 * @module
 */

import type { ConnectTarget, TransportConn, TransportConnectOptions } from "../io/transport.ts";
import { describeTarget, mapError } from "./_map_error.ts";
import { NodeSocketConn, type NodeSocketLike } from "./_node_socket_conn.ts";
import { connectNodeTls } from "./_node_tls_client.ts";
import { connected } from "./_node_connected.ts";

/** Whether a connect asks to choose its local end. */
export function bindsLocal(options: TransportConnectOptions | undefined): boolean {
  return options?.localAddress !== undefined || options?.localPort !== undefined;
}

/** `node:net` as far as this file uses it. */
interface NodeNetLike {
  connect(options: Record<string, unknown>): NodeSocketLike & {
    once(event: string, listener: (...args: never[]) => void): unknown;
    removeListener(event: string, listener: (...args: never[]) => void): unknown;
  };
}

let loading: Promise<NodeNetLike> | undefined;

/** `node:net`, imported once; the specifier is computed so it stays out of the main entry's module graph. */
function loadNodeNet(): Promise<NodeNetLike> {
  const specifier = ["node", "net"].join(":");
  return loading ??= import(specifier).then((m: { default?: NodeNetLike } & NodeNetLike) => m.default ?? m);
}

/** Connects from `options.localAddress`/`localPort` to a host and port, with TLS when `options.tls` is set. */
export async function connectFromLocal(
  target: ConnectTarget,
  options: TransportConnectOptions,
): Promise<TransportConn> {
  if ("path" in target) {
    throw mapError(
      Object.assign(new Error("localAddress/localPort apply to TCP, not to a unix socket"), {
        code: "EINVAL",
      }),
      "connect",
      describeTarget(target),
    );
  }
  const local = { localAddress: options.localAddress, localPort: options.localPort };
  if (options.tls !== undefined) {
    return connectNodeTls({ ...target, ...local }, options.tls, options.signal, {
      onKeylog: options.onKeylog,
      onSession: options.onSession,
    });
  }
  const net = await loadNodeNet();
  const signal = options.signal;
  signal?.throwIfAborted();
  const socket = net.connect({
    host: target.hostname,
    port: target.port,
    ...local,
    allowHalfOpen: true,
    noDelay: true,
  });
  await connected(socket, "connect", signal, (error) => mapError(error, "connect", describeTarget(target)));
  return new NodeSocketConn(socket);
}
