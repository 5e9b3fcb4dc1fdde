/**
 * Run as its own process by pick_test.ts: sets a transport through the edge entry, then loads the main
 * entry (which wires the runtime's transport when it loads, after the user's choice), makes one request
 * through the global agent and prints which transport it went to.
 *
 * @module
 */
import { setDefaultTransport } from "../../src/edge/mod.ts";
import type { Transport } from "../../src/io/transport.ts";

const refuse = (): Promise<never> => Promise.reject(new Error("refused by the user's transport"));
const mine: Transport = { name: "mine", listen: refuse, connect: refuse };
setDefaultTransport(mine);

const { get } = await import("../../mod.ts");
get("http://127.0.0.1:9/", () => console.log("unexpected response"))
  .on("error", (error: Error) => console.log(error.message));
