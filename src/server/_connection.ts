/**
 * One accepted connection on a server: feeds socket bytes to the request parser, turns heads into
 * `IncomingMessage`/`ServerResponse` pairs, keeps pipelined responses in request order, applies the
 * server's timeouts and limits, and hands the raw socket over on upgrade/CONNECT.
 *
 * Theory of operation: the protocol rules (keep-alive, pipelining after `close`, 100-continue, upgrade,
 * EOF) are `src/core/connection.ts`, and the connection's one state machine is the request parser's: the
 * parser applies the reading side's events, this file the writing side's (a response's head and its end)
 * and the ones it observes itself (a 100 sent, a failure, the close), and it carries out the action of
 * every one. What stays here is I/O: responses wait in `#responses` in request order; only the first has
 * the socket as its sink, the rest queue their bytes inside themselves until their turn. A request body
 * being received throttles the socket through `kResumeReading`. When the socket closes, every request
 * still open is aborted the way Node's `abortIncoming` does it. Parse errors and timeouts end only this
 * connection.
 *
 * What it asks of its server is `_connection_host.ts`; which timeout it overran, `_timeouts.ts`; the
 * errors it raises itself and its default answer to them, `_client_errors.ts`.
 *
 * @module
 */

import { RequestParser } from "../core/parser.ts";
import { HttpParseError } from "../core/errors.ts";
import { type ConnectionMachine, mayKeepAlive } from "../core/connection.ts";
import type { RequestHead } from "../core/types.ts";
import type { OutgoingHead } from "../core/encode.ts";
import {
  type IncomingMessage,
  kResumeReading,
  receiveBody,
  receiveEnd,
  receiveHead,
} from "../io/incoming_message.ts";
import { kEmitEnd, kSetConsumer, kWhenFlushed, type Socket, type SocketConsumer } from "../io/socket.ts";
import { kAttachSink, kSinkDrained, kUniqueHeaders, type OutgoingSink } from "../io/outgoing_message.ts";
import { kBindOwner, type ResponseOwner, type ServerResponse } from "./server_response.ts";
import { abortOpenExchanges } from "./_abort_exchanges.ts";
import { asNodeParseError } from "../io/_parse_error.ts";
import { concatBytes } from "../io/_bytes.ts";
import type { ConnectionHost } from "./_connection_host.ts";
import {
  answerClientError,
  MAX_UPGRADE_BODY,
  requestTimedOut,
  upgradeBodyTooLarge,
} from "./_client_errors.ts";
import {
  type ConnectionClock,
  idleFrom,
  newClock,
  overrun,
  requestStarted,
  stopRequestClock,
} from "./_timeouts.ts";

/** Past this many responses waiting their turn, stop reading more pipelined requests. */
const MAX_PIPELINED_RESPONSES = 32;

/** Why reading the socket is paused: bits of `#readPause` (reading resumes when none is left). */
const PAUSED_BY_BODY = 1;
const PAUSED_BY_PIPELINE = 2;
/**
 * The socket's send queue is full (a write returned false) and a new request came: as Node's flood
 * protection, no more requests are read until it drains, so a client that pipelines without reading
 * the answers cannot make us queue them without bound.
 */
const PAUSED_BY_WRITES = 4;
/** A request that switches protocols was read while answers to earlier ones are owed: they go first. */
const PAUSED_BY_SWITCH = 8;

/**
 * Where the current read is: not being parsed, being parsed, or being parsed with reading to stop once it
 * is (`maxRequestsPerSocket`'s last answer was written inside it).
 */
type ReadPass = "none" | "parsing" | "parsing-last";

/** Per-connection protocol driver. Internal to the server. */
export class ServerConnection implements SocketConsumer, ResponseOwner, OutgoingSink {
  readonly socket: Socket;
  /** When the current head, request and idle spell began, for the server's sweep. */
  readonly clock: ConnectionClock;
  #host: ConnectionHost;
  #parser: RequestParser;
  /** The connection's protocol state: the parser's, which it advances as it reads; we apply the rest. */
  readonly #state: ConnectionMachine;
  /** The request whose body is being read (also an upgrade request's, before the switch). */
  #receiving: IncomingMessage | null = null;
  #upgradeBodyBytes = 0;
  #responses: ServerResponse[] = [];
  #requests = 0;
  /** Responses written whole on this connection so far. */
  #answered = 0;
  #takeover: { req: IncomingMessage; event: "upgrade" | "connect" } | undefined;
  /**
   * The bytes read after a request that switches protocols, held while answers to earlier requests are
   * still owed (the hand-over waits for them); undefined otherwise.
   */
  #switchHead: Uint8Array[] | undefined;
  /** The transport closed (its `onClose` came). */
  #closed = false;
  // ---- I/O mechanics: the current read and backpressure both ways ----
  #readPass: ReadPass = "none";
  /** A body chunk of the current read was kept by a request (the transport must not reuse its buffer). */
  #retained = false;
  /** `PAUSED_BY_*` bits. */
  #readPause = 0;
  /** A write returned false and the drain has not come yet. */
  #sendBackedUp = false;

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
      // As Node (since v10), an upgrade offered when nobody listens for 'upgrade' is a plain request: it
      // goes to 'request' with `req.upgrade` false and the connection goes on as HTTP (RFC 9110 section
      // 7.8 lets a server ignore Upgrade). Asked per request, so adding or removing the listener between
      // requests counts. CONNECT is not asked: without a 'connect' listener it closes, as in Node.
      { ...parserOptions, acceptUpgrade: () => host.takesUpgrades },
    );
    this.#state = this.#parser.state;
    // Node counts a new connection as waiting for its first head: headersTimeout applies from here.
    this.clock = newClock(Date.now());
    socket[kSetConsumer](this);
    socket.on("timeout", this.#onSocketTimeout);
    socket.on("error", this.#onSocketError);
  }

  /**
   * Node's socketOnError: an error on the socket (a reset, or one emitted on it by code that holds it) goes
   * to the server's `'clientError'`; with nobody listening the socket is destroyed. Once only: later
   * errors are the socket's own to swallow (as Node's noop listener does).
   */
  #onSocketError = (error: Error): void => {
    this.socket.off("error", this.#onSocketError);
    if (!this.#host.emitClientError(error, this.socket)) this.socket.destroy();
  };

  /**
   * Node's socketOnTimeout: an idle socket (`server.setTimeout`, `req.setTimeout`, `res.setTimeout`)
   * tells the request being received, the response being written and the server; when none of them
   * listens, the socket is destroyed.
   */
  #onSocketTimeout = (): void => {
    if (this.#closed || !this.#readingOn && this.#responses.length === 0) return;
    const req = this.#receiving;
    const toRequest = req !== null && !req.complete && req.emit("timeout", this.socket);
    const res = this.#responses[0];
    const toResponse = res !== undefined && res.emit("timeout", this.socket);
    const toServer = this.#host.emitTimeout(this.socket);
    if (!toRequest && !toResponse && !toServer) this.socket.destroy();
  };

  /** Whether the connection is between requests with nothing in flight. */
  get idle(): boolean {
    return this.#state.open === 0 && this.#parser.idle;
  }

  get keepAliveMax(): number {
    return this.#host.maxRequestsPerSocket;
  }

  get keepAliveTimeoutSeconds(): number {
    return Math.floor(this.#host.keepAliveTimeout / 1000);
  }

  // ---- SocketConsumer ----

  onData(chunk: Uint8Array): boolean {
    // The new protocol's bytes, read before the pause took hold: kept for the hand-over.
    if (this.#switchHead !== undefined) {
      this.#switchHead.push(chunk);
      return true;
    }
    // RFC 9112 section 9.6: after the last request we answer, nothing more is processed.
    if (!this.#readingOn) return false;
    const clock = this.clock;
    if (clock.headStartedAt === 0 && this.#parser.idle) requestStarted(clock, Date.now());
    this.#retained = false;
    let consumed: number;
    this.#readPass = "parsing";
    try {
      consumed = this.#parser.execute(chunk);
    } catch (err) {
      this.#readPass = "none";
      this.#fail(asNodeParseError(err as Error, chunk));
      return false;
    }
    const last = (this.#readPass as ReadPass) === "parsing-last";
    this.#readPass = "none";
    if (last) {
      // The requests of this read behind the connection's last allowed one were read and refused (503):
      // nothing more is read, and the socket ends after their answers.
      this.#parser.stop();
      this.#closeAfterQueued();
      return this.#retained;
    }
    // The parser stopped right after a message that switched protocols (the hand-over action of its end).
    if (this.#state.reading === "switched") {
      const rest = chunk.subarray(consumed);
      if (this.#state.writing === "switched") this.#handOver(rest);
      else {
        // Answers to earlier (pipelined) requests are owed: they go out first, then the hand-over
        // (responseFinished), so the switch's 101 or 2xx comes in its request's turn.
        this.#switchHead = [rest];
        this.#setReadPause(PAUSED_BY_SWITCH, true);
      }
      return true;
    }
    // The chunk ended inside a further pipelined head: as Node's, whose clock starts when a message
    // begins, that head's headersTimeout (and the request's) runs from now, not from the next read.
    if (clock.headStartedAt === 0 && this.#parser.inHead) requestStarted(clock, Date.now());
    return this.#retained;
  }

  onEnd(): boolean {
    // The parser applies peerEnded; its EOF error says what was cut short.
    let error: unknown = new HttpParseError("HPE_INVALID_EOF_STATE", "Connection closed inside a message");
    try {
      this.#parser.finish();
    } catch (err) {
      error = err;
    }
    const action = this.#state.action;
    if (action === "reject") {
      // Inside a message (a POST whose body never came, a cut head): as Node, the parser's EOF error
      // answers 400 and the open requests are aborted when the socket closes. Node's shape, as for the
      // errors of a read: "Parse Error: <reason>", with the reason kept.
      this.#fail(asNodeParseError(error as Error));
      return true;
    }
    // After a hand-over the end is the new protocol's.
    if (action !== "close") return true;
    // As Node's servers (httpAllowHalfOpen false): a peer that ends its side is gone. Whatever is
    // queued still goes out before our FIN; a response still being written learns of it through
    // 'close' once the socket closes, instead of waiting for its next write.
    // Node's `httpAllowHalfOpen`: the requests already read are still answered; the last answer's
    // messageWritten says close (reading is closed), then the FIN.
    this.#finOnPeerEnd = !(this.#host.httpAllowHalfOpen && this.#responses.length > 0);
    if (this.#responses.some(endImminent)) {
      // As Node, where a request read whole before the FIN and being read emits 'end' and 'close' (on
      // its own ticks) before the socket's 'end', whose first listener is the server's end-of-stream
      // handler: an answer written from the request's 'end' listener still goes out before our FIN, and
      // the socket's 'end' listeners come after, seeing what the server did. A transport that reads the
      // request and the FIN in one turn (Deno's) gets here first: both wait for the next macrotask,
      // after those ticks (a timer rather than node:timers' setImmediate, which would pull another node:
      // module into the graph).
      this.#finTimer = setTimeout(this.#afterPeerEnd, 0);
      return false;
    }
    if (this.#finOnPeerEnd) this.#endSocket();
    return true;
  }

  /** The timer of a FIN that waits for a request's 'end' (cleared if the socket closes first). */
  #finTimer: ReturnType<typeof setTimeout> | undefined;
  /** Whether the peer's end is answered with our FIN (not with `httpAllowHalfOpen` and answers owed). */
  #finOnPeerEnd = true;

  #afterPeerEnd = (): void => {
    this.#finTimer = undefined;
    if (this.#closed) return;
    if (this.#finOnPeerEnd) this.#endSocket();
    this.socket[kEmitEnd]();
  };

  onDrain(): void {
    this.#sendBackedUp = false;
    this.#setReadPause(PAUSED_BY_WRITES, false);
    this.#responses[0]?.[kSinkDrained]();
  }

  onClose(error: Error | undefined): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#finTimer !== undefined) clearTimeout(this.#finTimer);
    // The reject this asks for is the abort of every exchange still open.
    this.#state.readFailed();
    const responses = this.#responses;
    this.#responses = [];
    const receiving = this.#receiving;
    this.#receiving = null;
    abortOpenExchanges(responses, receiving, error);
    this.#host.connectionClosed(this);
  }

  // ---- OutgoingSink (for the response at the head of the queue) ----

  write(bytes: Uint8Array, transient?: boolean): boolean {
    // The first bytes of each response carry its head (interim heads go through sendInterim).
    const state = this.#state;
    if (state.writing === "idle") state.headWritten();
    // A socket ended on the peer's FIN (or by a handler) drops what comes after: see `writesLost`.
    if (this.socket.writableEnded || this.socket.destroyed) this.#writesLost = true;
    const ok = transient ? this.socket.sendTransient(bytes) : this.socket.send(bytes);
    if (!ok) this.#sendBackedUp = true;
    return ok;
  }

  whenFlushed(done: () => void): boolean {
    return this.socket[kWhenFlushed](done);
  }

  /** Whether a response's bytes were dropped: the socket's writing side had ended (no 'finish' then). */
  get writesLost(): boolean {
    return this.#writesLost;
  }

  #writesLost = false;

  // ---- ResponseOwner ----

  exchangeFacts(res: ServerResponse, head: OutgoingHead): void {
    const index = this.#responses.indexOf(res);
    head.state = this.#state;
    head.later = this.#responses.length - 1 - index;
    // As Node: the response to the connection's last allowed request says close, whatever follows it.
    const max = this.#host.maxRequestsPerSocket;
    if (this.#host.closing || max > 0 && this.#answered + index + 1 >= max) head.keepAlive = false;
  }

  sendInterim(res: ServerResponse, bytes: Uint8Array, status: number): void {
    if (this.#responses[0] !== res) return;
    this.socket.send(bytes);
    if (status === 100 && res.req === this.#receiving) this.#state.continueSent();
  }

  responseFinished(res: ServerResponse, keepAlive: boolean): void {
    if (this.#responses[0] !== res) return;
    this.#responses.shift();
    this.#answered++;
    // As Node: a response that closes only because the connection used up `maxRequestsPerSocket` does
    // not end reading at once when it was written while a read is being parsed: the requests behind it
    // in that read are still read, to be dropped ('dropRequest', 503 each) before the close.
    const max = this.#host.maxRequestsPerSocket;
    if (
      !keepAlive && this.#readPass !== "none" && max > 0 && this.#answered >= max &&
      mayKeepAlive(this.#state, 0)
    ) {
      this.#readPass = "parsing-last";
      keepAlive = true;
    }
    switch (this.#state.messageWritten(keepAlive)) {
      case "close":
        this.#switchHead = undefined;
        this.#closeAfterQueued();
        return;
      case "hand-over":
        // The last answer owed before a switching request is on its way: the listener gets the socket in
        // a microtask, after the code that ended that answer has run on.
        queueMicrotask(this.#deferredHandOver);
        return;
      case "idle":
        idleFrom(this.clock, Date.now());
        break;
      default:
        break;
    }
    this.#responses[0]?.[kAttachSink](this);
    this.#updatePipelinePause();
  }

  responseDestroyed(_res: ServerResponse, error: Error | undefined): void {
    this.socket.destroy(error);
  }

  // ---- timeouts (called by the server's sweep) ----

  /** Applies the server's timeouts at time `now`. */
  checkTimeouts(now: number): void {
    if (this.#closed) return;
    const late = overrun(this.clock, this.#host, now);
    if (late === "idle") {
      this.clock.idleSince = 0;
      // As Node, whose keep-alive timeout is the socket's idle timeout: a server 'timeout' listener hears
      // it and decides (once, until the connection is busy again); without one the socket closes. A
      // socket we already ended only waits for the peer's FIN: it is cut off either way.
      if (this.socket.writableEnded || !this.#host.emitTimeout(this.socket)) this.socket.destroy();
    } else if (late === "request") {
      this.#fail(requestTimedOut());
    }
  }

  /** Closes the connection if it is idle (between requests); returns whether it did. */
  closeIfIdle(): boolean {
    if (!this.idle) return false;
    this.socket.destroy();
    return true;
  }

  // Given to each request body; made once per connection rather than once per request.
  #resumeReading = (): void => this.#setReadPause(PAUSED_BY_BODY, false);

  get #readingOn(): boolean {
    const reading = this.#state.reading;
    return reading !== "closed" && reading !== "switched";
  }

  // ---- parser events ----

  #onHead(head: RequestHead): void {
    // The parser applied headRead (its action is always "continue").
    this.#requests++;
    this.clock.headStartedAt = 0;
    const classes = this.#host.messageClasses;
    const req = new classes.IncomingMessage(this.socket);
    receiveHead(req, head, this.#host.maxHeadersCount ?? 0);
    if (classes.joinDuplicateHeaders) req.joinDuplicateHeaders = true;
    this.#receiving = req;
    if (head.upgrade) {
      // The switch happens when this message ends (after its body, if it has one); 'upgrade' then.
      this.#takeover = { req, event: head.method === "CONNECT" ? "connect" : "upgrade" };
      this.#upgradeBodyBytes = 0;
      // A declared length over the budget fails now, not after the budget's worth of bytes.
      const framing = head.framing;
      if (head.method !== "CONNECT" && framing.kind === "length" && framing.length > MAX_UPGRADE_BODY) {
        throw upgradeBodyTooLarge();
      }
      return;
    }
    const res = new classes.ServerResponse(req, classes.responseOptions);
    res[kUniqueHeaders] = classes.uniqueHeaders;
    res[kBindOwner](this, head.keepAlive, head.expect !== undefined);
    req[kResumeReading] = this.#resumeReading;
    this.#responses.push(res);
    if (this.#responses.length === 1) res[kAttachSink](this);
    this.#updatePipelinePause();
    if (this.#sendBackedUp) this.#setReadPause(PAUSED_BY_WRITES, true);

    // As Node: a request past the connection's `maxRequestsPerSocket` is dropped: 'dropRequest', then 503.
    const max = this.#host.maxRequestsPerSocket;
    if (max > 0 && this.#requests > max) {
      // The 503 is queued before the event, so it is in line even if a listener answers earlier ones.
      res.writeHead(503);
      res.end();
      this.#host.emitDropRequest(req, this.socket);
      return;
    }

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
    const req = this.#receiving;
    if (req === null) return;
    if (this.#takeover?.req === req) {
      this.#upgradeBodyBytes += chunk.byteLength;
      if (this.#upgradeBodyBytes > MAX_UPGRADE_BODY) {
        throw upgradeBodyTooLarge();
      }
    }
    if (!receiveBody(req, chunk) && this.#takeover?.req !== req) {
      // The request's queue is full: stop reading until its consumer asks for more (`_read`).
      this.#setReadPause(PAUSED_BY_BODY, true);
    }
  }

  #onMessageEnd(rawTrailers: string[]): void {
    const req = this.#receiving;
    this.clock.requestStartedAt = 0;
    // The parser applied messageRead; its action is carried out once the request has its end.
    const action = this.#state.action;
    if (req !== null) {
      this.#receiving = null;
      req[kResumeReading] = undefined;
      this.#setReadPause(PAUSED_BY_BODY, false);
      receiveEnd(req, rawTrailers);
    }
    switch (action) {
      case "stop-reading":
        // RFC 9112 section 9.6: no request after one that said close is processed.
        this.#parser.stop();
        break;
      case "idle":
        // The answer was written before the request was read whole: the exchange completes here.
        idleFrom(this.clock, Date.now());
        break;
      case "hand-over":
        // The parser stopped right after this message; onData hands over the bytes that follow.
        break;
      default:
        break;
    }
  }

  // ---- helpers ----

  #deferredHandOver = (): void => {
    const parts = this.#switchHead ?? [];
    this.#switchHead = undefined;
    if (this.#closed) return;
    this.#setReadPause(PAUSED_BY_SWITCH, false);
    this.#handOver(parts.length === 1 ? parts[0]! : concatBytes(parts));
  };

  #handOver(head: Uint8Array): void {
    const { req, event } = this.#takeover!;
    this.#takeover = undefined;
    stopRequestClock(this.clock);
    // The socket leaves HTTP: it belongs to the listener now, with no server timeouts and none of our
    // listeners on it (as Node detaches its own).
    this.socket.off("timeout", this.#onSocketTimeout);
    this.socket.off("error", this.#onSocketError);
    this.#host.connectionHandedOver(this);
    this.socket[kSetConsumer](null);
    if (!this.#host.emitTakeover(event, req, this.socket, head)) this.socket.destroy();
  }

  #fail(err: unknown): void {
    // Nothing more is read; the reject this asks for is the error's report below.
    this.#state.readFailed();
    stopRequestClock(this.clock);
    const error = err instanceof Error ? err : new Error(String(err));
    // The requests still open are aborted when the socket closes (ECONNRESET "aborted", as Node); the
    // error itself goes to 'clientError', whose default answers with the status it names (or, if it names
    // none or a response is already on the wire, destroys the socket).
    // The connection reports this error itself: the socket's later errors are not client errors again.
    this.socket.off("error", this.#onSocketError);
    if (this.#host.emitClientError(error, this.socket)) return;
    if (answerClientError(this.socket, this.#responses, error)) {
      this.#endSocket();
      // As Node's default, which destroys the socket with the error after its answer: the socket's own
      // 'error' listeners hear it (here after the answer, which still goes out before the FIN).
      const socket = this.socket;
      if (socket.listenerCount("error") > 0) queueMicrotask(() => socket.emit("error", error));
    } else this.socket.destroy(error);
  }

  /** Sets or clears one reason to pause reading; the socket hears only when the answer changes. */
  #setReadPause(reason: number, on: boolean): void {
    const before = this.#readPause;
    const after = on ? before | reason : before & ~reason;
    if (after === before) return;
    this.#readPause = after;
    if ((before === 0) !== (after === 0)) this.socket.setReadPaused(after !== 0);
  }

  #updatePipelinePause(): void {
    this.#setReadPause(PAUSED_BY_PIPELINE, this.#responses.length > MAX_PIPELINED_RESPONSES);
  }

  /**
   * The connection closes after the response just written. A queued answer already complete (the 503 of a
   * request past `maxRequestsPerSocket`) still goes out first, as Node writes it; then the FIN.
   */
  #closeAfterQueued(): void {
    const next = this.#responses[0];
    if (next !== undefined && next.writableEnded) next[kAttachSink](this);
    else this.#endSocket();
  }

  #endSocket(): void {
    // FIN after the queued bytes; the transport closes once the peer's EOF arrives too. A peer that
    // never closes is cut off by the keep-alive sweep.
    if (!this.socket.writableEnded) this.socket.end();
    this.clock.idleSince ||= Date.now();
  }
}

/** The response's request was read whole and flows, so its 'end' is already on its way. */
function endImminent(res: ServerResponse): boolean {
  const req = res.req;
  return req.complete && !req.readableEnded && req.readableFlowing === true;
}
