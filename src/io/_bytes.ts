/**
 * Turning user-supplied chunks (strings with Node's encodings, typed arrays) into bytes, and bytes into
 * strings for `setEncoding()`. One place, so server and client encode alike.
 *
 * @module
 */

import { encodeLatin1 } from "../core/latin1.ts";

const utf8Encoder = new TextEncoder();

/** Encodings accepted for string chunks and `setEncoding`, as Node names them. */
export type BufferEncoding =
  | "utf8"
  | "utf-8"
  | "latin1"
  | "binary"
  | "ascii"
  | "base64"
  | "base64url"
  | "hex"
  | "utf16le"
  | "ucs2";

/** Encodes a string or copies nothing for a byte view; throws Node's `ERR_INVALID_ARG_TYPE` otherwise. */
export function toBytes(chunk: unknown, encoding?: string | null): Uint8Array {
  if (typeof chunk === "string") return encodeString(chunk, encoding ?? "utf8");
  if (chunk instanceof Uint8Array) return chunk;
  if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  throw Object.assign(
    new TypeError(
      `The "chunk" argument must be of type string or an instance of Uint8Array. Received ${typeof chunk}`,
    ),
    { code: "ERR_INVALID_ARG_TYPE" },
  );
}

/** Encodes `text` with one of Node's encodings. */
export function encodeString(text: string, encoding: string): Uint8Array {
  switch (encoding.toLowerCase()) {
    case "utf8":
    case "utf-8":
      return utf8Encoder.encode(text);
    case "latin1":
    case "binary":
    case "ascii":
      return encodeLatin1(text);
    case "hex": {
      const out = new Uint8Array(text.length >>> 1);
      for (let i = 0; i < out.length; i++) {
        const byte = parseInt(text.slice(i * 2, i * 2 + 2), 16);
        if (Number.isNaN(byte)) return out.subarray(0, i);
        out[i] = byte;
      }
      return out;
    }
    case "base64":
    case "base64url": {
      const b64 = text.replace(/-/g, "+").replace(/_/g, "/").replace(/[^A-Za-z0-9+/]/g, "");
      const bin = atob(b64 + "===".slice((b64.length + 3) % 4));
      const out = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
      return out;
    }
    case "utf16le":
    case "utf-16le":
    case "ucs2":
    case "ucs-2": {
      const out = new Uint8Array(text.length * 2);
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        out[i * 2] = c & 0xff;
        out[i * 2 + 1] = c >>> 8;
      }
      return out;
    }
    default:
      throw Object.assign(new TypeError(`Unknown encoding: ${encoding}`), { code: "ERR_UNKNOWN_ENCODING" });
  }
}

/**
 * Decodes a byte stream chunk by chunk into strings, carrying partial characters (UTF-8) and partial
 * groups (base64: 3 bytes, hex: none needed) across chunk boundaries, as Node's `StringDecoder` does.
 */
export class StringDecoder {
  #encoding: string;
  #utf8: TextDecoder | undefined;
  #carry: Uint8Array | undefined;

  /** Creates a decoder for one of Node's encodings; throws `ERR_UNKNOWN_ENCODING` for others. */
  constructor(encoding: string) {
    const e = encoding.toLowerCase();
    switch (e) {
      case "utf8":
      case "utf-8":
        this.#encoding = "utf8";
        this.#utf8 = new TextDecoder("utf-8");
        break;
      case "latin1":
      case "binary":
        this.#encoding = "latin1";
        break;
      case "ascii":
      case "hex":
      case "base64":
      case "base64url":
        this.#encoding = e;
        break;
      case "utf16le":
      case "utf-16le":
      case "ucs2":
      case "ucs-2":
        this.#encoding = "utf16le";
        this.#utf8 = new TextDecoder("utf-16le");
        break;
      default:
        throw Object.assign(new TypeError(`Unknown encoding: ${encoding}`), { code: "ERR_UNKNOWN_ENCODING" });
    }
  }

  /** Decodes the next chunk; may hold back a partial character or group until the next call. */
  write(chunk: Uint8Array): string {
    switch (this.#encoding) {
      case "utf8":
      case "utf16le":
        return this.#utf8!.decode(chunk, { stream: true });
      case "latin1":
        return byteString(chunk, 0xff);
      case "ascii":
        return byteString(chunk, 0x7f);
      case "hex": {
        let s = "";
        for (let i = 0; i < chunk.length; i++) s += (chunk[i]! < 16 ? "0" : "") + chunk[i]!.toString(16);
        return s;
      }
      default: {
        // base64 encodes 3 bytes per 4 characters: hold back the bytes that don't fill a group.
        const bytes = this.#carry ? concat(this.#carry, chunk) : chunk;
        const whole = bytes.length - (bytes.length % 3);
        this.#carry = whole < bytes.length ? bytes.slice(whole) : undefined;
        return this.#base64(bytes.subarray(0, whole));
      }
    }
  }

  /** Flushes what was held back. */
  end(): string {
    if (this.#encoding === "utf8" || this.#encoding === "utf16le") return this.#utf8!.decode();
    if (this.#carry) {
      const rest = this.#carry;
      this.#carry = undefined;
      return this.#base64(rest);
    }
    return "";
  }

  #base64(bytes: Uint8Array): string {
    const b64 = btoa(byteString(bytes, 0xff));
    return this.#encoding === "base64url"
      ? b64.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")
      : b64;
  }
}

function byteString(bytes: Uint8Array, mask: number): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 4096) {
    const part = bytes.subarray(i, Math.min(i + 4096, bytes.length));
    s += String.fromCharCode.apply(
      null,
      mask === 0xff ? part as unknown as number[] : Array.from(part, (b) => b & mask),
    );
  }
  return s;
}

/** Joins two byte arrays into a new one. */
export function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.byteLength + b.byteLength);
  out.set(a, 0);
  out.set(b, a.byteLength);
  return out;
}

/**
 * Joins byte arrays, in order, into a new one: the writes `cork()` held back going out as one, or a
 * transport's queued writes. `size`, when the caller already keeps the total, saves counting it.
 *
 * @example
 * ```ts ignore
 * concatBytes([new Uint8Array([1]), new Uint8Array([2, 3])]); // Uint8Array [1, 2, 3]
 * ```
 */
export function concatBytes(parts: readonly Uint8Array[], size = -1): Uint8Array {
  if (size < 0) {
    size = 0;
    for (const part of parts) size += part.byteLength;
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}
