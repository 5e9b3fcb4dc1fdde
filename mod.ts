/**
 * `@wire/http`: Node's `http` module — server, client, Agent — for Deno and Bun, on a strict sans-I/O
 * HTTP/1.1 codec (`@wire/http/core`).
 *
 * ```ts ignore
 * import { createServer } from "@wire/http";
 * createServer((req, res) => res.end(`hello from ${req.url}\n`)).listen(8080);
 * ```
 *
 * @module
 */

import { setTransportProvider } from "./src/io/default_transport.ts";
import { defaultTransport } from "./src/transports/pick.ts";

// The only place the runtime is chosen: everything below asks for "the default transport".
setTransportProvider(defaultTransport);

export {
  createServer,
  type ListenOptions,
  type RequestListener,
  Server,
  ServerClass,
  type ServerConstructor,
  type ServerEvents,
  type ServerOptions,
} from "./src/server/server.ts";

export { ServerResponse, type ServerResponseEvents } from "./src/server/server_response.ts";
export { IncomingMessage } from "./src/io/incoming_message.ts";
export { type OutgoingEvents, OutgoingMessage } from "./src/io/outgoing_message.ts";
export { Socket, type SocketConsumer, type SocketEvents, type SocketOptions } from "./src/io/socket.ts";
export { SocketBase } from "./src/io/socket_base.ts";
export {
  type CipherInfo,
  type ConnectTarget,
  type ListenTarget,
  type PeerCertificate,
  SystemError,
  type SystemErrorConstructor,
  type TlsAlpnProtocols,
  type TlsCommonOptions,
  type TlsConnectOptions,
  type TlsContext,
  type TlsFeatures,
  type TlsMaterial,
  type TlsPfx,
  type TlsServerOptions,
  type TlsSniCallback,
  type Transport,
  type TransportAddress,
  type TransportConn,
  type TransportConnectOptions,
  type TransportHandler,
  type TransportListener,
  type TransportListenOptions,
  type TransportTls,
} from "./src/io/transport.ts";
export { METHODS, STATUS_CODES } from "./src/core/status_codes.ts";
export {
  AbortError,
  ConnectionResetError,
  type ConnectionResetErrorConstructor,
  type ErrorStatus,
  HttpError,
  HttpParseError,
  HttpUsageError,
  type HttpUsageErrorConstructor,
  isHttpError,
  type ParseErrorCode,
} from "./src/core/errors.ts";
export { type OutgoingValue, validateHeaderName, validateHeaderValue } from "./src/core/head_writer.ts";
export type { IncomingHeaders, OutgoingHeaders } from "./src/core/types.ts";
export { MAX_HEADER_SIZE as maxHeaderSize } from "./src/core/limits.ts";
export {
  Agent,
  AgentClass,
  type AgentConstructor,
  type AgentEvents,
  type AgentLike,
  type AgentOptions,
  type AgentRequest,
  type AgentRequestOptions,
  type AgentSocket,
  type CreateConnectionCallback,
  getAgent,
  globalAgent,
  type PendingRequest,
} from "./src/client/agent.ts";
export type { OriginOptions } from "./src/client/_origin.ts";
export type { LookupFunction } from "./src/client/_lookup.ts";
export {
  ClientRequest,
  type ClientRequestEvents,
  type InformationEvent,
  type RequestOptions,
} from "./src/client/client_request.ts";
export { get, request, type ResponseCallback } from "./src/client/request.ts";
export type { RequestTlsOptions } from "./src/client/tls_options.ts";
export {
  fromWebStreams,
  type WebStreamConnectOptions,
  type WebStreamInfo,
  type WebStreamPair,
  webStreamsTransport,
} from "./src/transports/web_streams.ts";
export { serveFetch, toRequestListener } from "./src/fetch/bridge.ts";
export type {
  FetchApp,
  FetchBridgeOptions,
  FetchHandler,
  FetchHandlerInfo,
  FetchRemoteAddr,
  ResponseTrailers,
  ServeFetchOptions,
} from "./src/fetch/types.ts";
