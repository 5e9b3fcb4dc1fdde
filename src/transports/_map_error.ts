/**
 * Maps runtime socket errors to {@linkcode SystemError}s with Node's codes. Deno throws `Deno.errors.*`
 * classes told apart by `name` (and, in 2.x, already sets `code` on most of them); Bun throws plain
 * errors that usually carry `code`, `errno` and `syscall`. Both shapes meet here, so the adapters stay
 * thin.
 *
 * @module
 */

import { RESOLVE_ERROR_CODES, SystemError } from "../io/transport.ts";

/** Deno error class names and the Node code each stands for. */
const CODE_BY_NAME: Readonly<Record<string, string>> = {
  AddrInUse: "EADDRINUSE",
  AddrNotAvailable: "EADDRNOTAVAIL",
  AlreadyExists: "EEXIST",
  BadResource: "EBADF",
  BrokenPipe: "EPIPE",
  ConnectionAborted: "ECONNABORTED",
  ConnectionRefused: "ECONNREFUSED",
  ConnectionReset: "ECONNRESET",
  Interrupted: "ECANCELED",
  InvalidData: "EINVAL",
  IsADirectory: "EISDIR",
  NetworkUnreachable: "ENETUNREACH",
  NotCapable: "EACCES",
  NotConnected: "ENOTCONN",
  NotFound: "ENOENT",
  PermissionDenied: "EACCES",
  TimedOut: "ETIMEDOUT",
  WouldBlock: "EAGAIN",
};

/**
 * Runtime messages and the Node code each stands for, for errors that carry neither a code nor a telling
 * name: workerd's `cloudflare:sockets` throws plain `Error`s (messages checked on workerd 2026-11-17).
 */
const CODE_BY_MESSAGE: ReadonlyArray<readonly [RegExp, string]> = [
  [/cannot connect to the specified address|connection refused/i, "ECONNREFUSED"],
  [/network connection lost|connection reset/i, "ECONNRESET"],
  // A socket opened by another request context (workerd: an invocation that has finished): nothing can be
  // read or written on it from here, so nothing was sent. The client retries on a new socket.
  [/cannot perform i\/o on behalf of a different request/i, "ERR_SOCKET_OTHER_CONTEXT"],
  [/timed out/i, "ETIMEDOUT"],
  // Name resolution (Deno 2.9 throws plain `Error`s, or a `URIError` for a name no resolver takes):
  // Node's getaddrinfo codes.
  [/temporary failure in name resolution/i, "EAI_AGAIN"],
  [/failed to lookup address information|invalid host .*fqdn/i, "ENOTFOUND"],
];

/** Node-style codes look like `ECONNRESET`, `ERR_SOCKET_CLOSED`, `UNKNOWN`. */
const NODE_CODE = /^(E[A-Z0-9]+|ERR_[A-Z0-9_]+|UNKNOWN)$/;

/** Reads a string property of an unknown value. */
function stringProp(value: unknown, key: string): string | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const prop = (value as Record<string, unknown>)[key];
  return typeof prop === "string" ? prop : undefined;
}

/**
 * The Node code for a runtime error: its own `code` when that already looks like one, else the code for
 * its Deno class name, else the code its message stands for (workerd), else `"UNKNOWN"` (libuv's name for
 * an unmapped error).
 */
export function errorCode(error: unknown): string {
  const own = stringProp(error, "code");
  if (own !== undefined && NODE_CODE.test(own)) return own;
  const name = stringProp(error, "name");
  const byName = name !== undefined ? CODE_BY_NAME[name] : undefined;
  if (byName !== undefined) return byName;
  const message = stringProp(error, "message");
  if (message !== undefined) {
    for (const [pattern, code] of CODE_BY_MESSAGE) if (pattern.test(message)) return code;
  }
  return "UNKNOWN";
}

/**
 * Wraps a runtime error as a {@linkcode SystemError} whose message reads like Node's:
 * `connect ECONNREFUSED 127.0.0.1:1`. A `SystemError` passes through unchanged; the original error is
 * kept as `cause`.
 */
export function mapError(error: unknown, syscall: string, target?: string): SystemError {
  if (error instanceof SystemError) return error;
  const code = errorCode(error);
  if (RESOLVE_ERROR_CODES.has(code)) {
    // As Node: the resolver failed, not the connect; the message names the host without its port.
    syscall = "getaddrinfo";
    target = target?.replace(/:\d+$/, "");
  }
  const message = target === undefined ? `${syscall} ${code}` : `${syscall} ${code} ${target}`;
  return new SystemError(code, message, syscall, { cause: error });
}

/**
 * True for the errors a runtime raises on an operation cut short because we closed the resource
 * ourselves (Deno: `BadResource`, and `Interrupted`, whose own `code` is `EINTR`); those are the expected end of a loop, not failures.
 */
export function isClosedError(error: unknown): boolean {
  const name = stringProp(error, "name");
  if (name === "BadResource" || name === "Interrupted") return true;
  const code = errorCode(error);
  return code === "EBADF" || code === "ECANCELED" || code === "EINTR";
}

/** `host:port` or a unix path, for error messages. */
export function describeTarget(target: { hostname: string; port: number } | { path: string }): string {
  return "path" in target ? target.path : `${target.hostname}:${target.port}`;
}
