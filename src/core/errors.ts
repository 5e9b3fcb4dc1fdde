/**
 * Errors with stable codes. Parse errors use llhttp's `HPE_*` names (plus two Node adds) and carry the
 * status a server should answer with; API misuse uses Node's `ERR_*` names. Messages are for people and may
 * change; codes are the contract.
 *
 * @module
 */

/** Brand that survives duplicate copies of this package in one process (see {@linkcode isHttpError}). */
const BRAND: unique symbol = Symbol.for("@wire/http.HttpError") as never;

/**
 * Parse-error codes. Names follow llhttp (Node's parser) so code that switches on `err.code` for Node keeps
 * working; `HPE_HEADER_OVERFLOW` and `HPE_CHUNK_EXTENSIONS_OVERFLOW` are Node's own additions;
 * `HPE_URI_OVERFLOW` and `HPE_INVALID_HOST` are ours (no llhttp equivalent: llhttp has no URI limit, and
 * Node checks `Host` outside its parser).
 */
export type ParseErrorCode =
  | "HPE_INVALID_METHOD"
  | "HPE_INVALID_URL"
  | "HPE_INVALID_VERSION"
  | "HPE_INVALID_STATUS"
  | "HPE_INVALID_CONSTANT"
  | "HPE_INVALID_HEADER_TOKEN"
  | "HPE_INVALID_CONTENT_LENGTH"
  | "HPE_UNEXPECTED_CONTENT_LENGTH"
  | "HPE_INVALID_TRANSFER_ENCODING"
  | "HPE_INVALID_CHUNK_SIZE"
  | "HPE_INVALID_EOF_STATE"
  | "HPE_CR_EXPECTED"
  | "HPE_LF_EXPECTED"
  | "HPE_UNEXPECTED_SPACE"
  | "HPE_HEADER_OVERFLOW"
  | "HPE_CHUNK_EXTENSIONS_OVERFLOW"
  | "HPE_URI_OVERFLOW"
  | "HPE_INVALID_HOST"
  | "HPE_CLOSED_CONNECTION";

/**
 * The status a server answers a parse error with (Node answers 400, 431 and 413; we add the finer ones
 * RFC 9110/9112 name: 414 for an over-long request-target, 501 for a transfer coding we do not implement,
 * 505 for an HTTP version we do not speak). 501 is never derived from a code: the parser gives it explicitly
 * to `HPE_INVALID_TRANSFER_ENCODING` when a request names a transfer coding we do not implement.
 */
export type ErrorStatus = 400 | 408 | 413 | 414 | 431 | 500 | 501 | 505;

/**
 * Base class of every error this package throws or emits. `code` is stable; `status` is the HTTP status a
 * server should answer with when the error came from the peer.
 *
 * @example
 * ```ts
 * import { HttpError, isHttpError } from "@wire/http/core";
 * const err = new HttpError("HPE_INVALID_METHOD", "Cannot parse method: invalid token", 400);
 * console.log(isHttpError(err), err.code, err.status); // true "HPE_INVALID_METHOD" 400
 * ```
 */
export class HttpError extends Error {
  /** Stable machine-readable code (`HPE_*` or `ERR_*`). */
  readonly code: string;
  /** Status a server should answer with, when the peer caused it. */
  readonly status: ErrorStatus;
  /** Byte offset in the input where a parse error was found, when known. */
  bytesParsed?: number;
  /** Present so `isHttpError` works across package copies. */
  readonly [BRAND] = true;

  /** Creates an error with a stable code, a message and the status a server should answer with. */
  constructor(code: string, message: string, status: ErrorStatus = 400, options?: ErrorOptions) {
    super(message, options);
    this.name = "HttpError";
    this.code = code;
    this.status = status;
  }
}

/**
 * A malformed message from the peer. `code` is an `HPE_*` name.
 *
 * @example
 * ```ts
 * import { HttpParseError } from "@wire/http/core";
 * const err = new HttpParseError("HPE_HEADER_OVERFLOW", "Header section exceeds 16384 bytes");
 * console.log(err.status); // 431
 * ```
 */
export class HttpParseError extends HttpError {
  /** One of llhttp's `HPE_*` names (see {@linkcode ParseErrorCode}). */
  declare readonly code: ParseErrorCode;
  /** Creates a parse error; the status follows from the code unless given. */
  constructor(code: ParseErrorCode, message: string, status: ErrorStatus = statusForParseError(code)) {
    super(code, message, status);
    this.name = "HttpParseError";
  }
}

/**
 * Misuse of the API by the local program (Node's `ERR_*` codes, thrown as `TypeError`-like errors).
 *
 * @example
 * ```ts
 * import { HttpUsageError } from "@wire/http/core";
 * throw new HttpUsageError("ERR_HTTP_HEADERS_SENT", "Cannot set headers after they are sent to the client");
 * ```
 */
export class HttpUsageError extends HttpError {
  /** Creates a usage error with Node's code; its `name` is the class Node throws for that code. */
  constructor(code: string, message: string) {
    super(code, message, 500);
    this.name = NODE_ERROR_NAMES[code] ?? "Error";
  }
}

/**
 * The class Node throws for each code (`TypeError`, `RangeError`), as `name`: Node's callers and tests
 * check `{ code, name }`. Codes not listed are plain `Error`s in Node.
 */
const NODE_ERROR_NAMES: Readonly<Record<string, string>> = {
  ERR_INVALID_ARG_TYPE: "TypeError",
  ERR_INVALID_ARG_VALUE: "TypeError",
  ERR_INVALID_HTTP_TOKEN: "TypeError",
  ERR_INVALID_CHAR: "TypeError",
  ERR_HTTP_INVALID_HEADER_VALUE: "TypeError",
  ERR_INVALID_PROTOCOL: "TypeError",
  ERR_UNESCAPED_CHARACTERS: "TypeError",
  ERR_STREAM_NULL_VALUES: "TypeError",
  ERR_INVALID_URL: "TypeError",
  ERR_HTTP_INVALID_STATUS_CODE: "RangeError",
  ERR_OUT_OF_RANGE: "RangeError",
  ERR_SOCKET_BAD_PORT: "RangeError",
};

/**
 * The connection was reset or closed before a message was complete (Node's `ECONNRESET`): a server that
 * closed before answering ("socket hang up"), a peer that went away mid-body ("aborted"). The message
 * follows Node's, so code that matches on it keeps working.
 *
 * @example
 * ```ts
 * import { ConnectionResetError, isHttpError } from "@wire/http/core";
 * const err = new ConnectionResetError("socket hang up");
 * console.log(isHttpError(err), err.code, err.message); // true "ECONNRESET" "socket hang up"
 * ```
 */
export class ConnectionResetError extends HttpError {
  /** Creates an `ECONNRESET` error; `cause` may carry the transport's error. */
  constructor(message: string, options?: ErrorOptions) {
    super("ECONNRESET", message, 400, options);
    this.name = "Error";
  }
}

/**
 * An operation stopped by its caller or its peer, named `AbortError` as the Web platform names aborts:
 * a request whose `AbortSignal` fired (Node's `ABORT_ERR`), or a fetch handler's signal when the client
 * closed the connection (`ECONNRESET`).
 *
 * @example
 * ```ts
 * import { AbortError } from "@wire/http/core";
 * const err = new AbortError("The operation was aborted", "ABORT_ERR");
 * console.log(err.name, err.code); // "AbortError" "ABORT_ERR"
 * ```
 */
export class AbortError extends HttpError {
  /** Creates an abort with Node's `code` (`ABORT_ERR` or `ECONNRESET`); `cause` may carry the reason. */
  constructor(message: string, code: "ABORT_ERR" | "ECONNRESET", options?: ErrorOptions) {
    super(code, message, 400, options);
    this.name = "AbortError";
  }
}

/**
 * The status a server answers with for each parse error code.
 *
 * @example
 * ```ts
 * import { statusForParseError } from "@wire/http/core";
 * console.log(statusForParseError("HPE_INVALID_VERSION")); // 505
 * ```
 */
export function statusForParseError(code: ParseErrorCode): ErrorStatus {
  switch (code) {
    case "HPE_HEADER_OVERFLOW":
      return 431;
    case "HPE_CHUNK_EXTENSIONS_OVERFLOW":
      return 413;
    case "HPE_URI_OVERFLOW":
      return 414;
    case "HPE_INVALID_VERSION":
      return 505;
    default:
      return 400;
  }
}

/**
 * True for any error made by this package, even by another copy of it.
 *
 * @example
 * ```ts
 * import { HttpError, isHttpError } from "@wire/http/core";
 * console.log(isHttpError(new HttpError("ERR_X", "x")), isHttpError(new Error("x"))); // true false
 * ```
 */
export function isHttpError(value: unknown): value is HttpError {
  return typeof value === "object" && value !== null && (value as { [BRAND]?: boolean })[BRAND] === true;
}
