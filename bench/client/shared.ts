/**
 * Constants shared by the client benchmark's server and cells.
 *
 * @module
 */

export const HOST = "127.0.0.1";
/** Body of `GET /`. */
export const HELLO_BODY = "Hello, World!";
/** The canned answer to `GET /`. */
export const HELLO_RESPONSE =
  `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${HELLO_BODY.length}\r\n\r\n${HELLO_BODY}`;
/** Write size of the download (server) and the upload (client). */
export const BLOCK = 64 * 1024;
/** Size of the download and of the upload. */
export const DOWNLOAD_BYTES = 64 * 1024 * 1024;
export const UPLOAD_BYTES = DOWNLOAD_BYTES;
/** Requests per measured request-rate run. */
export const REQUESTS = 20_000;
/** Requests in flight (and sockets) in the request-rate cells. */
export const IN_FLIGHT = 32;
