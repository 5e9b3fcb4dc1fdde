/**
 * The client's Host line goes through core's head writer. Node throws from `request()` when the Host value
 * could not be one field value; verified against node:http on Node 20.20.2:
 * `request({ hostname: "a\r\nX-Injected: 1" })` throws ERR_INVALID_CHAR "Invalid character in header
 * content ["Host"]" (for `host` too).
 */
import assert from "node:assert/strict";
import { test } from "../_harness.ts";
import { RawServer } from "../_net.ts";
import { request } from "../../mod.ts";

test("request() with CR/LF in hostname or host throws ERR_INVALID_CHAR before anything is sent", () => {
  for (
    const options of [{ hostname: "127.0.0.1\r\nX-Injected: 1" }, { host: "a\nb" }, { hostname: "\u20ac" }]
  ) {
    assert.throws(() => request({ ...options, port: 1, agent: false }), {
      code: "ERR_INVALID_CHAR",
      message: 'Invalid character in header content ["Host"]',
    });
  }
});

test("the Host line names an IPv6 host in brackets and the port unless it is 80", async () => {
  let resolveText!: (text: string) => void;
  const received = new Promise<string>((r) => (resolveText = r));
  const server = await RawServer.start(async (conn) => {
    resolveText(await conn.until("\r\n\r\n"));
    conn.write("HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n");
    conn.end();
  });
  try {
    const req = request({ host: "127.0.0.1", port: server.port, agent: false });
    const done = new Promise<void>((resolve, reject) => {
      req.on("response", (res) => {
        res.resume();
        res.on("end", resolve);
      });
      req.on("error", reject);
    });
    req.end();
    assert.equal(
      await received,
      `GET / HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nConnection: close\r\n\r\n`,
    );
    await done;
  } finally {
    await server.close();
  }
});
