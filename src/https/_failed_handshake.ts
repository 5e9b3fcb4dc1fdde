/**
 * The socket `'tlsClientError'` and `'clientError'` carry for a handshake that failed. Node hands its
 * listeners the `TLSSocket` of the failed handshake; ours never made one (a connection reaches the HTTP
 * server only once encrypted) and the transport has already closed the connection. So the listeners get
 * one of our own sockets, over a connection that is closed from the start: Node's shape
 * (`remoteAddress`, `encrypted`, `_secureEstablished === false`, `destroy()`, `end()`), and in the state
 * the connection is in (`destroyed`, not `writable`), so a listener's `socket.end("HTTP/1.1 400 ...")` or
 * `destroy()` does nothing rather than throw.
 *
 * @module
 */

import { Socket } from "../io/socket.ts";
import { identityPrototype } from "../io/net_identity.ts";
import type { TlsSource } from "../io/socket_base.ts";
import type { TransportAddress, TransportConn, TransportHandler } from "../io/transport.ts";

/**
 * A destroyed TLS socket of a failed handshake with the peer's address (`local` where the transport
 * still knew it: an empty address otherwise, as Node's own failed socket may have none).
 *
 * @example
 * ```ts ignore
 * const socket = failedHandshakeSocket({ address: "127.0.0.1", port: 50000, family: "IPv4" });
 * console.log(socket.remoteAddress, socket.destroyed, socket.writable, socket._secureEstablished);
 * // 127.0.0.1 true false false
 * ```
 */
export function failedHandshakeSocket(remote: TransportAddress, local?: TransportAddress): Socket {
  let handler: TransportHandler | undefined;
  // A closed connection: writes are refused, and `destroy()` reports the close at once, so the socket is
  // destroyed before anyone sees it ('close' follows in a later turn, as a socket's does). Encrypted with
  // no TLS facts is what a TLS socket whose handshake never finished looks like.
  const closed: TransportConn & TlsSource = {
    encrypted: true,
    remote,
    local: local ?? { address: "", port: 0, family: remote.family },
    bufferedAmount: 0,
    start: (h) => (handler = h),
    write: () => false,
    destroy: () => handler?.onClose(undefined),
    end() {},
    pause() {},
    resume() {},
    setNoDelay() {},
    setKeepAlive() {},
  };
  const socket = new Socket(closed);
  // A `tls.TLSSocket` to `instanceof`, as Node's is (see net_identity.ts): no connection reads it, but it
  // is closed, so nothing can try to run TLS over it.
  Object.setPrototypeOf(socket, identityPrototype(Socket, true));
  socket.destroy();
  return socket;
}
