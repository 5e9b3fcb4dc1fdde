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

  /**
   * `instanceof HttpError` holds for every error of the family, including those that are Node's own
   * classes (a usage error is a real `TypeError` or `RangeError`, a reset a plain `Error`; see
   * {@linkcode HttpUsageError}), and for errors made by another copy of this package. Subclasses keep the
   * ordinary prototype check.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this === HttpError) return isHttpError(value);
    return Function.prototype[Symbol.hasInstance].call(this, value);
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

/** What kind of family member an error of Node's own class is (it has no prototype of ours to say it). */
const KIND: unique symbol = Symbol.for("@wire/http.HttpError.kind") as never;

/** The kinds of family members that are instances of the runtime's own error classes. */
export type FamilyKind = "usage" | "reset" | "system";

/** An error of the family that is an instance of one of the runtime's own classes. */
interface NativeMember {
  code: string;
  status: ErrorStatus;
  [BRAND]: true;
  [KIND]: FamilyKind;
}

/**
 * Internal (the error classes): makes `error` (a `TypeError`, `RangeError` or `Error` of the runtime) a
 * member of the family: Node's `code` as an ordinary property, the brand and the status hidden as Node's
 * errors carry no such fields.
 *
 * @example
 * ```ts ignore
 * const err = joinFamily(new Error("socket hang up"), "ECONNRESET", 400, "reset");
 * ```
 */
export function joinFamily<E extends Error>(
  error: E,
  code: string,
  status: ErrorStatus,
  kind: FamilyKind,
): E & HttpError {
  (error as unknown as { code: string }).code = code;
  Object.defineProperty(error, "status", { value: status, configurable: true, writable: true });
  Object.defineProperty(error, BRAND, { value: true, configurable: true });
  Object.defineProperty(error, KIND, { value: kind, configurable: true });
  return error as E & HttpError;
}

/**
 * Internal (the error classes): a family member of one kind, for the `instanceof` checks of the classes
 * made of native errors.
 *
 * @example
 * ```ts ignore
 * isFamilyKind(new ConnectionResetError("aborted"), "reset"); // true
 * ```
 */
export function isFamilyKind(value: unknown, kind: FamilyKind): boolean {
  return isHttpError(value) && (value as unknown as NativeMember)[KIND] === kind;
}

/** Constructor type of {@linkcode HttpUsageError}. */
export interface HttpUsageErrorConstructor {
  /** Creates the error Node throws for `code`: a `TypeError`, `RangeError` or `Error` with that `code`. */
  new (code: string, message: string): HttpUsageError;
  /** True for a usage error of this package (or of another copy of it). */
  [Symbol.hasInstance](value: unknown): boolean;
}

/**
 * Misuse of the API by the local program: Node's `ERR_*` codes, each an instance of the class Node throws
 * for it (`TypeError` for `ERR_INVALID_ARG_TYPE` or `ERR_INVALID_HTTP_TOKEN`, `RangeError` for
 * `ERR_OUT_OF_RANGE`, else `Error`), so `assert.throws(fn, TypeError)` and `err instanceof RangeError` hold
 * as with Node. `instanceof HttpUsageError`, `instanceof HttpError` and `isHttpError()` hold as well.
 *
 * @example
 * ```ts
 * import { HttpError, HttpUsageError } from "@wire/http/core";
 * const err = new HttpUsageError("ERR_INVALID_HTTP_TOKEN", "Header name must be a valid HTTP token");
 * console.log(err instanceof TypeError, err instanceof HttpError, err.code); // true true "ERR_INVALID_HTTP_TOKEN"
 * ```
 */
export interface HttpUsageError extends HttpError {}

/** See {@linkcode HttpUsageError}: a function, so that `new` can hand back an object of Node's class. */
export const HttpUsageError: HttpUsageErrorConstructor = function HttpUsageError(
  code: string,
  message: string,
) {
  const name = NODE_ERROR_NAMES[code];
  const error = name === "TypeError"
    ? new TypeError(message)
    : name === "RangeError"
    ? new RangeError(message)
    : new Error(message);
  // The stack starts where the caller threw, as Node's errors' stacks do.
  (Error as { captureStackTrace?: (e: object, fn: unknown) => void }).captureStackTrace?.(
    error,
    HttpUsageError,
  );
  return joinFamily(error, code, 500, "usage");
} as unknown as HttpUsageErrorConstructor;
Object.defineProperty(HttpUsageError, Symbol.hasInstance, {
  value: (value: unknown) => isFamilyKind(value, "usage"),
});

/** The class Node throws for each code (`TypeError`, `RangeError`); codes not listed are plain `Error`s. */
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

/** Constructor type of {@linkcode ConnectionResetError}. */
export interface ConnectionResetErrorConstructor {
  /** Creates an `ECONNRESET` error; `cause` may carry the transport's error. */
  new (message: string, options?: ErrorOptions): ConnectionResetError;
  /** True for a reset error of this package (or of another copy of it). */
  [Symbol.hasInstance](value: unknown): boolean;
}

/**
 * The connection was reset or closed before a message was complete (Node's `ECONNRESET`): a server that
 * closed before answering ("socket hang up"), a peer that went away mid-body ("aborted"). As Node's, it is
 * a plain `Error` (`err.constructor === Error`) with `code` `"ECONNRESET"` and Node's message, so code that
 * matches on them keeps working; `instanceof ConnectionResetError` and `isHttpError()` hold too.
 *
 * @example
 * ```ts
 * import { ConnectionResetError, isHttpError } from "@wire/http/core";
 * const err = new ConnectionResetError("socket hang up");
 * console.log(err.constructor === Error, isHttpError(err), err.code); // true true "ECONNRESET"
 * ```
 */
export interface ConnectionResetError extends HttpError {}

/** See {@linkcode ConnectionResetError}: a function, so that `new` can hand back a plain `Error`. */
export const ConnectionResetError: ConnectionResetErrorConstructor = function ConnectionResetError(
  message: string,
  options?: ErrorOptions,
) {
  const error = new Error(message, options);
  (Error as { captureStackTrace?: (e: object, fn: unknown) => void }).captureStackTrace?.(
    error,
    ConnectionResetError,
  );
  return joinFamily(error, "ECONNRESET", 400, "reset");
} as unknown as ConnectionResetErrorConstructor;
Object.defineProperty(ConnectionResetError, Symbol.hasInstance, {
  value: (value: unknown) => isFamilyKind(value, "reset"),
});

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
