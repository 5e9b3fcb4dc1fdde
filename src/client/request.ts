/**
 * `request()` and `get()`: Node's entry points for HTTP clients.
 *
 * @module
 */

import { ClientRequest, type RequestOptions } from "./client_request.ts";
import type { ResponseCallback } from "./_start_request.ts";

export type { ResponseCallback } from "./_start_request.ts";

/**
 * Starts a request. Forms: `request(url, [options], [callback])` and `request(options, [callback])`,
 * where `url` is a string or `URL`. Call `end()` on the result to send it.
 *
 * @example
 * ```ts ignore
 * import { request } from "@wire/http";
 * const req = request("http://127.0.0.1:8080/items", { method: "POST" }, (res) => res.resume());
 * req.setHeader("Content-Type", "application/json");
 * req.end(JSON.stringify({ name: "x" }));
 * ```
 */
export function request(
  url: string | URL | RequestOptions,
  options?: RequestOptions | ResponseCallback,
  callback?: ResponseCallback,
): ClientRequest {
  return new ClientRequest(url, options, callback);
}

/**
 * Like {@linkcode request} with method GET, and `end()` already called.
 *
 * @example
 * ```ts ignore
 * import { get } from "@wire/http";
 * get("http://127.0.0.1:8080/", (res) => {
 *   res.setEncoding("utf8");
 *   res.on("data", (text) => console.log(text));
 * });
 * ```
 */
export function get(
  url: string | URL | RequestOptions,
  options?: RequestOptions | ResponseCallback,
  callback?: ResponseCallback,
): ClientRequest {
  const req = request(url, options, callback);
  req.end();
  return req;
}
