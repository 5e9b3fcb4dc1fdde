/**
 * The names `@wire/http` and `@wire/http/edge` both export: the client and its Agent, the message and
 * socket objects, the transport contract and the Web Streams transport, errors, status tables and header
 * validators. One list, re-exported by both entries, so the two cannot drift apart; the main entry adds
 * the server and the fetch bridge, the edge entry adds `setDefaultTransport`.
 *
 * Nothing here may reach Deno or Bun code or a `node:` module beyond the stream ones: the edge entry's
 * graph is checked for that (tests/edge/graph_test.ts).
 *
 * @module
 */

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
} from "./client/agent.ts";
export type { OriginOptions } from "./client/_origin.ts";
export type { LookupFunction } from "./client/_lookup.ts";
export {
  ClientRequest,
  type ClientRequestEvents,
  type InformationEvent,
  type RequestOptions,
} from "./client/client_request.ts";
export { get, request, type ResponseCallback } from "./client/request.ts";
export { type HttpClientModule, setMaxIdleHTTPParsers } from "./client/http_module.ts";
export type { RequestTlsOptions } from "./client/tls_options.ts";
export { IncomingMessage } from "./io/incoming_message.ts";
export { type OutgoingEvents, OutgoingMessage } from "./io/outgoing_message.ts";
export { Socket, type SocketConsumer, type SocketEvents, type SocketOptions } from "./io/socket.ts";
export { SocketBase } from "./io/socket_base.ts";
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
} from "./io/transport.ts";
export {
  fromWebStreams,
  type WebStreamConnectOptions,
  type WebStreamInfo,
  type WebStreamPair,
  webStreamsTransport,
} from "./transports/web_streams.ts";
export { METHODS, STATUS_CODES } from "./core/status_codes.ts";
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
} from "./core/errors.ts";
export { type OutgoingValue, validateHeaderName, validateHeaderValue } from "./core/head_validation.ts";
export type { IncomingHeaders, OutgoingHeaders } from "./core/types.ts";
