/**
 * `ClientRequest`: an outgoing request, Node's API over {@linkcode OutgoingMessage}. It gets its socket
 * from an Agent (or a one-off connection), sends its head with the first body bytes, and emits the
 * response, interim responses, upgrades and failures with Node's events and codes.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { nextTick } from "node:process";
import { isHttps } from "./tls_options.ts";
import { reportUncaught } from "../io/_uncaught.ts";
import {
  kAttachSink,
  kUniqueHeaders,
  OutgoingMessage,
  type OutgoingSink,
  uniqueHeaderSet,
} from "../io/outgoing_message.ts";
import type { OutgoingHead } from "../core/encode.ts";
import type { IncomingMessage } from "../io/incoming_message.ts";
import type { Socket } from "../io/socket.ts";
import { AbortError, ConnectionResetError } from "../core/errors.ts";
import { hostFieldValue } from "../core/head_writer.ts";
import { validateMethod, validatePath } from "../core/head_validation.ts";
import { hasToken } from "../core/connection_tokens.ts";
import type { OutgoingHeaders, ResponseHead } from "../core/types.ts";
import { type ClientConnection, hangUp } from "./_connection.ts";
import {
  kAssignConnection,
  kOnExchangeEnd,
  kOnFailure,
  kOnInformation,
  kOnResponse,
  kOnResponseLost,
  kOnTakeover,
  kRetry,
} from "./_hooks.ts";
import { type Origin, originOf } from "./_origin.ts";
import { basicCredentials } from "./_credentials.ts";
import { RequestSocketTimeout } from "./_socket_timeout.ts";
import type { RequestOptions } from "./request_options.ts";
import { AgentClass, type AgentLike, type AgentRequestOptions, type AgentSocket } from "./agent.ts";
import { MAX_REPLAY_BYTES } from "./_request_retry.ts";
import { bindSocket } from "./_socket_binding.ts";
import { checkLookup } from "./_lookup.ts";
import { agentOf, requestArgs, type ResponseCallback, startRequest } from "./_start_request.ts";
import { invalidArgType } from "../io/_node_errors.ts";
import {
  checkMethodType,
  checkParserOptions,
  checkProtocol,
  checkTimeout,
  timerDuration,
} from "./_request_checks.ts";

export type { ClientRequestEvents, InformationEvent, RequestOptions } from "./request_options.ts";
import type { InformationEvent } from "./request_options.ts";

/** A client response, which points back at its request (Node's `res.req`). */
type ExchangeResponse = IncomingMessage & { req: ClientRequest };

/**
 * A request in flight.
 *
 * @example
 * ```ts ignore
 * import { request } from "@wire/http";
 * const req = request({ host: "127.0.0.1", port: 8080, method: "POST", path: "/upload" }, (res) => {
 *   console.log(res.statusCode, res.headers);
 *   res.on("data", (chunk) => console.log(chunk.length));
 * });
 * req.on("error", (err) => console.error(err.code));
 * req.end("payload");
 * ```
 */
export class ClientRequest extends OutgoingMessage {
  /** Method. */
  readonly method: string;
  /** Request-target. */
  readonly path: string;
  /** Host the request goes to. */
  readonly host: string;
  /** Port (0 with a socket path). */
  readonly port: number;
  /** `"http:"` or `"https:"`. */
  readonly protocol: string;
  /** Whether `abort()` was called (Node 20: `destroy()` leaves it false; see `destroyed`). */
  aborted = false;
  /** Whether the request is being reused on a socket after another (Node's `reusedSocket`). */
  reusedSocket = false;
  /** The socket, once assigned. */
  socket: Socket | null = null;
  /** The response, once it arrived. */
  res: IncomingMessage | null = null;
  /** Whether the head carries `Expect: 100-continue`. */
  expectsContinue = false;
  /**
   * Node's: the response keeps at most this many fields (`rawHeaders` and `headers`); null or 0 keeps
   * them all (up to the parser's limits).
   */
  maxHeadersCount: number | null = null;

  readonly #options: RequestOptions;
  readonly #agent: AgentLike | undefined;
  #connection: ClientConnection | null = null;
  #replay: Uint8Array[] | null = [];
  #replayBytes = 0;
  #retried = false;
  readonly #timeout: RequestSocketTimeout;
  #closeEmitted = false;
  #errored = false;
  /** Whether the connection went back to the pool after this exchange (see the 'close' order). */
  #keptAlive = false;
  /** Set while destroy() runs, which reports the loss itself. */
  #destroying = false;

  /**
   * Node's constructor: the same arguments as {@linkcode request}, and the request starts at once (asks
   * its agent, or `createConnection`, for a socket).
   */
  constructor(
    input: string | URL | RequestOptions,
    options?: RequestOptions | ResponseCallback,
    callback?: ResponseCallback,
  ) {
    super();
    const args = requestArgs(input, options, callback);
    options = args.options;
    const agent = agentOf(options);
    const https = isHttps(options);
    checkProtocol(options.protocol, https);
    this.protocol = https ? "https:" : "http:";
    this.#options = options;
    this.#agent = agent;
    const method: unknown = options.method;
    checkMethodType(method);
    // As Node: an empty method is the default one (valid and upper-case as it stands).
    if (method) {
      this.method = method.toUpperCase();
      validateMethod(this.method);
    } else this.method = "GET";
    // As Node: an empty path is the default one.
    this.path = options.path || "/";
    validatePath(this.path);
    // As Node: without a defaultPort of its own, the request takes its agent's (when it speaks this scheme).
    const agentPort = agent?.defaultPort;
    const origin = originOf(
      options,
      options.defaultPort === undefined && typeof agentPort === "number" &&
        (agent!.protocol === undefined || agent!.protocol === this.protocol)
        ? agentPort
        : options.defaultPort,
    );
    this.host = origin.host;
    this.port = origin.port;
    if (options.timeout !== undefined) checkTimeout(options.timeout);
    checkLookup(options.lookup);
    checkParserOptions(options);
    this.#timeout = new RequestSocketTimeout(
      options.timeout === undefined
        ? agent?.options?.timeout ?? 0
        : timerDuration(options.timeout, "timeout"),
      this,
    );
    // Node: a non-keep-alive Agent still asks for keep-alive when its pool is bounded, since a queued
    // request may reuse the socket.
    this.shouldKeepAlive = agent ? Boolean(agent.keepAlive) || Number.isFinite(agent.maxSockets) : false;
    this[kUniqueHeaders] = uniqueHeaderSet(options.uniqueHeaders);
    const headers = options.headers;
    // As Node: a list of raw fields is sent as given, without a Host or Authorization field added.
    if (Array.isArray(headers)) this.mergeHeaders(headers);
    else {
      this.#setFields(options, origin, agent);
      if (options.auth && !this.hasHeader("authorization")) {
        this.setHeader("Authorization", "Basic " + basicCredentials(options.auth));
      }
    }
    // hasUserField reads the raw list: a plain request builds no field map for these two questions.
    if (this.hasUserField("connection")) {
      const connection = this.getHeader("connection");
      if (hasToken(connection, "close")) this.shouldKeepAlive = false;
      else if (hasToken(connection, "keep-alive")) this.shouldKeepAlive = true;
    }
    if (
      this.hasUserField("expect") && hasToken(this.getHeader("expect") as string | undefined, "100-continue")
    ) {
      this.expectsContinue = true;
    }
    if (options.signal) this.#watchSignal(options.signal);
    // Node: an Expect field fixes and sends the head at once; the body waits for 'continue'.
    if (this.expectsContinue) this.flushHeaders();
    if (args.callback) this.once("response", args.callback);
    startRequest(this, options, agent);
  }

  /**
   * The `headers` object and, as Node, Host: a field like the caller's, set when the request is made, so
   * `getHeader("host")` reads it, `removeHeader("host")` drops it, and the head has it after the fields
   * given in `headers` and before any set later. A Host the caller gave wins; `setHost` (any falsy value)
   * turns it off. Given as one list, so the fields stay a raw list (no field map per request).
   */
  #setFields(options: RequestOptions, origin: Origin, agent: AgentLike | undefined): void {
    const headers = options.headers as Record<string, unknown> | undefined | null;
    const given = headers ? hostOf(headers) : undefined;
    if (given && typeof given !== "string") throw invalidArgType("options.headers.host", "string", given);
    if (given || (options.setHost !== undefined && !options.setHost)) {
      if (headers) this.mergeHeaders(headers as OutgoingHeaders);
      return;
    }
    // Without an agent and a defaultPort of its own, Node knows no default port and always names it
    // (checked under node: `createConnection` and host "::1" send `Host: [::1]:80`).
    const defaultPort = agent === undefined && options.defaultPort === undefined ? -1 : origin.defaultPort;
    // Checked by core's head writer: CR/LF or non-latin1 throws ERR_INVALID_CHAR here, as Node's request()
    // does, instead of reaching the Host line.
    const value = origin.socketPath ? "localhost" : hostFieldValue(this.host, this.port, defaultPort);
    if (!headers) this.mergeHeaders(["Host", value]);
    else if (given === undefined) this.mergeHeaders({ ...headers, Host: value } as OutgoingHeaders);
    else {
      // An empty Host given (as Node: replaced, under the name "Host").
      this.mergeHeaders(headers as OutgoingHeaders);
      this.setHeader("Host", value);
    }
  }

  /** Adds a listener; the request's own events are typed (`'response'`, `'upgrade'`, `'socket'`, ...). */
  override on(event: "response", listener: (res: IncomingMessage) => void): this;
  /** `'upgrade'` (101) or `'connect'` (2xx to CONNECT): the socket is raw from here. */
  override on(
    event: "upgrade" | "connect",
    listener: (res: IncomingMessage, socket: Socket, head: Buffer) => void,
  ): this;
  /** The request got its socket. */
  override on(event: "socket", listener: (socket: Socket) => void): this;
  /** A 1xx interim response. */
  override on(event: "information", listener: (info: InformationEvent) => void): this;
  /** Any event. */
  // deno-lint-ignore no-explicit-any
  override on(event: string | symbol, listener: (...args: any[]) => void): this;
  // deno-lint-ignore no-explicit-any
  override on(event: string | symbol, listener: (...args: any[]) => void): this {
    return super.on(event, listener);
  }

  /** Adds a one-time listener; typed as {@linkcode ClientRequest.on}. */
  override once(event: "response", listener: (res: IncomingMessage) => void): this;
  /** `'upgrade'` (101) or `'connect'` (2xx to CONNECT), once. */
  override once(
    event: "upgrade" | "connect",
    listener: (res: IncomingMessage, socket: Socket, head: Buffer) => void,
  ): this;
  /** The request got its socket, once. */
  override once(event: "socket", listener: (socket: Socket) => void): this;
  /** Any event, once. */
  // deno-lint-ignore no-explicit-any
  override once(event: string | symbol, listener: (...args: any[]) => void): this;
  // deno-lint-ignore no-explicit-any
  override once(event: string | symbol, listener: (...args: any[]) => void): this {
    return super.once(event, listener);
  }

  /** The agent carrying this request, if any. */
  get agent(): AgentLike | undefined {
    return this.#agent;
  }

  /**
   * Node's `timeoutCb`: the request's listener on its socket's `'timeout'` while it listens (after
   * `setTimeout()` or with a `timeout` option), else undefined.
   */
  get timeoutCb(): (() => void) | undefined {
    return this.#timeout.listener;
  }

  /** Same as `socket` (Node's older name). */
  get connection(): Socket | null {
    return this.socket;
  }

  /**
   * Sets the socket inactivity timeout (on a socket still connecting, once it connected); `callback` is
   * added as a `'timeout'` listener. As Node 20, the request hears its socket's `'timeout'` once in its
   * life; over 2^31-1 ms is clamped with a `TimeoutOverflowWarning`.
   */
  override setTimeout(ms: number, callback?: () => void): this {
    ms = timerDuration(ms, "msecs");
    if (callback) this.once("timeout", callback);
    this.#timeout.set(ms, this.socket);
    return this;
  }

  /** Disables Nagle's algorithm on the socket (now or once assigned). */
  setNoDelay(noDelay = true): void {
    if (this.socket) this.socket.setNoDelay(noDelay);
    else this.once("socket", (s) => s.setNoDelay(noDelay));
  }

  /** Enables TCP keep-alive probes on the socket (now or once assigned). */
  setSocketKeepAlive(enable = false, initialDelay = 0): void {
    if (this.socket) this.socket.setKeepAlive(enable, initialDelay);
    else this.once("socket", (s) => s.setKeepAlive(enable, initialDelay));
  }

  /** Node's legacy abort: destroys without an error and emits `'abort'`. */
  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    // Node 20 (checked under node): before the request has a socket, 'close' then 'abort', no error; once
    // it has one, 'abort', then ECONNRESET "socket hang up", then 'close'.
    if (this.socket === null) {
      // A socket already handed over reports the end in onSocket's tick: 'abort' follows it there.
      const arriving = this.#socketArriving;
      this.destroy();
      if (arriving) nextTick(() => this.emit("abort"));
      else queueMicrotask(() => this.emit("abort"));
      return;
    }
    queueMicrotask(() => this.emit("abort"));
    this.destroy();
  }

  /** Node's `clearTimeout(callback)`: turns the socket timeout off and removes `callback`. */
  clearTimeout(callback?: () => void): void {
    if (callback) this.removeListener("timeout", callback);
    this.setTimeout(0);
  }

  // ---- ConnectionRequest ----

  /** @ignore Internal (connection): a 1xx arrived. */
  [kOnInformation](head: ResponseHead): void {
    if (head.statusCode === 100) this.emit("continue");
    this.emit("information", {
      statusCode: head.statusCode,
      statusMessage: head.statusMessage,
      httpVersion: `${head.versionMajor}.${head.versionMinor}`,
      httpVersionMajor: head.versionMajor,
      httpVersionMinor: head.versionMinor,
      headers: head.headers,
      rawHeaders: head.rawHeaders,
    });
  }

  /** @ignore Internal (connection): the final response head arrived. */
  [kOnResponse](res: IncomingMessage): void {
    this.res = res;
    // Node's client responses point back at their request; the shared listeners below find it there, as
    // Node's own responseOnEnd does.
    (res as ExchangeResponse).req = this;
    if (this.#options.joinDuplicateHeaders) res.joinDuplicateHeaders = true;
    this.#replay = null;
    // Before the 'response' listeners add theirs, as Node's own 'end' listener (responseOnEnd) comes
    // first: the request's 'close' and the socket's 'free' are then scheduled ahead of whatever the
    // caller's 'end' listeners schedule.
    res.on("end", ClientRequest.#onResponseEnd);
    let listened = true;
    try {
      listened = this.emit("response", res);
    } catch (err) {
      reportUncaught(err);
    }
    // A socket that closes after the exchange ends the request after the response's 'close' (Node's
    // order; the pooled path is #maybeRelease's). `on`, not `once`: each fires once per response anyway
    // (and #emitClose runs once), and a once wrapper costs a closure and a listener-list copy on removal,
    // per request. The listeners are shared functions that find the request on the response, so a
    // response allocates no closures for them.
    res.on("close", ClientRequest.#onResponseClose);
    // Seed: listeners added inside 'response' see the whole body. With nobody listening, the body is
    // read and dropped so the socket can be reused (as Node does).
    if (!listened) res._dump();
  }

  static #onResponseEnd(this: IncomingMessage): void {
    const req = (this as ExchangeResponse).req;
    req.#responseEnded = true;
    req.#maybeRelease();
  }

  static #onResponseClose(this: IncomingMessage): void {
    const req = (this as ExchangeResponse).req;
    req.#resClosed = true;
    if (!req.#socketClosing) req.#emitClose();
  }

  /** @ignore Internal (connection): a 101 or a 2xx to CONNECT. */
  [kOnTakeover](res: IncomingMessage, socket: Socket, head: Uint8Array): boolean {
    this.res = res;
    // Node's client responses point back at their request.
    (res as { req?: ClientRequest }).req = this;
    if (this.#options.joinDuplicateHeaders) res.joinDuplicateHeaders = true;
    const event = this.method === "CONNECT" ? "connect" : "upgrade";
    if (this.listenerCount(event) === 0) return false;
    res.complete = true;
    // As Node: the socket is the listener's, handed over without this request's timeout listener and no
    // longer pointing at it (an agent reads `_httpMessage` to pool sockets).
    this.#timeout.detach();
    (socket as { _httpMessage?: unknown })._httpMessage = null;
    if (this.#onSocketClose !== undefined) socket.off("close", this.#onSocketClose);
    try {
      this.emit(event, res, socket, Buffer.from(head.buffer, head.byteOffset, head.byteLength));
    } catch (err) {
      reportUncaught(err);
    }
    // As Node: the request is done with the socket, which is the listener's now.
    this.destroyed = true;
    try {
      this.#emitClose();
    } catch (err) {
      reportUncaught(err);
    }
    return true;
  }

  /** @ignore Internal (connection): request and response are complete. */
  [kOnExchangeEnd](keptAlive: boolean): void {
    this.#keptAlive = keptAlive;
    this.#timeout.detach();
    if (keptAlive) {
      // As Node's responseKeepAlive: the socket is the pool's again, and the request is done with it, so
      // a later destroy() (got calls it after every response) is a no-op, not the end of a pooled socket.
      this.destroyed = true;
      this.#connection = null;
      this.#maybeRelease();
      return;
    }
    // The socket closes after this exchange. As Node (whose request closes on the socket's 'close'), the
    // request's 'close' waits for it too, so its agent has let the socket go by then. Not the pooled path.
    const socket = this.socket;
    if (socket && !(socket as { closed?: boolean }).closed) {
      this.#socketClosing = true;
      if (this.#onSocketClose === undefined) socket.once("close", this.#watchSocketClose());
    }
  }

  /**
   * The request's listener for its socket's 'close', once it knows the socket will not be kept. A request
   * that does not ask for keep-alive adds it before its 'socket' event, as Node's own (after the agent's,
   * before the user's), so its 'close' comes before the user hears the socket's.
   */
  #onSocketClose: (() => void) | undefined;

  /** Makes the listener (only for requests whose socket closes: keep-alive ones allocate nothing). */
  #watchSocketClose(): () => void {
    return this.#onSocketClose = () => {
      this.#socketClosing = false;
      if (this.#resClosed) this.#emitClose();
    };
  }

  #resClosed = false;
  /** The socket closes after a finished exchange; the request's 'close' follows its 'close'. */
  #socketClosing = false;

  /**
   * Node's emitFreeNT: once the exchange ended with its socket kept and the response's `'end'` came, a
   * tick later the request emits `'close'` and the socket `'free'` (its agent's cue), in that order, ahead
   * of the response's `'close'`.
   */
  #maybeRelease(): void {
    if (!this.#keptAlive || !this.#responseEnded || this.#released) return;
    this.#released = true;
    const source = this.#agent === undefined ? null : this.#source;
    this.#source = null;
    nextTick(() => {
      this.#emitClose();
      // Even on a socket destroyed meanwhile (an agent.destroy() in an 'end' listener), as Node: the
      // agent then drops it.
      source?.emit("free");
    });
  }

  #released = false;
  #responseEnded = false;
  /** The socket as the agent gave it (a net socket stays itself; `socket` is our wrapper of it). */
  #source: AgentSocket | null = null;

  /** @ignore Internal (connection): the connection went away, or spoke garbage, mid-response. */
  [kOnResponseLost](cause: Error | undefined, parseError: Error | undefined): void {
    this.#timeout.detach();
    // destroy() reports its own loss (see destroyImpl).
    if (this.#destroying) return;
    // Node's order: a parse error or the socket's own error (a reset: `read ECONNRESET`; the error a
    // response was destroyed with) on the request first, then 'aborted' on the response, the request's
    // 'close', and the response's ECONNRESET "aborted" error and 'close'. A plain close is no request error.
    // Deferred a tick, as Node's socket 'close' comes after the data read before it: body chunks already
    // queued reach a flowing response (its 'data' is scheduled with process.nextTick) before the loss.
    nextTick(() => {
      const error = parseError ?? cause;
      if (error) this.#emitError(error);
      const res = this.res;
      // A response the user destroyed closes after this report; the request's 'close' follows its 'close'
      // (Node's order), through the listener kOnResponse added.
      if (res && res.destroyed && !this.#resClosed) return;
      if (res && !res.complete && !res.destroyed) {
        res.destroy(new ConnectionResetError("aborted", cause ? { cause } : undefined));
      }
      this.#emitClose();
    });
  }

  /** @ignore Internal (connection): the exchange failed. */
  [kOnFailure](error: Error, responseStarted: boolean): void {
    // destroy() reports its own loss: the socket it destroys may close at once (one still connecting).
    if (this.#destroying) return;
    const conn = this.#connection;
    // A reused keep-alive socket that failed before the server sent anything back may go again, once, on
    // a fresh socket, if we still hold every byte we sent: our Agent decides whether the failure is one a
    // fresh socket cures (its retry policy) and runs it again.
    if (
      !responseStarted && conn && conn.uses > 1 && !conn.responseStarted && !this.#retried &&
      !this.destroyed && this.#replay !== null && this.#agent instanceof AgentClass &&
      this.#agent[kRetry](this, this.agentOptions(), error)
    ) {
      this.#retried = true;
      this.#timeout.detach(true);
      this.#connection = null;
      this.socket = null;
      return;
    }
    this.#timeout.detach();
    this.#fail(error);
  }

  /**
   * Node's agent protocol: an agent (or `createConnection`) hands the request its socket, or the error
   * that kept it from getting one. Ours, a `net`/`tls` socket or any Duplex (wrapped once, kept for the
   * socket's life). Deferred a tick as in Node, so listeners added after `request()` see `'socket'`.
   */
  onSocket(socket: AgentSocket | null | undefined, err?: Error | null): void {
    this.#socketArriving = true;
    nextTick(() => {
      if (err) {
        // As Node: a request that got no socket is over.
        this.destroyed = true;
        this.#fail(err);
        return;
      }
      if (!socket) {
        if (this.#destroyedBeforeSocket) this.#reportEarlyDestroy(undefined);
        return;
      }
      if (this.destroyed) {
        // As Node: a socket an agent opened for a request that went away goes back to the agent.
        if (this.#agent && !socket.destroyed) socket.emit("free");
        else socket.destroy();
        if (this.#destroyedBeforeSocket) this.#reportEarlyDestroy(socket);
        return;
      }
      // What Node's agents read to decide whether a freed socket is kept.
      (socket as { _httpMessage?: unknown })._httpMessage = this;
      this.#source = socket;
      this[kAssignConnection](bindSocket(socket, this.#agent === undefined, this.#options));
    });
  }

  /** Set once a socket (or the error that kept it away) was handed over; it arrives a tick later. */
  #socketArriving = false;
  /** destroy() ran before the handed-over socket arrived, and left the report to its arrival. */
  #destroyedBeforeSocket = false;
  #destroyError: Error | undefined;

  /**
   * Node's report of a request destroyed before its socket arrived, once it did: the socket's own error
   * if it failed meanwhile (a `createConnection` socket destroyed with an error), else the error given to
   * destroy(), else ECONNRESET "socket hang up" (none after abort()); then 'close'.
   */
  #reportEarlyDestroy(socket: AgentSocket | undefined): void {
    this.#destroyedBeforeSocket = false;
    const failed = (socket as { errored?: Error | null } | undefined)?.errored ?? undefined;
    // The request reports the socket's failure; the socket's own 'error' event is not the process's
    // (Node's request waits on the socket with `finished()`, whose listener takes it).
    if (failed) socket!.on("error", ignoreError);
    const error = failed ?? this.#destroyError ?? (this.aborted ? undefined : hangUp());
    if (error) this.#fail(error);
    else {
      this.#errored = true;
      queueMicrotask(() => this.#emitClose());
    }
  }

  /** The options an agent gets for this request (Node's: the request's, host and port resolved). */
  agentOptions(): AgentRequestOptions & RequestOptions {
    // One spread (a rest pattern plus a spread cost two copies per request); the signal stays with the
    // request, as in Node's `optsWithoutSignal` (which keeps `agent`, as this does).
    const out = { ...this.#options, host: this.host, port: this.port } as
      & AgentRequestOptions
      & RequestOptions;
    if (out.signal !== undefined) (out as { signal?: unknown }).signal = undefined;
    return out;
  }

  /** @ignore Internal (Agent): the socket and its driver for this request. */
  [kAssignConnection](conn: ClientConnection): void {
    if (this.destroyed) {
      conn.socket.destroy();
      return;
    }
    this.#connection = conn;
    this.socket = conn.socket;
    this.reusedSocket ||= conn.uses > 0;
    this.#timeout.apply(conn.socket);
    if (!this.shouldKeepAlive && this.#onSocketClose === undefined) {
      conn.socket.once("close", this.#watchSocketClose());
    }
    this.emit("socket", conn.socket);
    conn.assign(this);
  }

  /** The options the request was made with. */
  get options(): RequestOptions {
    return this.#options;
  }

  // ---- OutgoingMessage hooks ----

  /** Node's hook for the implicit head: a request's fields are fixed by its first write. */
  override _implicitHeader(): void {
    this.lockHead();
  }

  /**
   * @ignore Internal hook, for the package's own layers: the request's facts for core's `encode()`. As
   * Node, a request sent head first (`flushHeaders()`, or an `Expect` field) whose method sends no body by
   * default (GET, HEAD, DELETE, OPTIONS, TRACE, CONNECT) and that declares no length or coding goes out as
   * a whole request; a later body is not sent (Node would send it unframed).
   */
  protected override headFacts(head: OutgoingHead): boolean {
    head.role = "client";
    head.method = this.method;
    head.target = this.path;
    head.keepAlive = this.shouldKeepAlive;
    return true;
  }

  /** @ignore Internal hook, for the package's own layers. */
  protected override finishImpl(): void {
    this.#connection?.requestFinished();
  }

  /** @ignore Internal hook, for the package's own layers. */
  protected override destroyImpl(error: Error | undefined): void {
    this.#destroying = true;
    this.#replay = null;
    this.#timeout.detach();
    const conn = this.#connection;
    // A request still queued at its agent stays there, as Node's: the agent hands it the next free socket,
    // which it gives straight back ('free', see onSocket).
    if (conn) conn.socket.destroy();
    const res = this.res;
    if (res) {
      // As Node: the rest of the body is not wanted; its 'data' listeners are dropped.
      res._dump();
      // After the response arrived, Node reports the loss on the response ('aborted', then the request's
      // 'close', then the response's error and 'close'), asynchronously as Node does.
      queueMicrotask(() => {
        if (!res.complete && !res.destroyed) res.destroy(error ?? new ConnectionResetError("aborted"));
        if (error) this.#fail(error);
        else this.#emitClose();
      });
      return;
    }
    // A socket is on its way (handed over, arriving next tick): Node reports when it arrives.
    if (this.socket === null && this.#socketArriving) {
      this.#destroyedBeforeSocket = true;
      this.#destroyError = error;
      return;
    }
    // Before a response, Node emits the given error, or ECONNRESET "socket hang up" (not for abort()).
    if (!error && this.aborted && this.socket === null) {
      this.#errored = true;
      queueMicrotask(() => this.#emitClose());
      return;
    }
    this.#fail(error ?? hangUp());
  }

  /** @ignore Internal hook, for the package's own layers. */
  override [kAttachSink](sink: OutgoingSink): void {
    if (this.#retried) {
      // Second socket: send again what the first one swallowed, then carry on as before.
      for (const chunk of this.#replay ?? []) sink.write(chunk);
      super[kAttachSink](sink);
      if (this.writableEnded) this.#connection?.requestFinished();
      return;
    }
    // Only a request on a reused socket can meet a connection the server already closed; only then
    // are its bytes kept for a replay.
    if (!this.reusedSocket) {
      this.#replay = null;
      super[kAttachSink](sink);
      return;
    }
    super[kAttachSink]({
      write: (bytes, transient) => {
        this.#remember(transient ? bytes.slice() : bytes);
        return sink.write(bytes, transient);
      },
    });
  }

  // ---- internals ----

  #remember(bytes: Uint8Array): void {
    if (this.#replay === null) return;
    this.#replayBytes += bytes.byteLength;
    if (this.#replayBytes > MAX_REPLAY_BYTES) this.#replay = null;
    else this.#replay.push(bytes);
  }

  #emitError(error: Error): void {
    this.#errored = true;
    // As Node: an 'error' nobody listens for is the process's uncaught exception.
    if (this.listenerCount("error") > 0) this.emit("error", error);
    else reportUncaught(error);
  }

  #watchSignal(signal: AbortSignal): void {
    const onAbort = () => {
      const reason = signal.reason;
      const err = new AbortError("The operation was aborted", "ABORT_ERR", { cause: reason });
      this.destroy(err);
    };
    // As Node: an already aborted signal destroys the request at once (`destroyed` is true on return).
    if (signal.aborted) onAbort();
    else {
      signal.addEventListener("abort", onAbort, { once: true });
      this.once("close", () => signal.removeEventListener("abort", onAbort));
    }
  }

  #fail(error: Error): void {
    if (this.#errored) return;
    this.#errored = true;
    queueMicrotask(() => {
      this.#emitError(error);
      this.#emitClose();
    });
  }

  #emitClose(): void {
    if (this.#closeEmitted) return;
    this.#closeEmitted = true;
    this._closed = true;
    this.emit("close");
  }
}

/** The value `headers` gives Host (any case), read from the object: an empty array sets no field. */
function hostOf(headers: Record<string, unknown>): unknown {
  for (const key in headers) {
    if (key.length === 4 && key.toLowerCase() === "host") return headers[key];
  }
  return undefined;
}

function ignoreError(): void {}
