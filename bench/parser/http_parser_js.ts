/**
 * Adapter for http-parser-js 0.5 (pure JavaScript, CommonJS). It is driven through the numeric callback
 * slots Node's `_http_common` uses: `kOnHeadersComplete` (called with one `info` object, the parser's
 * default "0.12 compat" mode; reading `HTTPParser.kOnExecute` would switch modes, so we never do),
 * `kOnBody`, `kOnHeaders` (trailers after a chunked body) and `kOnMessageComplete`.
 *
 * The parser calls `chunk.toString(...)` and `chunk.slice(...)`, i.e. it needs a Node `Buffer`; the adapter
 * wraps the input bytes in a zero-copy Buffer view once per distinct input and reuses it.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { HTTPParser } from "http-parser-js";
import { emptyParsed, type Parsed, type ParserAdapter } from "./adapter.ts";

/** `info.method` is an index into this list. */
const METHODS: readonly string[] = HTTPParser.methods;

interface Info {
  versionMajor: number;
  versionMinor: number;
  headers: string[];
  method: number;
  url: string;
  statusCode: number;
  statusMessage: string;
}

class Session {
  readonly #parser: InstanceType<typeof HTTPParser>;
  #msg: Parsed = emptyParsed();
  #lastIn: Uint8Array | null = null;
  #lastBuf: Buffer = Buffer.alloc(0);
  completed = 0;
  last: Parsed | null = null;

  constructor(type: "REQUEST" | "RESPONSE") {
    const parser = new HTTPParser(type);
    const isRequest = type === "REQUEST";
    // The callback slots are typed by the package for the other (positional) mode; install ours untyped.
    const slots = parser as unknown as Record<number, (...args: never[]) => unknown>;
    slots[HTTPParser.kOnHeadersComplete] = (info: Info): number => {
      this.#msg = {
        method: isRequest ? METHODS[info.method] ?? "" : "",
        url: isRequest ? info.url : "",
        statusCode: isRequest ? 0 : info.statusCode,
        statusMessage: isRequest ? "" : info.statusMessage,
        versionMajor: info.versionMajor,
        versionMinor: info.versionMinor,
        rawHeaders: info.headers,
        bodyBytes: 0,
        rawTrailers: [],
      };
      return 0;
    };
    slots[HTTPParser.kOnBody] = (_chunk: Buffer, _offset: number, length: number): void => {
      this.#msg.bodyBytes += length;
    };
    slots[HTTPParser.kOnHeaders] = (trailers: string[], _url: string): void => {
      this.#msg.rawTrailers = trailers;
    };
    slots[HTTPParser.kOnMessageComplete] = (): void => {
      this.last = this.#msg;
      this.completed++;
    };
    this.#parser = parser;
  }

  execute(bytes: Uint8Array): void {
    if (bytes !== this.#lastIn) {
      this.#lastIn = bytes;
      this.#lastBuf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
    const ret = this.#parser.execute(this.#lastBuf);
    if (ret instanceof Error) throw new Error(`http-parser-js: ${ret.message}`);
  }
}

/** A fresh http-parser-js adapter (one request and one response parser, created on first use). */
export function createHttpParserJs(): ParserAdapter {
  let req: Session | null = null;
  let res: Session | null = null;
  let current: Session | null = null;
  return {
    name: "http-parser-js",
    parseRequest(buf) {
      (current = req ??= new Session("REQUEST")).execute(buf);
    },
    parseResponse(buf) {
      (current = res ??= new Session("RESPONSE")).execute(buf);
    },
    get completed() {
      return current?.completed ?? 0;
    },
    get last() {
      return current?.last ?? null;
    },
  };
}
