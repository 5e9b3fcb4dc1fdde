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
 * @module
 */

export * from "./types.ts";
export * from "./errors.ts";
export * from "./limits.ts";
export * from "./parser.ts";
export * from "./head_parser.ts";
export * from "./framing.ts";
export * from "./chunked.ts";
export * from "./chunked_encoder.ts";
export * from "./body_encoder.ts";
export * from "./head_writer.ts";
export * from "./fields.ts";
export * from "./latin1.ts";
export * from "./connection_tokens.ts";
export * from "./connection.ts";
export * from "./authority.ts";
export * from "./status_codes.ts";
export * from "./encode.ts";
