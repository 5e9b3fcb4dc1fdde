// One test per request-smuggling vector: each must fail with the exact code and status, whole and split.
import { test } from "../_harness.ts";
import { assertError, parseRequests } from "./_split.ts";

function vector(name: string, input: string, code: string, status: number, options = {}): void {
  test(`smuggling: ${name} -> ${code} (${status})`, () => {
    assertError(parseRequests(input, options), code, status);
  });
}

const POST = "POST / HTTP/1.1\r\nHost: a\r\n";

vector(
  "CL.TE (Content-Length then Transfer-Encoding)",
  POST + "Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nG",
  "HPE_UNEXPECTED_CONTENT_LENGTH",
  400,
);
vector(
  "TE.CL (Transfer-Encoding then Content-Length)",
  POST + "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n8\r\nSMUGGLED\r\n0\r\n\r\n",
  "HPE_UNEXPECTED_CONTENT_LENGTH",
  400,
);
vector(
  "TE.TE: chunked, identity",
  POST + "Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n",
  "HPE_INVALID_TRANSFER_ENCODING",
  400,
);
vector(
  "TE.TE: xchunked",
  POST + "Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n",
  "HPE_INVALID_TRANSFER_ENCODING",
  400,
);
vector(
  "TE.TE: duplicated Transfer-Encoding lines",
  POST + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
  "HPE_INVALID_TRANSFER_ENCODING",
  400,
);
vector(
  "TE.TE: chunked then identity on separate lines",
  POST + "Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\n",
  "HPE_INVALID_TRANSFER_ENCODING",
  400,
);
vector(
  "TE.TE: space before the colon",
  POST + "Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n",
  "HPE_INVALID_HEADER_TOKEN",
  400,
);
vector(
  "TE.TE: space before the colon, even when insecure",
  POST + "Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n",
  "HPE_INVALID_HEADER_TOKEN",
  400,
  { insecure: true },
);
vector(
  "TE with a coding we do not implement",
  POST + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
  "HPE_INVALID_TRANSFER_ENCODING",
  501,
);
vector(
  "TE in HTTP/1.0",
  "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
  "HPE_INVALID_TRANSFER_ENCODING",
  400,
);
vector(
  "two differing Content-Lengths",
  POST + "Content-Length: 3\r\nContent-Length: 30\r\n\r\nabc",
  "HPE_UNEXPECTED_CONTENT_LENGTH",
  400,
);
vector("Content-Length +5", POST + "Content-Length: +5\r\n\r\nabcde", "HPE_INVALID_CONTENT_LENGTH", 400);
vector("Content-Length 0x5", POST + "Content-Length: 0x5\r\n\r\nabcde", "HPE_INVALID_CONTENT_LENGTH", 400);
vector("Content-Length 5 5", POST + "Content-Length: 5 5\r\n\r\nabcde", "HPE_INVALID_CONTENT_LENGTH", 400);
vector(
  "Content-Length CL.TE with insecure on",
  POST + "Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nG",
  "HPE_UNEXPECTED_CONTENT_LENGTH",
  400,
  { insecure: true },
);
vector(
  "obs-fold hiding Transfer-Encoding",
  POST + "X: y\r\n Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\nabc",
  "HPE_INVALID_HEADER_TOKEN",
  400,
);
vector(
  "obs-fold continuing Transfer-Encoding",
  POST + "Transfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n",
  "HPE_INVALID_HEADER_TOKEN",
  400,
);
vector("NUL in a value", POST + "X: a\x00b\r\nContent-Length: 0\r\n\r\n", "HPE_INVALID_HEADER_TOKEN", 400);
vector(
  "bare CR inside a line",
  POST + "X: a\rTransfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n",
  "HPE_LF_EXPECTED",
  400,
);
vector(
  "bare LF as a line ending",
  POST + "X: a\nTransfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n",
  "HPE_CR_EXPECTED",
  400,
);
vector(
  "chunk size overflow fffffffffffffffff1",
  POST + "Transfer-Encoding: chunked\r\n\r\nfffffffffffffffff1\r\nabc\r\n0\r\n\r\n",
  "HPE_INVALID_CHUNK_SIZE",
  400,
);
vector(
  "chunk size with leading whitespace",
  POST + "Transfer-Encoding: chunked\r\n\r\n 3\r\nabc\r\n0\r\n\r\n",
  "HPE_INVALID_CHUNK_SIZE",
  400,
);
vector(
  "chunk data longer than its size",
  POST + "Transfer-Encoding: chunked\r\n\r\n3\r\nabcd\r\n0\r\n\r\n",
  "HPE_CR_EXPECTED",
  400,
);
vector(
  "bare LF after chunk data",
  POST + "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\n0\r\n\r\n",
  "HPE_CR_EXPECTED",
  400,
);
