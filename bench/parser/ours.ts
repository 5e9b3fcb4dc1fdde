/**
 * Adapter for our sans-I/O codec (`src/core/parser.ts`). One `RequestParser` / `ResponseParser` per
 * adapter, fed complete messages back to back; the response parser is told before each message that it
 * answers a GET (`expectResponseTo`), as the client does.
 *
 * The head already carries `rawHeaders` as strings (and more: the lower-cased `headers` view, framing,
 * keep-alive), so the adapter only records it, counts `onData` bytes and takes the trailers from `onEnd`.
 *
 * @module
 */

import { RequestParser, ResponseParser } from "../../src/core/parser.ts";
import type { RequestHead, ResponseHead } from "../../src/core/types.ts";
import type { Parsed, ParserAdapter } from "./adapter.ts";

/** Collects one message at a time; shared by the request and response handlers. */
class Sink {
  msg: Parsed | null = null;
  completed = 0;
  last: Parsed | null = null;

  onData(chunk: Uint8Array): void {
    this.msg!.bodyBytes += chunk.length;
  }

  onEnd(rawTrailers: string[]): void {
    const m = this.msg!;
    m.rawTrailers = rawTrailers;
    this.last = m;
    this.completed++;
  }
}

class RequestSink extends Sink {
  onHead(head: RequestHead): void {
    this.msg = {
      method: head.method,
      url: head.url,
      statusCode: 0,
      statusMessage: "",
      versionMajor: head.versionMajor,
      versionMinor: head.versionMinor,
      rawHeaders: head.rawHeaders,
      bodyBytes: 0,
      rawTrailers: [],
    };
  }
}

class ResponseSink extends Sink {
  onHead(head: ResponseHead): void {
    this.msg = {
      method: "",
      url: "",
      statusCode: head.statusCode,
      statusMessage: head.statusMessage,
      versionMajor: head.versionMajor,
      versionMinor: head.versionMinor,
      rawHeaders: head.rawHeaders,
      bodyBytes: 0,
      rawTrailers: [],
    };
  }
}

/** A fresh adapter for our parser (one request and one response parser, created on first use). */
export function createOurs(): ParserAdapter {
  let req: RequestParser | null = null;
  let res: ResponseParser | null = null;
  const reqSink = new RequestSink();
  const resSink = new ResponseSink();
  let current: Sink = reqSink;
  return {
    name: "@wire/http (ours)",
    parseRequest(buf) {
      current = reqSink;
      (req ??= new RequestParser(reqSink)).execute(buf);
    },
    parseResponse(buf) {
      current = resSink;
      res ??= new ResponseParser(resSink);
      res.expectResponseTo("GET");
      res.execute(buf);
    },
    get completed() {
      return current.completed;
    },
    get last() {
      return current.last;
    },
  };
}
