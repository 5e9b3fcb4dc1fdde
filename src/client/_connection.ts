/**
 * One client socket: writes the current request, parses its response, reports interim responses,
 * hands the socket over on upgrade/CONNECT, and tells its owner (the Agent, or a one-off request) when
 * the socket is free again or dead.
 *
 * Theory of operation: a connection carries one request at a time (no pipelining, as Node's client).
 * The socket is reusable when the request was fully written, the response fully read, and both sides
 * said keep-alive. Anything else destroys it.
 *
 * @module
 */

import {
  type ConnectionState,
  headRead,
  messageRead,
  messageWritten,
  newConnectionState,
} from "../core/connection.ts";
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
import { kSetConsumer, type Socket, type SocketConsumer } from "../io/socket.ts";
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
  #request: ConnectionRequest | null = null;
  #response: IncomingMessage | null = null;
  #responseBytes = 0;
  #responseComplete = false;
  /** The protocol state, by core's rules (the same the server follows): it decides reuse. */
  #state: ConnectionState = newConnectionState("client");
  #takeover: IncomingMessage | undefined;
  #closed = false;
  #holdBody = false;
  #held: Uint8Array[] = [];
  #wroteHead = false;
  #discardBody = false;

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
    socket[kSetConsumer](this);
  }

  /**
   * Whether #onTimeout listens on the socket: while a response is read on a socket with a timeout set, as
   * Node's response listens from its head to its end (after the agent's and the request's listeners).
   * Without a timeout (the pooled fast path) nothing is added; the socket's `onTimeout` hook then passes
   * a timeout set later (`res.setTimeout()`) to the response.
   */
  #listensTimeout = false;
  /** The exchange is over but the socket was still sending the request: released on its drain. */
  #releaseOnDrain = false;
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
    this.#responseComplete = false;
    this.#holdBody = req.expectsContinue;
    this.#held = [];
    this.#wroteHead = false;
    this.#discardBody = false;
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
    if (this.#discardBody) return true;
    // With `Expect: 100-continue` the head goes now and the body waits for 100 (or a final status).
    if (this.#holdBody && this.#wroteHead) {
      this.#held.push(transient ? bytes.slice() : bytes);
      return false;
    }
    this.#wroteHead = true;
    const sent = transient ? this.socket.sendTransient(bytes) : this.socket.send(bytes);
    // The transport holds more than it should: its onDrain will come (see #maybeRelease).
    if (!sent) this.#sendBlocked = true;
    return sent;
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
    if (this.#takeover) {
      const res = this.#takeover;
      this.#takeover = undefined;
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

  onEnd(): void {
    try {
      // Completes a body delimited by the close; anything else unfinished is reported below.
      this.#parser.finish();
    } catch {
      // An incomplete message at EOF: Node reports the hang-up ("socket hang up" before the response,
      // "aborted" on the response), not the parser's EOF code.
    }
    if (this.#request && !this.#responseComplete) this.#lost(undefined, undefined);
    else this.socket.destroy();
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
    if (this.#releaseOnDrain) {
      this.#releaseOnDrain = false;
      this.#maybeRelease();
    }
    this.#request?.[kSinkDrained]();
  }

  onClose(error: Error | undefined): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#request && !this.#responseComplete) this.#lost(error, undefined);
    this.#request = null;
    this.#owner[kRemoved](this, false);
  }

  /** Called by the request once its last byte has been handed over. */
  requestFinished(): void {
    this.#maybeRelease();
  }

  // ---- parser events ----

  #onHead(head: ResponseHead): void {
    const req = this.#request!;
    if (head.statusCode < 200 && !head.upgrade) {
      if (head.statusCode === 100) this.#releaseBody();
      req[kOnInformation](head);
      return;
    }
    const res = new IncomingMessage(this.socket);
    receiveHead(res, head, req.maxHeadersCount ?? 0);
    if (head.upgrade) {
      this.#takeover = res;
      return;
    }
    // A final status before 100: the server decided without the body. Nothing more of it is sent,
    // so the connection cannot be reused (the server may or may not expect the body).
    if (this.#holdBody) {
      this.#holdBody = false;
      this.#held = [];
      this.#discardBody = true;
      req[kSinkDrained]();
    }
    this.#state =
      headRead(this.#state, { keepAlive: head.keepAlive, upgrade: false, expectContinue: false }).state;
    // As Node: a response that will not keep the connection turns the request's `shouldKeepAlive` off.
    if (!head.keepAlive) req.shouldKeepAlive = false;
    res[kResumeReading] = this.#resumeReading;
    this.#response = res;
    if (this.socket.timeout) {
      this.#listensTimeout = true;
      this.socket.on("timeout", this.#onTimeout);
    }
    req[kOnResponse](res);
  }

  #onResponseEnd(rawTrailers: string[]): void {
    const res = this.#response;
    if (!res) return;
    this.#responseComplete = true;
    this.#stopListeningTimeout();
    res[kResumeReading] = undefined;
    this.socket.setReadPaused(false);
    receiveEnd(res, rawTrailers);
    this.#maybeRelease();
  }

  #maybeRelease(): void {
    const req = this.#request;
    if (!req || !this.#responseComplete || !req.writableFinished) return;
    // As Node (a request is finished once its socket flushed it): a socket still sending a request body
    // the peer is not reading is not free yet; it is released on its drain, so no other request queues
    // behind it. Only after a refused write: onDrain is then certain.
    if (this.#sendBlocked && !this.#closed) {
      this.#releaseOnDrain = true;
      return;
    }
    this.#request = null;
    this.#response = null;
    // Core's rules: the request, written whole, promised reuse or not; the response, read whole, allowed it
    // or not. A request whose held-back body was dropped ended short, so the connection cannot go on.
    const written = messageWritten(this.#state, req.shouldKeepAlive && !this.#discardBody);
    const read = messageRead(written.state);
    this.#state = read.state;
    const keep = read.action === "idle" && !this.#closed;
    req[kOnExchangeEnd](keep);
    if (keep) this.#owner[kReleased](this);
    else this.socket.destroy();
  }

  #releaseBody(): void {
    if (!this.#holdBody) return;
    this.#holdBody = false;
    const held = this.#held;
    this.#held = [];
    let ok = true;
    for (const bytes of held) ok = this.socket.send(bytes);
    if (!ok) this.#sendBlocked = true;
    if (ok) this.#request?.[kSinkDrained]();
  }

  /** A malformed response: the socket cannot be trusted any more. */
  #fail(error: Error): void {
    this.#lost(undefined, error);
  }

  /** The exchange ends early: closed, reset, or `parseError`. Tells the request once. */
  #lost(cause: Error | undefined, parseError: Error | undefined): void {
    const req = this.#request;
    if (!req) return;
    this.#request = null;
    this.#stopListeningTimeout();
    this.socket.destroy();
    if (this.#response && !this.#responseComplete) {
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
