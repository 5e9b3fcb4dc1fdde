/**
 * The three benchmark inputs, each one complete HTTP/1.1 message as bytes. They are built from readable
 * strings so a reviewer can see exactly what is parsed; every parser gets the identical byte buffer.
 *
 * @module
 */

/** One benchmark input. */
export interface Input {
  /** Short label used in the tables. */
  readonly name: string;
  /** Which parser role reads it. */
  readonly kind: "request" | "response";
  /** The whole message, one buffer. */
  readonly bytes: Uint8Array;
  /** What a correct parse must report, used by the pre-flight check in run.ts. */
  readonly expect: {
    /** Request method and target, or "" for the response. */
    readonly method: string;
    readonly url: string;
    /** Status code, or 0 for a request. */
    readonly statusCode: number;
    readonly fields: number;
    readonly bodyBytes: number;
    readonly trailers: number;
  };
}

const encoder = new TextEncoder();

/** Joins a start line and `[name, value]` pairs into a head terminated by the empty line. */
function head(startLine: string, fields: readonly (readonly [string, string])[]): string {
  return startLine + "\r\n" + fields.map(([n, v]) => `${n}: ${v}\r\n`).join("") + "\r\n";
}

const CHROME_UA =
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36";
const COOKIE = "_ga=GA1.2.1876541234.1714000000; _gid=GA1.2.998877665.1714500000; " +
  "session_id=8f3b2c1d9e7a4f6b8c0d2e4f6a8b0c1d; csrftoken=Zk9pQ3xT7vW2yR5uN8mL1kJ4hG6fD0sA; theme=dark";

/** (a) What Chrome sends for a same-origin fetch: 10 fields. */
const browserGetFields: readonly (readonly [string, string])[] = [
  ["Host", "www.example.com"],
  ["Connection", "keep-alive"],
  ["User-Agent", CHROME_UA],
  ["Accept", "application/json, text/plain, */*"],
  ["Sec-Fetch-Site", "same-origin"],
  ["Sec-Fetch-Mode", "cors"],
  ["Sec-Fetch-Dest", "empty"],
  ["Accept-Encoding", "gzip, deflate, br, zstd"],
  ["Accept-Language", "en-US,en;q=0.9,de;q=0.8"],
  ["Cookie", COOKIE],
];

/** (b) A heavier navigation request behind a proxy: 30 fields, still no body. */
const thirtyFieldFields: readonly (readonly [string, string])[] = [
  ["Host", "shop.example.com"],
  ["Connection", "keep-alive"],
  ["Cache-Control", "max-age=0"],
  ["sec-ch-ua", '"Chromium";v="124", "Google Chrome";v="124", "Not-A.Brand";v="99"'],
  ["sec-ch-ua-mobile", "?0"],
  ["sec-ch-ua-platform", '"Windows"'],
  ["Upgrade-Insecure-Requests", "1"],
  ["User-Agent", CHROME_UA],
  [
    "Accept",
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8," +
    "application/signed-exchange;v=b3;q=0.7",
  ],
  ["Sec-Fetch-Site", "same-origin"],
  ["Sec-Fetch-Mode", "navigate"],
  ["Sec-Fetch-User", "?1"],
  ["Sec-Fetch-Dest", "document"],
  ["Referer", "https://shop.example.com/catalog/shoes?color=black&size=42"],
  ["Accept-Encoding", "gzip, deflate, br, zstd"],
  ["Accept-Language", "en-US,en;q=0.9,de;q=0.8,fr;q=0.7"],
  ["Cookie", COOKIE],
  ["If-None-Match", 'W/"5f2a-1b8e3c7d9a0f"'],
  ["If-Modified-Since", "Tue, 23 Apr 2024 09:12:44 GMT"],
  ["Priority", "u=0, i"],
  ["DNT", "1"],
  ["X-Forwarded-For", "203.0.113.195, 70.41.3.18, 150.172.238.178"],
  ["X-Forwarded-Proto", "https"],
  ["X-Forwarded-Host", "shop.example.com"],
  ["X-Real-IP", "203.0.113.195"],
  ["X-Request-Id", "7c9e6679-7425-40de-944b-e07fc1f90ae7"],
  ["Traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"],
  ["Via", "1.1 varnish (Varnish/7.4)"],
  ["CDN-Loop", "cloudflare"],
  ["Authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NSIsIm5hbWUiOiJBZGEifQ.c2lnbmF0dXJl"],
];

/** Chunk sizes for (c): 16 chunks between 256 and 1024 bytes, a fixed spread so runs are reproducible. */
const CHUNK_SIZES = [256, 512, 1024, 300, 768, 640, 1000, 256, 900, 384, 1024, 512, 700, 448, 820, 333];

/** Printable filler for chunk `i` of length `n` (the content does not matter, only its length). */
function filler(i: number, n: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 {}[]":,\n';
  let s = "";
  for (let k = 0; k < n; k++) s += alphabet[(i * 7 + k * 13) % alphabet.length];
  return s;
}

function chunkedResponse(): string {
  let s = head("HTTP/1.1 200 OK", [
    ["Date", "Thu, 25 Apr 2024 10:15:00 GMT"],
    ["Server", "wire-bench"],
    ["Content-Type", "application/json; charset=utf-8"],
    ["Cache-Control", "no-store"],
    ["Vary", "Accept-Encoding"],
    ["Trailer", "Server-Timing, X-Body-Digest"],
    ["Transfer-Encoding", "chunked"],
  ]);
  CHUNK_SIZES.forEach((n, i) => {
    s += n.toString(16) + "\r\n" + filler(i, n) + "\r\n";
  });
  s += "0\r\n";
  s += "Server-Timing: db;dur=53.2, app;dur=47.1\r\n";
  s += "X-Body-Digest: sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:\r\n";
  s += "\r\n";
  return s;
}

/** The three inputs, in table order. */
export const INPUTS: readonly Input[] = [
  {
    name: "GET, 10 fields",
    kind: "request",
    bytes: encoder.encode(
      head("GET /api/v1/users/12345/profile?include=settings HTTP/1.1", browserGetFields),
    ),
    expect: {
      method: "GET",
      url: "/api/v1/users/12345/profile?include=settings",
      statusCode: 0,
      fields: 10,
      bodyBytes: 0,
      trailers: 0,
    },
  },
  {
    name: "GET, 30 fields",
    kind: "request",
    bytes: encoder.encode(head("GET /checkout/cart?step=2&ref=nav HTTP/1.1", thirtyFieldFields)),
    expect: {
      method: "GET",
      url: "/checkout/cart?step=2&ref=nav",
      statusCode: 0,
      fields: 30,
      bodyBytes: 0,
      trailers: 0,
    },
  },
  {
    name: "chunked 16x, 2 trailers",
    kind: "response",
    bytes: encoder.encode(chunkedResponse()),
    expect: {
      method: "",
      url: "",
      statusCode: 200,
      fields: 7,
      bodyBytes: CHUNK_SIZES.reduce((a, b) => a + b, 0),
      trailers: 2,
    },
  },
];
