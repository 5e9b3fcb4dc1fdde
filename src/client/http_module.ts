/**
 * The client half of Node's `http` module object: what `import http from "node:http"` gives, minus the
 * server (which the main entry adds; the edge entry has none). Node code that reads `http.request` or
 * assigns `http.globalAgent = agent` off the default import runs on this unchanged.
 *
 * @module
 */

import { Agent, globalAgent, setGlobalAgent } from "./agent.ts";
import { ClientRequest } from "./client_request.ts";
import { get, request } from "./request.ts";
import { IncomingMessage } from "../io/incoming_message.ts";
import { OutgoingMessage } from "../io/outgoing_message.ts";
import { invalidArgType, outOfRange } from "../io/_node_errors.ts";
import { METHODS, STATUS_CODES } from "../core/status_codes.ts";
import { validateHeaderName, validateHeaderValue } from "../core/head_validation.ts";

/**
 * Node's `http` module object, client side. `globalAgent` is an accessor: assigning it changes the agent
 * that requests naming none use, and the named export `globalAgent` with it (a live binding).
 */
export interface HttpClientModule {
  /** {@linkcode Agent}. */
  Agent: typeof Agent;
  /** {@linkcode ClientRequest}. */
  ClientRequest: typeof ClientRequest;
  /** {@linkcode IncomingMessage}. */
  IncomingMessage: typeof IncomingMessage;
  /** {@linkcode OutgoingMessage}. */
  OutgoingMessage: typeof OutgoingMessage;
  /** {@linkcode METHODS}. */
  METHODS: typeof METHODS;
  /** {@linkcode STATUS_CODES}. */
  STATUS_CODES: typeof STATUS_CODES;
  /** {@linkcode request}. */
  request: typeof request;
  /** {@linkcode get}. */
  get: typeof get;
  /** {@linkcode validateHeaderName}. */
  validateHeaderName: typeof validateHeaderName;
  /** {@linkcode validateHeaderValue}. */
  validateHeaderValue: typeof validateHeaderValue;
  /** {@linkcode setMaxIdleHTTPParsers}. */
  setMaxIdleHTTPParsers: typeof setMaxIdleHTTPParsers;
  /** The agent requests use when they name none; settable, as Node's. */
  globalAgent: Agent;
}

/**
 * Node's `http.setMaxIdleHTTPParsers(max)`, validated as Node validates it (`ERR_INVALID_ARG_TYPE`,
 * `ERR_OUT_OF_RANGE`). It sizes the free list of llhttp parser objects that Node reuses across
 * connections; a parser here is a few fields that each connection owns and resets per message, so there
 * is no free list to size and a valid call changes nothing.
 *
 * @example
 * ```ts
 * import { setMaxIdleHTTPParsers } from "@wire/http";
 * setMaxIdleHTTPParsers(1000);
 * ```
 */
export function setMaxIdleHTTPParsers(max: number): void {
  if (typeof max !== "number") throw invalidArgType("max", "number", max);
  if (!Number.isInteger(max)) throw outOfRange("max", "an integer", max);
  if (max < 1 || max > Number.MAX_SAFE_INTEGER) {
    throw outOfRange("max", `>= 1 && <= ${Number.MAX_SAFE_INTEGER}`, max);
  }
}

/**
 * A new module object with the client's members. Each entry makes its own (the main entry adds the
 * server's); they share the one global agent.
 *
 * @example
 * ```ts ignore
 * const http = httpClientModule();
 * http.globalAgent = new http.Agent({ maxSockets: 4 });
 * ```
 */
export function httpClientModule(): HttpClientModule {
  return {
    Agent,
    ClientRequest,
    IncomingMessage,
    OutgoingMessage,
    METHODS,
    STATUS_CODES,
    request,
    get,
    validateHeaderName,
    validateHeaderValue,
    setMaxIdleHTTPParsers,
    get globalAgent(): Agent {
      return globalAgent;
    },
    set globalAgent(agent: Agent) {
      setGlobalAgent(agent);
    },
  };
}
