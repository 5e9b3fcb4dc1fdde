import assert from "node:assert/strict";
import { finished } from "node:stream";
import { test } from "../_harness.ts";
import { closeServer, listen, RawClient } from "../_net.ts";
import { OutgoingMessage } from "../../mod.ts";

// As Node 20 (test-http-outgoing-destroy.js passes under node): a destroyed message reports a write to
// its callback with ERR_STREAM_DESTROYED and emits no 'error'.
test("write() on a destroyed OutgoingMessage calls back with ERR_STREAM_DESTROYED, no 'error'", async () => {
  const msg = new OutgoingMessage();
  assert.equal(msg.destroyed, false);
  msg.destroy();
  assert.equal(msg.destroyed, true);
  msg.on("error", () => assert.fail("no 'error' for a destroyed message"));
  const code = await new Promise((resolve) =>
    msg.write("asd", (err) => resolve((err as { code?: string }).code))
  );
  assert.equal(code, "ERR_STREAM_DESTROYED");
});

// As Node 20 (test-http-outgoing-finished.js passes under node): stream.finished() on a response that
// already closed calls back at once, as it does for one still finishing.
test("stream.finished() sees a response that already closed as done", async () => {
  const calls: string[] = [];
  let done!: () => void;
  const all = new Promise<void>((resolve) => (done = resolve));
  const { server, port } = await listen({}, (_req, res) => {
    finished(res, () => calls.push("finished while ending"));
    res.on("close", () => {
      finished(res, () => {
        calls.push("finished after close");
        done();
      });
    });
    res.end("x");
  });
  const client = await RawClient.connect(port);
  client.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  await client.until("x");
  await all;
  await client.close();
  await closeServer(server);
  assert.deepEqual(calls, ["finished while ending", "finished after close"]);
});

// As Node 20 (test-http-outgoing-end-multiple.js passes under node): a second end() calls back with
// ERR_STREAM_ALREADY_FINISHED, and only the first one finishes the response.
test("a second end() calls back with ERR_STREAM_ALREADY_FINISHED", async () => {
  let code: string | undefined;
  let finishes = 0;
  let done!: () => void;
  const ended = new Promise<void>((resolve) => (done = resolve));
  const { server, port } = await listen({}, (_req, res) => {
    res.on("finish", () => finishes++);
    res.end("x");
    res.end((err?: Error) => {
      code = (err as { code?: string } | undefined)?.code;
      done();
    });
  });
  const client = await RawClient.connect(port);
  client.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  await client.until("x");
  await ended;
  await client.close();
  await closeServer(server);
  assert.equal(code, "ERR_STREAM_ALREADY_FINISHED");
  assert.equal(finishes, 1);
});
