/**
 * Builds the Fetch `Request` a handler sees from an `IncomingMessage`.
 *
 * @module
 */

import { isAuthority } from "../core/_start_line.ts";
import { encodeLatin1 } from "../core/latin1.ts";
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
  const target = req.url ?? "/";
  let url: string;
  if (/^https?:\/\//i.test(target)) url = target;
  else {
    const socket = req.socket;
    const local = socket.localAddress.includes(":") ? `[${socket.localAddress}]` : socket.localAddress;
    const host = firstValue(req.headers.host) || options.hostname || `${local}:${socket.localPort}`;
    // The request parser checked Host only when it had to (HTTP/1.1); here it becomes part of a URL.
    const bytes = encodeLatin1(host);
    if (!isAuthority(bytes, 0, bytes.length, false)) return 400;
    url = "http://" + host + (target === "*" ? "/*" : target);
  }
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
    init.body = req.body;
    init.duplex = "half";
  }
  try {
    return new Request(url, init);
  } catch {
    return 400;
  }
}

function firstValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
