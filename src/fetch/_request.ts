/**
 * Builds the Fetch `Request` a handler sees from an `IncomingMessage`.
 *
 * @module
 */

import { Readable } from "node:stream";
import { isHostAuthority } from "../core/authority.ts";
import type { IncomingMessage } from "../io/incoming_message.ts";
import type { FetchBridgeOptions } from "./types.ts";

const FORBIDDEN_METHODS = new Set(["CONNECT", "TRACE", "TRACK"]);

/** Builds the `Request`; a number is the status to answer with instead (bad host, forbidden method). */
export function toRequest(
  req: IncomingMessage,
  options: FetchBridgeOptions,
  signal: AbortSignal,
): Request | number {
  const method = req.method ?? "GET";
  if (FORBIDDEN_METHODS.has(method.toUpperCase())) return 405;
  const url = requestUrl(req, options);
  if (url === undefined) return 400;
  const headers = new Headers();
  const raw = req.rawHeaders;
  try {
    for (let i = 0; i < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
  } catch {
    return 400;
  }
  const init: RequestInit & { duplex?: "half" } = { method, headers, signal };
  const hasBody = req.headers["transfer-encoding"] !== undefined ||
    (req.headers["content-length"] !== undefined && req.headers["content-length"] !== "0");
  if (hasBody && method !== "GET" && method !== "HEAD") {
    init.body = Readable.toWeb(req) as ReadableStream<Uint8Array>;
    init.duplex = "half";
  }
  try {
    return new Request(url, init);
  } catch {
    return 400;
  }
}

/**
 * The absolute URL of the request: the target itself in absolute-form (a request meant for a proxy),
 * else `http://` + host + target, the host from `Host`, `options.hostname` or the local address.
 * `undefined` when that is no `http:`/`https:` URL or the host is not `host[:port]`.
 */
function requestUrl(req: IncomingMessage, options: FetchBridgeOptions): string | undefined {
  const target = req.url ?? "/";
  // The parser lets through origin-form ("/..."), "*" and absolute-form; authority-form only for CONNECT,
  // which is refused before this.
  if (target.charCodeAt(0) !== 0x2f && target !== "*") {
    let absolute: URL;
    try {
      absolute = new URL(target);
    } catch {
      return undefined;
    }
    return absolute.protocol === "http:" || absolute.protocol === "https:" ? absolute.href : undefined;
  }
  const socket = req.socket;
  const address = socket.localAddress;
  // No Host and no hostname option: the local end, or "localhost" on a unix socket (which has no address).
  const local = address === undefined
    ? "localhost"
    : `${address.includes(":") ? `[${address}]` : address}:${socket.localPort}`;
  const host = firstValue(req.headers.host) || options.hostname || local;
  // The parser checks Host only when it has to (`requireHostHeader`, HTTP/1.1), and `options.hostname` is
  // the operator's: either could otherwise add a path or userinfo to the URL the handler routes on.
  return isHostAuthority(host) ? "http://" + host + (target === "*" ? "/*" : target) : undefined;
}

function firstValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
