/**
 * `@wire/http/core`: a strict, incremental, sans-I/O HTTP/1.1 codec. Bytes in, events out; heads and
 * chunks out as bytes. No timers, promises or runtime globals, so it runs anywhere (like httparse or h11).
 *
 * ```ts
 * import { RequestParser } from "@wire/http/core";
 * const parser = new RequestParser({
 *   onHead: (head) => console.log(head.method, head.url, head.headers),
 *   onData: (chunk) => console.log("body bytes:", chunk.length),
 *   onEnd: () => console.log("done"),
 * });
 * parser.execute(new TextEncoder().encode("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"));
 * ```
 *
 * What is here is what a user of the codec calls: the parsers, the heads they give, the errors and limits,
 * the writers of heads and bodies, the connection's state transitions, and the field helpers those need.
 * Everything else the server and client build on (the fast head pass, the framing facts of an outgoing
 * head, byte and token helpers) stays importable from its own module file by our layers, and is not
 * part of this entry: the list is explicit so that a helper added for our own use does not become API.
 *
 * @module
 */

// Heads, as the parsers give them.
export type {
  BodyFraming,
  IncomingHeaders,
  MessageHead,
  OutgoingHeaders,
  RequestHead,
  ResponseHead,
} from "./types.ts";

// Errors, with llhttp's HPE_* and Node's ERR_* codes, and the status a server answers a parse error with.
export {
  AbortError,
  ConnectionResetError,
  type ConnectionResetErrorConstructor,
  type ErrorStatus,
  HttpError,
  HttpParseError,
  HttpUsageError,
  type HttpUsageErrorConstructor,
  isHttpError,
  type ParseErrorCode,
  statusForParseError,
} from "./errors.ts";

// The limits every parser applies, and their defaults.
export {
  MAX_CHUNK_EXTENSIONS_SIZE,
  MAX_CHUNK_SIZE_DIGITS,
  MAX_FIELDS,
  MAX_HEADER_SIZE,
  MAX_LEADING_EMPTY_LINES,
} from "./limits.ts";

// Reading: the incremental message parsers (callbacks, llhttp-style) ...
export {
  type ParserOptions,
  type RequestHandler,
  RequestParser,
  type RequestParserOptions,
  type ResponseHandler,
  ResponseParser,
} from "./parser.ts";

// ... one head at a time, httparse-style ("null" means "need more"), or a head known to be complete ...
export {
  decodeRequestHead,
  decodeResponseHead,
  type HeadOptions,
  type HeadResult,
  parseFieldLines,
  parseRequestHead,
  parseResponseHead,
  type RequestHeadOptions,
  type ResponseHeadOptions,
} from "./head_parser.ts";

// ... and a chunked body after such a head.
export { ChunkedDecoder, type ChunkedDecoderOptions, type ChunkedState, type ChunkSink } from "./chunked.ts";

// Writing: field lists checked where they enter (and the pieces of a head checked one by one) ...
export { fieldsFromHeaders, fieldsFromTrailers, joinsOnOneLine } from "./head_writer.ts";
export {
  type HeaderPair,
  type OutgoingValue,
  validateHeaderName,
  validateHeaderValue,
  validateMethod,
  validatePath,
  validateStatusCode,
  validateStatusMessage,
} from "./head_validation.ts";
export { encodeLatin1 } from "./latin1.ts";

// The one call that writes a head (hyper's `encode()`): from the message's facts and the connection's
// state, the head, the body encoder and the keep-alive decision ...
export { encode, type Encoded, type FieldEntries, newOutgoingHead, type OutgoingHead } from "./encode.ts";

// ... and bodies, framed as the head said.
export { type OutgoingFraming, type OutgoingHeadFacts, responseHasBody } from "./framing.ts";
export { bodyComplete, type BodyEncoder, encodeChunk, encodeEnd } from "./body_encoder.ts";
export { chunkHeader, frameChunk, lastChunk } from "./chunked_encoder.ts";

// One connection's protocol state: what each event means for keep-alive, pipelining and hand-over.
export {
  type ConnectionAction,
  ConnectionMachine,
  type ConnectionRole,
  type ConnectionState,
  type HeadFacts,
  mayKeepAlive,
  newConnectionState,
  offersProtocol,
  type Reading,
  requestSwitchesProtocols,
  responseSwitchesProtocols,
  type Writing,
} from "./connection.ts";
export { isKeepAlive } from "./connection_tokens.ts";

// Fields: Node's `headers` object from raw field lines (a trailer section, a head built by hand).
export { headersFromRaw } from "./fields.ts";

// Node's tables.
export { METHODS, STATUS_CODES } from "./status_codes.ts";
