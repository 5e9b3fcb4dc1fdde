/**
 * Client test helpers: run a request to completion and collect what came back; tear down agents so
 * no socket outlives its test (Deno's resource sanitizer checks).
 *
 * @module
 */

import type { Agent, ClientRequest, RequestOptions } from "../../mod.ts";
import { request } from "../../mod.ts";
import type { IncomingMessage } from "../../src/io/incoming_message.ts";

/** What a finished exchange looked like from the client. */
export interface Exchange {
  res: IncomingMessage;
  body: string;
}

/** Sends a request (with an optional body) and resolves with the response and its whole body. */
export function fetchText(options: RequestOptions, body?: string | Uint8Array): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const req = request(options, (res) => {
      let text = "";
      res.setEncoding("latin1");
      res.on("data", (chunk) => (text += chunk));
      res.on("end", () => resolve({ res, body: text }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** Resolves with the `'error'` a request emits (rejects if it gets a response instead). */
export function requestError(req: ClientRequest): Promise<Error & { code?: string }> {
  return new Promise((resolve, reject) => {
    req.on("error", resolve);
    req.on("response", (res) => reject(new Error(`unexpected response ${res.statusCode}`)));
  });
}

/** Destroys an agent and waits until all its sockets are closed. */
export async function destroyAgent(agent: Agent): Promise<void> {
  const sockets = [...Object.values(agent.sockets).flat(), ...Object.values(agent.freeSockets).flat()];
  const closed = sockets.map((s) =>
    s.destroyed ? Promise.resolve() : new Promise<void>((r) => s.once("close", () => r()))
  );
  agent.destroy();
  await Promise.all(closed);
}
