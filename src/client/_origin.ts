/**
 * Where a request goes, validated once: host, port or unix socket path, and the Agent's pool key. The
 * request (its `host`/`port` and Host field), the Agent (`getName`) and the connection opener all read
 * the origin from here, so they cannot disagree.
 *
 * @module
 */

import { HttpUsageError } from "../core/errors.ts";
import { invalidArgType } from "../io/_node_errors.ts";
import type { Socket } from "../io/socket.ts";
import type { TransportConn } from "../io/transport.ts";
import type { Duplex } from "node:stream";
import type { LookupFunction } from "./_lookup.ts";
import { isHttps, type RequestTlsOptions } from "./tls_options.ts";

/**
 * The request options that name an origin and how to reach it: `protocol` (`"http:"` or `"https:"`) and,
 * for `https:`, the TLS options ({@linkcode RequestTlsOptions}).
 */
export interface OriginOptions extends RequestTlsOptions {
  /** Host name or IP (default `localhost`). */
  host?: string;
  /** Same as `host`, without a port; wins over `host`. */
  hostname?: string;
  /** Port (default 80, 443 for `https:`). */
  port?: number | string;
  /** Port when `port` is not given (default 80, 443 for `https:`). */
  defaultPort?: number;
  /** Resolves the host name (Node's `lookup`, `dns.lookup`'s signature). */
  lookup?: LookupFunction;
  /** IP family of the address to connect to: 4 or 6 (default either). */
  family?: number;
  /**
   * When a name resolves to several addresses, try the next when one fails (default true, as Node 20's
   * `net.getDefaultAutoSelectFamily()`); `false` connects to the first only.
   */
  autoSelectFamily?: boolean;
  /**
   * Local address to bind (through the runtime's `node:net`/`node:tls`); refused with
   * `ERR_FEATURE_UNAVAILABLE_ON_PLATFORM` on the Web Streams transport, which cannot bind.
   */
  localAddress?: string;
  /** Local port to bind; as `localAddress`. */
  localPort?: number;
  /**
   * The new socket's queue sizes (`readableHighWaterMark`, `writableHighWaterMark`), which the response
   * takes too, as Node's (default 16 KiB each, Node 20's).
   */
  highWaterMark?: number;
  /** Connect to this unix socket instead of host/port. */
  socketPath?: string;
  /** Bring your own connection (a `Socket` or a transport connection). */
  createConnection?: (
    options: OriginOptions,
    callback: (err: Error | null, socket?: Socket | TransportConn | Duplex) => void,
  ) => Socket | TransportConn | Duplex | Promise<Socket | TransportConn | Duplex> | undefined | void;
}

/** A validated origin. */
export interface Origin {
  /** Host name or IP, without brackets or port. */
  host: string;
  /** TCP port (0..65535). */
  port: number;
  /** The scheme's port (80, 443, or `defaultPort`): the Host field omits the port when equal. */
  defaultPort: number;
  /** Whether the connection is TLS (`protocol: "https:"`). */
  tls: boolean;
  /** The unix socket path, if any. */
  socketPath: string | undefined;
}

/**
 * Reads and validates the origin of `options` with Node's codes: a non-string host is
 * `ERR_INVALID_ARG_TYPE`, a port outside 0..65535 (or not a number) `ERR_SOCKET_BAD_PORT`.
 * `defaultPort` stands in for `options.defaultPort` (a request takes its agent's without copying its
 * options: this runs for every request).
 */
export function originOf(options: OriginOptions, defaultPort = options.defaultPort): Origin {
  checkHostType(options.hostname, "hostname");
  checkHostType(options.host, "host");
  const host = options.hostname ?? stripPort(options.host) ?? "localhost";
  const tls = isHttps(options);
  const schemePort = defaultPort ?? (tls ? 443 : 80);
  const port = toPort(options.port ?? schemePort);
  return { host, port, defaultPort: schemePort, tls, socketPath: options.socketPath || undefined };
}

function checkHostType(value: unknown, key: string): void {
  if (value === undefined || value === null || typeof value === "string") return;
  throw invalidArgType(`options.${key}`, "string or one of undefined or null", value);
}

function toPort(value: unknown): number {
  // Node's validatePort: a number, or a non-blank string of digits, in 0..65535.
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  if (typeof n === "number" && Number.isInteger(n) && n >= 0 && n <= 0xffff) return n;
  throw new HttpUsageError(
    "ERR_SOCKET_BAD_PORT",
    `Port should be >= 0 and < 65536. Received type ${typeof value} (${String(value)}).`,
  );
}

/** `host` may carry a port (`example.com:8080`) or brackets (`[::1]`); bare IPv6 stays whole. */
function stripPort(host: string | undefined | null): string | undefined {
  if (host === undefined || host === null) return undefined;
  if (host.startsWith("[")) return host.slice(1, host.indexOf("]"));
  const colon = host.indexOf(":");
  return colon !== -1 && host.indexOf(":", colon + 1) === -1 ? host.slice(0, colon) : host;
}
