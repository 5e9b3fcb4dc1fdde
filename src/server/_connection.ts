/**
 * One accepted connection on a server: feeds socket bytes to the request parser, turns heads into
 * `IncomingMessage`/`ServerResponse` pairs, keeps pipelined responses in request order, applies the
 * server's timeouts and limits, and hands the raw socket over on upgrade/CONNECT.
 *
 * Theory of operation: responses wait in `#responses` in request order; only the first has the socket as
 * its sink, the rest queue their bytes inside themselves until their turn. A request body being received
 * throttles the socket through `onWantMore`. Parse errors and timeouts end only this connection.
 *
 * @module
 */

import { RequestParser } from "../core/parser.ts";
import { ConnectionResetError, HttpError, isHttpError } from "../core/errors.ts";
import { STATUS_CODES } from "../core/status_codes.ts";
import type { RequestHead } from "../core/types.ts";
import { IncomingMessage } from "../io/incoming_message.ts";
import { kSetConsumer, type Socket, type SocketConsumer } from "../io/socket.ts";
import { kAttachSink, kSinkDrained, type OutgoingSink } from "../io/outgoing_message.ts";
import { type ResponseOwner, ServerResponse } from "./server_response.ts";

/** Past this many responses waiting their turn, stop reading more pipelined requests. */
const MAX_PIPELINED_RESPONSES = 32;

/** What a connection needs from its server. */
export interface ConnectionHost {
  /** The server emitting events (`request`, `upgrade`, ...). */
  emitRequest(req: IncomingMessage, res: ServerResponse, event: "request"): void;
  /** Emits `checkContinue`/`checkExpectation` if listened for; returns false when nobody listens. */
  emitRequestIfListened(
    req: IncomingMessage,
    res: ServerResponse,
    event: "checkContinue" | "checkExpectation",
  ): boolean;
  /** Emits `upgrade`/`connect` if listened for; returns false when nobody listens. */
  emitTakeover(event: "upgrade" | "connect", req: IncomingMessage, socket: Socket, head: Uint8Array): boolean;
  /** Emits `clientError` if listened for; returns false when nobody listens. */
  emitClientError(error: Error, socket: Socket): boolean;
  /** Whether the server is closing (no new keep-alive). */
  readonly closing: boolean;
  /** Limits and timeouts. */
  readonly keepAliveTimeout: number;
  readonly maxRequestsPerSocket: number;
  readonly headersTimeout: number;
  readonly requestTimeout: number;
  /** The connection is gone. */
  connectionClosed(conn: ServerConnection): void;
  /** The connection left HTTP (upgrade/CONNECT): no more timeouts, but `close()` still waits for it. */
  connectionHandedOver(conn: ServerConnection): void;
}

/** Per-connection protocol driver. Internal to the server. */
export class ServerConnection implements SocketConsumer, ResponseOwner, OutgoingSink {
  readonly socket: Socket;
  #host: ConnectionHost;
  #parser: RequestParser;
  #receiving: IncomingMessage | null = null;
  #receivingHasBody = false;
  #responses: ServerResponse[] = [];
  #requests = 0;
  #retained = false;
  #takeover: { req: IncomingMessage; event: "upgrade" | "connect" } | undefined;
  #stopped = false; // no more requests will be read (closing, upgraded, or failed)
  #closed = false;
  #peerEnded = false;
  #readPausedByBody = false;
  #readPausedByPipeline = false;
  /** Timestamps (ms) for the server's sweep; 0 when not running. */
  headStartedAt: number;
  requestStartedAt = 0;
  idleSince = 0;

  constructor(
    socket: Socket,
    host: ConnectionHost,
    parserOptions: ConstructorParameters<typeof RequestParser>[1],
  ) {
    this.socket = socket;
    this.#host = host;
    this.#parser = new RequestParser(
      {
        onHead: (head) => this.#onHead(head),
        onData: (chunk) => this.#onBody(chunk),
        onEnd: (trailers) => this.#onMessageEnd(trailers),
      },
      parserOptions,
    );
    // Node counts a new connection as waiting for its first head: headersTimeout applies from here.
    this.headStartedAt = this.requestStartedAt = Date.now();
    socket[kSetConsumer](this);
  }

  /** Whether the connection is between requests with nothing in flight. */
  get idle(): boolean {
    return this.#responses.length === 0 && this.#receiving === null && this.#parser.idle;
  }

  get keepAliveTimeoutSeconds(): number {
    return Math.floor(this.#host.keepAliveTimeout / 1000);
  }

  // ---- SocketConsumer ----

  onData(chunk: Uint8Array): boolean {
    if (this.#stopped) return false;
    if (this.#parser.idle && this.headStartedAt === 0) {
      const now = Date.now();
      this.headStartedAt = now;
      this.requestStartedAt = now;
      this.idleSince = 0;
    }
    this.#retained = false;
    let consumed: number;
    try {
      consumed = this.#parser.execute(chunk);
    } catch (err) {
      this.#fail(err);
      return false;
    }
    if (this.#takeover) {
      this.#handOver(chunk.subarray(consumed));
      return true;
    }
    // A handler may have answered inside execute(), before the parser reached the end of the message.
    this.#markIdleIfQuiet();
    return this.#retained;
  }

  onEnd(): void {
    this.#peerEnded = true;
    const receiving = this.#receiving;
    if (receiving && !this.#stopped) {
      // The peer gave up in the middle of a body: as Node, the request sees ECONNRESET "aborted".
      this.#receiving = null;
      this.#stopped = true;
      receiving.abort(connReset(undefined));
      this.socket.destroy();
      return;
    }
    if (!this.#stopped) {
      try {
        this.#parser.finish();
      } catch (err) {
        this.#fail(err);
        return;
      }
    }
    // As Node's servers (httpAllowHalfOpen false): a peer that ends its side is gone. Whatever is
    // queued still goes out before our FIN; a response still being written learns of it through
    // 'close' once the socket closes, instead of waiting for its next write.
    this.#stopped = true;
    this.#endSocket();
  }

  onDrain(): void {
    this.#responses[0]?.[kSinkDrained]();
  }

  onClose(error: Error | undefined): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopped = true;
    const receiving = this.#receiving;
    this.#receiving = null;
    if (receiving) receiving.abort(connReset(error));
    const responses = this.#responses;
    this.#responses = [];
    for (const res of responses) {
      if (!res.writableFinished) res.destroyed = true;
      queueMicrotask(() => res.emit("close"));
    }
    this.#host.connectionClosed(this);
  }

  // ---- OutgoingSink (for the response at the head of the queue) ----

  write(bytes: Uint8Array, transient?: boolean): boolean {
    return transient ? this.socket.sendTransient(bytes) : this.socket.write(bytes);
  }

  // ---- ResponseOwner ----

  keepAliveAllowed(res: ServerResponse): boolean {
    if (this.#host.closing || this.#stopped && this.#responses.at(-1) === res && this.#peerEnded) {
      return false;
    }
    const max = this.#host.maxRequestsPerSocket;
    if (max > 0 && this.#requests >= max && this.#responses.at(-1) === res) return false;
    // A client that sent `Expect: 100-continue` and got no 100 may or may not send its body now; the
    // only safe way to find the next request is to close.
    const req = res.req;
    if (!req.complete && res.expectedContinue && !res.continueSent) return false;
    return true;
  }

  sendInterim(res: ServerResponse, bytes: Uint8Array): void {
    if (this.#responses[0] === res) this.socket.write(bytes);
  }

  responseFinished(res: ServerResponse, keepAlive: boolean): void {
    if (this.#responses[0] !== res) return;
    this.#responses.shift();
    const req = res.req;
    if (!keepAlive) {
      this.#stopped = true;
      if (this.#receiving === req) {
        this.#receiving = null;
        req.onWantMore = undefined;
      }
      this.#endSocket();
      return;
    }
    // The handler answered without reading the whole body: read and discard the rest, as Node does.
    // (A request without a body is not complete yet only because the handler answered inside the
    // parser's onHead; its end follows at once and there is nothing to discard.)
    if (!req.complete && !req.destroyed && (this.#receiving !== req || this.#receivingHasBody)) req.dump();
    const next = this.#responses[0];
    if (next) next[kAttachSink](this);
    else if (this.#stopped) this.#endSocket();
    else this.#markIdleIfQuiet();
    this.#updatePipelinePause();
  }

  responseDestroyed(_res: ServerResponse, error: Error | undefined): void {
    this.socket.destroy(error);
  }

  // ---- timeouts (called by the server's sweep) ----

  /** Applies the server's timeouts at time `now`. */
  checkTimeouts(now: number): void {
    if (this.#closed) return;
    const host = this.#host;
    if (this.idleSince > 0 && host.keepAliveTimeout > 0 && now - this.idleSince >= host.keepAliveTimeout) {
      this.socket.destroy();
      return;
    }
    const headLate = this.headStartedAt > 0 && host.headersTimeout > 0 &&
      now - this.headStartedAt >= host.headersTimeout;
    const requestLate = this.requestStartedAt > 0 && host.requestTimeout > 0 &&
      now - this.requestStartedAt >= host.requestTimeout;
    if (headLate || requestLate) {
      this.headStartedAt = 0;
      this.requestStartedAt = 0;
      this.#fail(new HttpError("ERR_HTTP_REQUEST_TIMEOUT", "Request timeout", 408));
    }
  }

  /** Closes the connection if it is idle (between requests); returns whether it did. */
  closeIfIdle(): boolean {
    if (!this.idle) return false;
    this.socket.destroy();
    return true;
  }

  // Hooks given to each request body; made once per connection rather than once per request.
  #bodyWantsMore = (want: boolean): void => {
    this.#readPausedByBody = !want;
    this.socket.setReadPaused(this.#readPausedByBody || this.#readPausedByPipeline);
  };

  #bodyDestroyed = (error: Error | undefined): void => {
    // Only the request still being received can be incomplete; destroying it ends the connection.
    if (this.#receiving !== null && !this.#receiving.complete) this.socket.destroy(error);
  };

  // ---- parser events ----

  #onHead(head: RequestHead): void {
    this.#requests++;
    this.headStartedAt = 0;
    const req = new IncomingMessage(this.socket, head);
    if (head.upgrade) {
      this.#takeover = { req, event: head.method === "CONNECT" ? "connect" : "upgrade" };
      return;
    }
    const res = new ServerResponse(req, this, head.keepAlive, head.expect !== undefined);
    this.#receiving = req;
    this.#receivingHasBody = head.framing.kind !== "none";
    req.onWantMore = this.#bodyWantsMore;
    req.onDestroy = this.#bodyDestroyed;
    this.#responses.push(res);
    if (this.#responses.length === 1) res[kAttachSink](this);
    this.#updatePipelinePause();

    if (head.expect !== undefined && head.versionMinor >= 1) {
      if (head.expectContinue) {
        if (!this.#host.emitRequestIfListened(req, res, "checkContinue")) {
          res.writeContinue();
          this.#host.emitRequest(req, res, "request");
        }
      } else if (!this.#host.emitRequestIfListened(req, res, "checkExpectation")) {
        res.writeHead(417);
        res.end();
      }
      return;
    }
    this.#host.emitRequest(req, res, "request");
  }

  #onBody(chunk: Uint8Array): void {
    this.#retained = true;
    this.#receiving?.push(chunk);
  }

  #onMessageEnd(rawTrailers: string[]): void {
    const req = this.#receiving;
    this.requestStartedAt = 0;
    if (!req) return;
    this.#receiving = null;
    req.onWantMore = undefined;
    if (this.#readPausedByBody) {
      this.#readPausedByBody = false;
      this.socket.setReadPaused(this.#readPausedByPipeline);
    }
    req.finishWithTrailers(rawTrailers);
  }

  // ---- helpers ----

  #handOver(head: Uint8Array): void {
    const { req, event } = this.#takeover!;
    this.#takeover = undefined;
    this.#stopped = true;
    this.headStartedAt = 0;
    this.requestStartedAt = 0;
    // The socket leaves HTTP: it belongs to the listener now, with no server timeouts.
    this.#host.connectionHandedOver(this);
    req.complete = true;
    this.socket[kSetConsumer](null);
    if (!this.#host.emitTakeover(event, req, this.socket, head)) this.socket.destroy();
  }

  #fail(err: unknown): void {
    this.#stopped = true;
    this.headStartedAt = 0;
    this.requestStartedAt = 0;
    const error = err instanceof Error ? err : new Error(String(err));
    const receiving = this.#receiving;
    this.#receiving = null;
    if (receiving) {
      // The connection decides what happens to the socket below, not the aborted request.
      receiving.onDestroy = undefined;
      receiving.abort(error);
    }
    if (this.#host.emitClientError(error, this.socket)) return;
    // Nobody listens: answer with the status the error names, unless a response is already on the wire
    // (as Node: a response whose head has not been written yet is abandoned).
    const onWire = this.#responses.length > 0 && this.#responses[0]!.headersSent;
    if (!onWire && isHttpError(error) && !this.socket.destroyed) {
      for (const res of this.#responses) res.destroyed = true;
      const status = error.status;
      this.socket.write(
        `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Bad Request"}\r\nConnection: close\r\n\r\n`,
      );
      this.#endSocket();
    } else this.socket.destroy();
  }

  /** Starts the keep-alive clock when nothing is in flight in either direction. */
  #markIdleIfQuiet(): void {
    if (this.idleSince === 0 && !this.#stopped && this.idle) this.idleSince = Date.now();
  }

  #updatePipelinePause(): void {
    const pause = this.#responses.length > MAX_PIPELINED_RESPONSES;
    if (pause !== this.#readPausedByPipeline) {
      this.#readPausedByPipeline = pause;
      this.socket.setReadPaused(this.#readPausedByBody || pause);
    }
  }

  #endSocket(): void {
    // FIN after the queued bytes; the transport closes once the peer's EOF arrives too. A peer that
    // never closes is cut off by the keep-alive sweep.
    if (!this.socket.writableEnded) this.socket.end();
    this.idleSince = this.idleSince || Date.now();
  }
}

function connReset(cause: Error | undefined): Error {
  return new ConnectionResetError("aborted", cause ? { cause } : undefined);
}
