/**
 * One client socket: writes the current request, parses its response, reports interim responses,
 * hands the socket over on upgrade/CONNECT, and tells its owner (the Agent, or a one-off request) when
 * the socket is free again or dead.
 *
 * Theory of operation: a connection carries one request at a time (no pipelining, as Node's client).
 * The protocol rules are core's (`src/core/connection.ts`, the same the server follows), on the one state
 * value the response parser holds: the parser applies the reading side (a response head, its end, the
 * peer's EOF), this file the writing side as it happens (the request's head, a 100 received, the request
 * written whole) and failures, and it carries out each action. The exchange ends when core says so:
 * `idle` (both sides said keep-alive: the socket goes back to its owner) or `close` (it is destroyed);
 * `hand-over` gives the socket away after a 101 or a 2xx to CONNECT.
 *
 * @module
 */

import { nextTick } from "node:process";
import type { ConnectionAction, ConnectionMachine } from "../core/connection.ts";
import { ConnectionResetError } from "../core/errors.ts";
import { type ParserOptions, ResponseParser } from "../core/parser.ts";
import type { ResponseHead } from "../core/types.ts";
import {
  IncomingMessage,
  kResumeReading,
  receiveBody,
  receiveEnd,
  receiveHead,
} from "../io/incoming_message.ts";
import { kEmitEnd, kSetConsumer, type Socket, type SocketConsumer } from "../io/socket.ts";
import { kAttachSink, kSinkDrained, type OutgoingSink } from "../io/outgoing_message.ts";
import {
  type ConnectionHooks,
  kOnExchangeEnd,
  kOnFailure,
  kOnInformation,
  kOnResponse,
  kOnResponseLost,
  kOnTakeover,
  kReleased,
  kRemoved,
} from "./_hooks.ts";
import { asNodeParseError } from "../io/_parse_error.ts";

/** What a connection needs from the request it carries. Implemented by `ClientRequest`. */
export interface ConnectionRequest extends ConnectionHooks {
  readonly method: string;
  /** Whether the request asked to keep the connection open (false once the response refused). */
  shouldKeepAlive: boolean;
  /** Whether the request carries `Expect: 100-continue` (its body waits for `'continue'`). */
  readonly expectsContinue: boolean;
  /** Attaches the socket as the request's byte sink. */
  [kAttachSink](sink: OutgoingSink): void;
  [kSinkDrained](): void;
  /** Whether the request was fully written. */
  readonly writableFinished: boolean;
  /** Node's: at most this many response fields are kept (0 or null: all, up to the parser's limit). */
  readonly maxHeadersCount: number | null;
}

/** Told when a connection becomes free or closes: the Agent, or the one-off owner of `agent: false`. */
export interface ConnectionOwner {
  /** The exchange is complete and the socket may carry another request. */
  [kReleased](conn: ClientConnection): void;
  /** The socket closed or left HTTP; it is no longer usable. */
  [kRemoved](conn: ClientConnection, takenOver: boolean): void;
}

/** Per-socket driver for the client side. Internal. */
export class ClientConnection implements SocketConsumer, OutgoingSink {
  readonly socket: Socket;
  /** How many requests this socket has carried (more than 1 means it was reused). */
  uses = 0;
  #owner: ConnectionOwner;
  #parser: ResponseParser;
  /** The connection's protocol state: the parser's, which it advances as it reads; we apply the rest. */
  readonly #state: ConnectionMachine;
  #request: ConnectionRequest | null = null;
  /** The current request's final response (a switching one too), from its head on. */
  #response: IncomingMessage | null = null;
  #responseBytes = 0;
  /** The transport closed (its `onClose` came). */
  #closed = false;
  /** The request's body bytes held back while its writing side waits for a 100. */
  #held: Uint8Array[] = [];

  /** `parserOptions`: the first request's `maxHeaderSize` and `insecureHTTPParser` hold for the socket. */
  constructor(socket: Socket, owner: ConnectionOwner, parserOptions?: ParserOptions) {
    this.socket = socket;
    this.#owner = owner;
    this.#parser = new ResponseParser({
      onHead: (head) => this.#onHead(head),
      onData: (chunk) => {
        this.#retained = true;
        const res = this.#response;
        // A full queue stops the socket until the response's consumer asks for more.
        if (res !== null && !receiveBody(res, chunk)) this.socket.setReadPaused(true);
      },
      onEnd: (trailers) => this.#onResponseEnd(trailers),
    }, parserOptions);
    this.#state = this.#parser.state;
    socket[kSetConsumer](this);
  }

  /**
   * Whether #onTimeout listens on the socket: while a response is read on a socket with a timeout set, as
   * Node's response listens from its head to its end (after the agent's and the request's listeners).
   * Without a timeout (the pooled fast path) nothing is added; the socket's `onTimeout` hook then passes
   * a timeout set later (`res.setTimeout()`) to the response.
   */
  #listensTimeout = false;
  /**
   * The exchange is over but the socket was still sending the request: it ends on the drain, with this
   * (reuse or not).
   */
  #endOnDrain: boolean | undefined;
  /** A write was refused (the transport's queue is over its mark) and its onDrain has not come yet. */
  #sendBlocked = false;

  readonly #onTimeout = (): void => {
    this.#response?.emit("timeout");
  };

  #retained = false;
  #resumeReading = (): void => this.socket.setReadPaused(false);

  /** Whether the socket is closed. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Starts carrying `req`. */
  assign(req: ConnectionRequest): void {
    this.uses++;
    this.#request = req;
    this.#response = null;
    this.#responseBytes = 0;
    this.#held = [];
    this.#parser.expectResponseTo(req.method);
    this.socket.setReadPaused(false);
    req[kAttachSink](this);
  }

  /** Whether response bytes have arrived for the current request. */
  get responseStarted(): boolean {
    return this.#responseBytes > 0;
  }

  // ---- OutgoingSink ----

  write(bytes: Uint8Array, transient?: boolean): boolean {
    const state = this.#state;
    switch (state.writing) {
      case "dropping":
        return true;
      case "continue":
        // With `Expect: 100-continue` the head went and the body waits for 100 (or a final status).
        this.#held.push(transient ? bytes.slice() : bytes);
        return false;
      case "idle":
        // The first bytes of a request carry its head.
        state.headWritten(this.#request?.expectsContinue === true);
        break;
      default:
        break;
    }
    const sent = transient ? this.socket.sendTransient(bytes) : this.socket.send(bytes);
    // The transport holds more than it should: its onDrain will come (see #exchangeEnded).
    if (!sent) this.#sendBlocked = true;
    return sent;
  }

  /**
   * As Node's, whose request finishes with the callback of its last socket write: a socket still
   * connecting holds the bytes, so the request's 'finish' comes after the socket's 'connect' (and
   * 'secureConnect') listeners, in the microtask after them. An open socket takes them at once: false.
   */
  whenFlushed(done: () => void): boolean {
    if (!this.socket.connecting) return false;
    this.socket.once("connect", () => queueMicrotask(done));
    return true;
  }

  // ---- SocketConsumer ----

  onData(chunk: Uint8Array): boolean {
    this.#responseBytes += chunk.byteLength;
    if (!this.#request) {
      // Bytes on an idle socket: the server is confused or closing; the socket cannot be trusted.
      this.socket.destroy();
      return false;
    }
    this.#retained = false;
    let consumed: number;
    try {
      consumed = this.#parser.execute(chunk);
    } catch (err) {
      this.#fail(asNodeParseError(err as Error, chunk));
      return false;
    }
    // The parser stopped right after a switching response (the hand-over action of its end).
    if (this.#state.reading === "switched") {
      const res = this.#response!;
      const req = this.#request;
      this.#request = null;
      this.#closed = true;
      this.#owner[kRemoved](this, true);
      this.socket[kSetConsumer](null);
      // The socket is the user's now, without our listeners (as Node's).
      this.#stopListeningTimeout();
      if (!req[kOnTakeover](res, this.socket, chunk.subarray(consumed))) this.socket.destroy();
      return true;
    }
    return this.#retained;
  }

  onEnd(): boolean {
    if (this.#response !== null && this.#response.readableLength > 0) {
      // As Node, where the bytes before the FIN come in an I/O callback of their own, and the response's
      // 'data' (on its ticks) before the socket's 'end', whose first listener is the client's
      // end-of-stream handler. A transport that reads both in one turn (Deno's) gets here first: the
      // end waits for the next macrotask, after those ticks.
      this.#endTimer = setTimeout(this.#afterPeerEnd, 0);
      return false;
    }
    this.#peerEnded();
    return true;
  }

  /** The timer of a peer's end that waits for the response's queued bytes (see onEnd). */
  #endTimer: ReturnType<typeof setTimeout> | undefined;

  #afterPeerEnd = (): void => {
    this.#endTimer = undefined;
    this.#peerEnded();
    this.socket[kEmitEnd]();
  };

  /** Node's socketOnEnd: the exchange ends with the peer's FIN. */
  #peerEnded(): void {
    try {
      // Completes a body delimited by the close, and applies peerEnded.
      this.#parser.finish();
    } catch {
      // An incomplete message at EOF: Node reports the hang-up ("socket hang up" before the response,
      // "aborted" on the response), not the parser's EOF code.
    }
    // reject: a response was owed or cut short. close: nothing was owed, but a request given this socket
    // and not yet written loses it all the same.
    if (this.#state.action === "reject" || this.#request !== null && this.#response === null) {
      this.#lost(undefined, undefined);
    } else if (this.#request === null) {
      // An idle pooled socket: Node's client no longer listens to it (it removes its end-of-stream
      // handler when it frees one), so it ends its own side as a net.Socket that is not half-open does,
      // a tick after its 'end' ('finish', then 'close'), rather than being destroyed.
      nextTick(endIfWritable, this.socket);
    } else this.socket.destroy();
  }

  /** The socket timed out; a response read without our listener hears it here. */
  onTimeout(): void {
    if (!this.#listensTimeout) this.#response?.emit("timeout");
  }

  #stopListeningTimeout(): void {
    if (!this.#listensTimeout) return;
    this.#listensTimeout = false;
    this.socket.off("timeout", this.#onTimeout);
  }

  onDrain(): void {
    this.#sendBlocked = false;
    const keep = this.#endOnDrain;
    if (keep !== undefined) {
      this.#endOnDrain = undefined;
      this.#exchangeEnded(keep);
    }
    this.#request?.[kSinkDrained]();
  }

  onClose(error: Error | undefined): void {
    if (this.#closed) return;
    if (this.#endTimer !== undefined) {
      // The FIN came before the close: a body it delimits is complete, not lost.
      clearTimeout(this.#endTimer);
      this.#endTimer = undefined;
      this.#peerEnded();
    }
    this.#closed = true;
    if (this.#request && !this.#responseDone) this.#lost(error, undefined);
    this.#request = null;
    this.#owner[kRemoved](this, false);
  }

  /**
   * Called by the request once its last byte has been handed over: the request is written whole, once
   * per request. A body still held for a 100 is written whole when it is released or dropped.
   */
  requestFinished(): void {
    const writing = this.#state.writing;
    if (this.#request !== null && (writing === "body" || writing === "dropping")) this.#requestWritten();
  }

  /** The response was read whole (core opened no exchange that is still waiting for it). */
  get #responseDone(): boolean {
    return this.#response !== null && this.#state.open === 0;
  }

  // ---- parser events ----

  #onHead(head: ResponseHead): void {
    const req = this.#request!;
    // An interim head is no message for core: the parser applied nothing.
    if (head.statusCode < 200 && !head.upgrade) {
      if (head.statusCode === 100) this.#releaseBody();
      req[kOnInformation](head);
      return;
    }
    // The parser applied headRead; a switching response ends at once and is handed over.
    const res = new IncomingMessage(this.socket);
    receiveHead(res, head, req.maxHeadersCount ?? 0);
    this.#response = res;
    if (head.upgrade) return;
    // A final status before 100: the server decided without the body, which core now drops (and the
    // connection cannot be reused: the server may or may not expect the body).
    if (this.#state.writing === "dropping") {
      this.#held = [];
      req[kSinkDrained]();
      if (req.writableFinished) this.#requestWritten();
    }
    // As Node: a response that will not keep the connection turns the request's `shouldKeepAlive` off.
    if (!head.keepAlive) req.shouldKeepAlive = false;
    res[kResumeReading] = this.#resumeReading;
    if (this.socket.timeout) {
      this.#listensTimeout = true;
      this.socket.on("timeout", this.#onTimeout);
    }
    req[kOnResponse](res);
  }

  #onResponseEnd(rawTrailers: string[]): void {
    const res = this.#response;
    // The parser applied messageRead. A switching response is handed over by onData, once it stops.
    const action = this.#state.action;
    if (res === null || action === "hand-over") return;
    this.#stopListeningTimeout();
    res[kResumeReading] = undefined;
    this.socket.setReadPaused(false);
    receiveEnd(res, rawTrailers);
    this.#act(action);
  }

  /** The request is on the wire whole: core's messageWritten, with the reuse it promised. */
  #requestWritten(): void {
    this.#act(this.#state.messageWritten(this.#request!.shouldKeepAlive));
  }

  /** Carries out what core asks after the exchange moved on either side. */
  #act(action: ConnectionAction): void {
    switch (action) {
      case "idle":
        this.#exchangeEnded(true);
        break;
      case "close":
        this.#exchangeEnded(false);
        break;
      default:
        // continue: the other side of the exchange is still under way. A client is never asked to stop
        // reading; a hand-over is onData's.
        break;
    }
  }

  /** The exchange is complete: the socket goes back to its owner (`keep`) or is destroyed. */
  #exchangeEnded(keep: boolean): void {
    const req = this.#request;
    if (!req) return;
    // As Node (a request is finished once its socket flushed it): a socket still sending a request body
    // the peer is not reading is not free yet; it is released on its drain, so no other request queues
    // behind it. Only after a refused write: onDrain is then certain.
    if (this.#sendBlocked && !this.#closed) {
      this.#endOnDrain = keep;
      return;
    }
    // The request's 'finish' (queued when its last byte was handed over) comes first, as in Node.
    if (!req.writableFinished) {
      queueMicrotask(() => this.#exchangeEnded(keep));
      return;
    }
    this.#request = null;
    this.#response = null;
    keep &&= !this.#closed;
    req[kOnExchangeEnd](keep);
    if (keep) this.#owner[kReleased](this);
    else this.socket.destroy();
  }

  /** A 100 came: the held body goes, and a request that ended meanwhile is written whole now. */
  #releaseBody(): void {
    const state = this.#state;
    if (state.writing !== "continue") return;
    state.continueReceived();
    const held = this.#held;
    this.#held = [];
    let ok = true;
    for (const bytes of held) ok = this.socket.send(bytes);
    if (!ok) this.#sendBlocked = true;
    if (ok) this.#request?.[kSinkDrained]();
    if (this.#request?.writableFinished) this.#requestWritten();
  }

  /** A malformed response: the socket cannot be trusted any more. */
  #fail(error: Error): void {
    this.#state.readFailed();
    // The reject this asks for: the request hears of the error.
    this.#lost(undefined, error);
  }

  /** The exchange ends early: closed, reset, or `parseError`. Tells the request once. */
  #lost(cause: Error | undefined, parseError: Error | undefined): void {
    const req = this.#request;
    if (!req) return;
    this.#request = null;
    this.#stopListeningTimeout();
    this.socket.destroy();
    if (this.#response !== null && !this.#responseDone) {
      req[kOnResponseLost](cause, parseError);
      return;
    }
    // The transport's own error when it has one (e.g. `read ECONNRESET`), as Node reports it.
    req[kOnFailure](parseError ?? cause ?? hangUp(), this.responseStarted);
  }
}

/** Node's error for a server that closed before answering. */
export function hangUp(): Error {
  return connReset("socket hang up");
}

function connReset(message: string, cause?: Error): Error {
  return new ConnectionResetError(message, cause ? { cause } : undefined);
}

/** The stream's own step for a socket that is not half-open: its writable side ends after its 'end'. */
function endIfWritable(socket: Socket): void {
  if (socket.writable && !socket.writableEnded) socket.end();
}
