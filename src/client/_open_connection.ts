/**
 * Opens the socket for a request, still connecting as Node's `net.connect` returns it: a unix socket path,
 * or host and port through the transport (the Agent's, or the runtime's default).
 *
 * @module
 */

import { Socket, type SocketOptions } from "../io/socket.ts";
import { kTlsOpened } from "../io/socket_base.ts";
import type {
  TlsConnectOptions,
  Transport,
  TransportConn,
  TransportConnectOptions,
} from "../io/transport.ts";
import { resolveAddresses, resolvesHere } from "./_lookup.ts";
import { isIpLiteral } from "../core/authority.ts";
import { defaultTransportOrThrow } from "../io/default_transport.ts";
import { type Origin, originOf, type OriginOptions } from "./_origin.ts";
import { tlsConnectOptions } from "./tls_options.ts";
import { PendingConn } from "./_pending_conn.ts";
import { RESOLVE_ERROR_CODES } from "../io/transport.ts";

/** The queue sizes a request asked its new socket for (Node's `highWaterMark` option). */
function socketOptions(options: OriginOptions): SocketOptions | undefined {
  return options.highWaterMark === undefined ? undefined : { highWaterMark: options.highWaterMark };
}

/**
 * Node's `net.connect` / `tls.connect` for the Agent: the socket at once, still connecting (it emits
 * `'connect'`, `'secureConnect'` over TLS, and `'ready'` once open; a failure to open, a refused
 * certificate included, is its `'error'` and `'close'`). Its TLS facts (`authorized`, the peer
 * certificate, ...) are there once it connected.
 *
 * @example
 * ```ts ignore
 * const socket = connectingSocket({ host: "127.0.0.1", port: 8080 }, undefined);
 * console.log(socket.connecting); // true
 * socket.on("connect", () => console.log(socket.remoteAddress)); // "127.0.0.1"
 * ```
 */
export function connectingSocket(
  options: Omit<OriginOptions, "createConnection">,
  transport: Transport | undefined,
): Socket {
  const origin = originOf(options);
  const encrypted = origin.tls;
  const host = origin.host;
  // Node's 'lookup' (err, address, family, host), for a name only; never on a socket already destroyed.
  const lookedUp: LookupReport = (err, address) => {
    if (!socket.destroyed) socket.emit("lookup", err, address, address && familyOf(address), host);
  };
  const pending = new PendingConn(connectTransport(options, origin, transport, lookedUp), encrypted);
  const socket = new Socket(pending, socketOptions(options));
  pending.onOpen = () => socket[kTlsOpened]();
  pending.onConnect = () => {
    socket.emit("connect");
    if (encrypted) socket.emit("secureConnect");
    socket.emit("ready");
  };
  return socket;
}

/** Hears how the name of a connection was resolved: an error, or the address connected to. */
type LookupReport = (err: Error | null, address: string | undefined) => void;

/** The address family Node's 'lookup' reports: 6 for an IPv6 address, else 4. */
function familyOf(address: string): number {
  return address.includes(":") ? 6 : 4;
}

/**
 * Opens the transport connection to `origin` (host and port, or a unix socket path), `options` its
 * request's. `lookedUp` hears the resolution of a name, as Node's socket emits 'lookup': once our own
 * lookup answered (a `lookup` or `family` option), before connecting; else once the transport, which
 * resolves the name as it connects, has connected (or failed to resolve it).
 */
async function connectTransport(
  options: OriginOptions,
  origin: Origin,
  transport: Transport | undefined,
  lookedUp: LookupReport,
): Promise<TransportConn> {
  const t = transport ?? defaultTransportOrThrow();
  const connectOptions = connectOptionsOf(
    options,
    origin.tls ? tlsConnectOptions(options, origin.host) : undefined,
  );
  let conn: TransportConn;
  if (origin.socketPath) conn = await t.connect({ path: origin.socketPath }, connectOptions);
  else if (resolvesHere(origin.host, options)) {
    let addresses: string[];
    try {
      addresses = await resolveAddresses(origin.host, options);
    } catch (err) {
      lookedUp(err as Error, undefined);
      throw err;
    }
    lookedUp(null, addresses[0]);
    conn = await connectAny(t, addresses, origin.port, connectOptions);
  } else {
    // The transport resolves a name as it connects; an IP address needs no lookup (no 'lookup', as Node).
    try {
      conn = await t.connect({ hostname: origin.host, port: origin.port }, connectOptions);
    } catch (err) {
      if (RESOLVE_ERROR_CODES.has((err as { code?: string }).code ?? "")) lookedUp(err as Error, undefined);
      throw err;
    }
    if (!isIpLiteral(origin.host)) lookedUp(null, conn.remote.address);
  }
  // Requests are written in one piece per flush; Nagle would only delay them.
  conn.setNoDelay(true);
  return conn;
}

/** The transport's connect options for a request: TLS, and Node's `localAddress`/`localPort`. */
function connectOptionsOf(
  options: OriginOptions,
  tls: TlsConnectOptions | undefined,
): TransportConnectOptions | undefined {
  const { localAddress, localPort } = options as { localAddress?: unknown; localPort?: unknown };
  if (localAddress === undefined && localPort === undefined) return tls === undefined ? undefined : { tls };
  const out: TransportConnectOptions = tls === undefined ? {} : { tls };
  // Node's checks (net.connect), with its codes.
  if (localAddress !== undefined) {
    if (typeof localAddress !== "string" || !isIpLiteral(localAddress)) {
      throw Object.assign(new TypeError(`Invalid IP address: ${String(localAddress)}`), {
        code: "ERR_INVALID_IP_ADDRESS",
      });
    }
    out.localAddress = localAddress;
  }
  if (localPort !== undefined) {
    if (typeof localPort !== "number" || !Number.isInteger(localPort) || localPort < 0 || localPort > 65535) {
      throw Object.assign(
        new RangeError(`options.localPort should be >= 0 and < 65536. Received ${String(localPort)}.`),
        { code: "ERR_SOCKET_BAD_PORT" },
      );
    }
    out.localPort = localPort;
  }
  return out;
}

/**
 * Connects to the first of `addresses` that answers, one after another (Node's `autoSelectFamily`, whose
 * lookup lists IPv6 and IPv4 addresses of one name). All failing: the one error, or as Node an
 * `AggregateError` of them all carrying the first one's `code`.
 */
async function connectAny(
  t: Transport,
  addresses: readonly string[],
  port: number,
  tls: TransportConnectOptions | undefined,
): Promise<TransportConn> {
  if (addresses.length === 1) return await t.connect({ hostname: addresses[0]!, port }, tls);
  const errors: Error[] = [];
  for (const hostname of addresses) {
    try {
      return await t.connect({ hostname, port }, tls);
    } catch (err) {
      errors.push(err as Error);
    }
  }
  throw Object.assign(new AggregateError(errors, errors.map((e) => e.message).join("; ")), {
    code: (errors[0] as { code?: string } | undefined)?.code,
  });
}
