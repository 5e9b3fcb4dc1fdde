/**
 * Adapter for llhttp compiled to WebAssembly, exactly the binary undici 8 ships
 * (`undici/lib/llhttp/llhttp_simd-wasm.js`, falling back to `llhttp-wasm.js` like undici does when SIMD is
 * unavailable). The driver mirrors undici's `lib/dispatcher/client-h1.js`: compile the module, instantiate
 * it with an `env` object of `wasm_on_*` span callbacks, `llhttp_alloc(type)` a parser, `malloc` one input
 * buffer, copy each chunk into WASM memory and call `llhttp_execute`.
 *
 * Undici only parses responses, but the build is the generic llhttp one: it exports `wasm_on_url` as an
 * import and `llhttp_get_method` / `llhttp_get_http_major` / `llhttp_get_http_minor`, and `llhttp_alloc`
 * accepts `TYPE.REQUEST`. So requests parse fully: the url arrives through `wasm_on_url`, the method is read
 * with `llhttp_get_method` at headers-complete and mapped through `constants.METHODS`.
 *
 * Strings are decoded in the callbacks straight from the memory view. Undici keeps spans as latin1 Buffers
 * and converts them later with Node's native `latin1Slice`, which Deno and Bun lack, so this driver takes
 * the fastest portable route we measured: spans of up to 16 bytes with a `String.fromCharCode` loop,
 * longer ones with one shared `TextDecoder("utf-8")`. (The WHATWG "latin1" label is windows-1252; in Deno
 * that decoder runs in JS and is 3x slower than UTF-8.) All bench inputs are ASCII, where each of these
 * decodings gives the same string. String creation is the bulk of this driver's cost (about two thirds
 * of its time in Deno with TextDecoder alone); the hybrid cuts the decoding cost by ~30% in both runtimes,
 * so the baseline is not handicapped by its glue code.
 *
 * @module
 */

import simdWasm from "undici/lib/llhttp/llhttp_simd-wasm.js";
import plainWasm from "undici/lib/llhttp/llhttp-wasm.js";
import * as constants from "undici/lib/llhttp/constants.js";
import { emptyParsed, type Parsed, type ParserAdapter } from "./adapter.ts";

/** The subset of the module's exports this driver calls. */
interface LlhttpExports {
  memory: WebAssembly.Memory;
  llhttp_alloc(type: number): number;
  llhttp_free(parser: number): void;
  llhttp_execute(parser: number, data: number, len: number): number;
  llhttp_get_method(parser: number): number;
  llhttp_get_http_major(parser: number): number;
  llhttp_get_http_minor(parser: number): number;
  llhttp_get_error_reason(parser: number): number;
  malloc(size: number): number;
  free(ptr: number): void;
}

/** The two CommonJS modules export a Buffer (a Uint8Array) holding the .wasm bytes. */
function compile(): { module: WebAssembly.Module; simd: boolean } {
  try {
    return { module: new WebAssembly.Module(simdWasm as unknown as Uint8Array<ArrayBuffer>), simd: true };
  } catch {
    return { module: new WebAssembly.Module(plainWasm as unknown as Uint8Array<ArrayBuffer>), simd: false };
  }
}

const compiled = compile();

/** Method enum value to name, inverted from llhttp's own table. */
const METHOD_NAMES: string[] = [];
for (const [name, value] of Object.entries(constants.METHODS)) METHOD_NAMES[value] ??= name;

/** Spans up to this many bytes are decoded in JS; a `TextDecoder` call costs more than that loop. */
const SHORT_SPAN = 16;

const ERROR_OK = constants.ERROR["OK"];
const TYPE_REQUEST = constants.TYPE["REQUEST"]!;
const TYPE_RESPONSE = constants.TYPE["RESPONSE"]!;

/**
 * One llhttp parser in its own WASM instance, so the `env` callbacks can close over this object instead of
 * undici's module-level `currentParser`.
 */
class LlhttpParser {
  readonly #exports: LlhttpExports;
  readonly #ptr: number;
  #view: Uint8Array;
  #inPtr = 0;
  #inSize = 0;
  /** The caller's chunk being executed, for body views. */
  #input: Uint8Array = new Uint8Array(0);
  readonly #decoder = new TextDecoder();

  /** The message being parsed. */
  #msg: Parsed = emptyParsed();
  /** Where field callbacks go: the head's list, then the trailer list after headers-complete. */
  #fields: string[] = this.#msg.rawHeaders;
  /** Whether the previous field callback was for a name (spans may be split across executes). */
  #lastWasName = false;

  completed = 0;
  last: Parsed | null = null;

  constructor(type: number) {
    const decode = (at: number, len: number): string => {
      const view = this.#view;
      if (len > SHORT_SPAN) return this.#decoder.decode(view.subarray(at, at + len));
      let s = "";
      for (let i = at, end = at + len; i < end; i++) s += String.fromCharCode(view[i]!);
      return s;
    };
    const instance = new WebAssembly.Instance(compiled.module, {
      env: {
        wasm_on_message_begin: (_p: number): number => {
          this.#msg = emptyParsed();
          this.#fields = this.#msg.rawHeaders;
          this.#lastWasName = false;
          return 0;
        },
        wasm_on_url: (_p: number, at: number, len: number): number => {
          this.#msg.url += decode(at, len);
          return 0;
        },
        wasm_on_status: (_p: number, at: number, len: number): number => {
          this.#msg.statusMessage += decode(at, len);
          return 0;
        },
        wasm_on_header_field: (_p: number, at: number, len: number): number => {
          const s = decode(at, len);
          const f = this.#fields;
          if (this.#lastWasName) f[f.length - 1] += s;
          else {
            if (f.length & 1) f.push(""); // previous field had an empty value (no value callback)
            f.push(s);
          }
          this.#lastWasName = true;
          return 0;
        },
        wasm_on_header_value: (_p: number, at: number, len: number): number => {
          const s = decode(at, len);
          const f = this.#fields;
          if (this.#lastWasName) f.push(s);
          else f[f.length - 1] += s;
          this.#lastWasName = false;
          return 0;
        },
        wasm_on_headers_complete: (p: number, statusCode: number, _upgrade: number, _keepAlive: number) => {
          const m = this.#msg;
          const ex = this.#exports;
          if (m.rawHeaders.length & 1) m.rawHeaders.push("");
          m.versionMajor = ex.llhttp_get_http_major(p);
          m.versionMinor = ex.llhttp_get_http_minor(p);
          if (type === TYPE_REQUEST) m.method = METHOD_NAMES[ex.llhttp_get_method(p)] ?? "";
          else m.statusCode = statusCode;
          this.#fields = m.rawTrailers;
          this.#lastWasName = false;
          return 0; // 0: a body may follow (1 would mean "skip body", as for a HEAD response)
        },
        wasm_on_body: (_p: number, at: number, len: number): number => {
          // Deliver the body as a view of the caller's input (not of WASM memory, which the next execute
          // overwrites), exactly as undici's `onBody(new FastBuffer(chunk.buffer, start, len))`; our
          // parser hands out `input.subarray(...)` and http-parser-js `chunk.slice(...)`, the same work.
          const input = this.#input;
          const chunk = new Uint8Array(input.buffer, input.byteOffset + (at - this.#inPtr), len);
          this.#msg.bodyBytes += chunk.length;
          return 0;
        },
        wasm_on_message_complete: (_p: number): number => {
          if (this.#fields.length & 1) this.#fields.push("");
          this.last = this.#msg;
          this.completed++;
          return 0;
        },
      },
    });
    this.#exports = instance.exports as unknown as LlhttpExports;
    this.#ptr = this.#exports.llhttp_alloc(type);
    this.#view = new Uint8Array(this.#exports.memory.buffer);
  }

  execute(buf: Uint8Array): void {
    const ex = this.#exports;
    if (buf.length > this.#inSize) {
      if (this.#inPtr) ex.free(this.#inPtr);
      this.#inSize = Math.ceil(buf.length / 4096) * 4096;
      this.#inPtr = ex.malloc(this.#inSize);
    }
    // malloc may have grown (and so detached) the memory.
    if (this.#view.buffer !== ex.memory.buffer) this.#view = new Uint8Array(ex.memory.buffer);
    this.#view.set(buf, this.#inPtr);
    this.#input = buf;
    const ret = ex.llhttp_execute(this.#ptr, this.#inPtr, buf.length);
    if (ret !== ERROR_OK) {
      const reasonPtr = ex.llhttp_get_error_reason(this.#ptr);
      const reason = reasonPtr
        ? this.#decoder.decode(this.#view.subarray(reasonPtr, this.#view.indexOf(0, reasonPtr)))
        : "";
      throw new Error(`llhttp error ${ret}: ${reason}`);
    }
  }
}

/** Whether the SIMD build compiled in this runtime (shown in the output). */
export const LLHTTP_SIMD: boolean = compiled.simd;

/** A fresh llhttp adapter (one request and one response parser, created on first use). */
export function createLlhttpWasm(): ParserAdapter {
  let req: LlhttpParser | null = null;
  let res: LlhttpParser | null = null;
  let current: LlhttpParser | null = null;
  return {
    name: compiled.simd ? "llhttp wasm (undici, simd)" : "llhttp wasm (undici)",
    parseRequest(buf) {
      (current = req ??= new LlhttpParser(TYPE_REQUEST)).execute(buf);
    },
    parseResponse(buf) {
      (current = res ??= new LlhttpParser(TYPE_RESPONSE)).execute(buf);
    },
    get completed() {
      return current?.completed ?? 0;
    },
    get last() {
      return current?.last ?? null;
    },
  };
}
