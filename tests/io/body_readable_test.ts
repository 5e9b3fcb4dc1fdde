import assert from "node:assert/strict";
import { test } from "../_harness.ts";
import { BODY_HIGH_WATER_MARK, BodyReadable } from "../../src/io/body_readable.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

test("BodyReadable: chunks wait until a 'data' listener comes; 'end' follows the last one", async () => {
  const body = new BodyReadable();
  body.push(bytes("ab"));
  body.push(bytes("cd"));
  body.finish();
  const seen: string[] = [];
  const ended = new Promise<void>((r) => body.on("end", () => r()));
  body.setEncoding("utf8");
  body.on("data", (c) => seen.push(c as string));
  await ended;
  assert.deepEqual(seen, ["ab", "cd"]);
  assert.equal(body.readableEnded, true);
});

test("BodyReadable: pause() asks the connection to stop reading; resume() to go on", () => {
  const body = new BodyReadable();
  const asked: boolean[] = [];
  body.onWantMore = (want) => asked.push(want);
  body.on("data", () => {});
  body.pause();
  body.push(bytes("x"));
  body.resume();
  assert.deepEqual(asked, [false, true]);
});

test("BodyReadable: with nobody reading, the queue fills to the mark and then stops the socket", () => {
  const body = new BodyReadable();
  const asked: boolean[] = [];
  body.onWantMore = (want) => asked.push(want);
  const chunk = new Uint8Array(16 * 1024);
  for (let i = 0; i < BODY_HIGH_WATER_MARK / chunk.byteLength; i++) body.push(chunk);
  assert.deepEqual(asked, [false]);
  assert.equal(body.readableLength, BODY_HIGH_WATER_MARK);
});

test("BodyReadable: async iteration, body stream and text() read the same bytes", async () => {
  const make = () => {
    const b = new BodyReadable();
    queueMicrotask(() => {
      b.push(bytes("hel"));
      b.push(bytes("lo"));
      b.finish();
    });
    return b;
  };
  let iterated = "";
  for await (const chunk of make()) iterated += new TextDecoder().decode(chunk as Uint8Array);
  const streamed = await new Response(make().body).text();
  assert.deepEqual([iterated, streamed, await make().text()], ["hello", "hello", "hello"]);
});

test("BodyReadable: pipe() pauses on a full destination and resumes on 'drain'", () => {
  const body = new BodyReadable();
  const written: string[] = [];
  let drain: (() => void) | undefined;
  let ended = false;
  body.pipe({
    write(chunk) {
      written.push(new TextDecoder().decode(chunk as Uint8Array));
      return written.length !== 1;
    },
    end: () => (ended = true),
    once: (_event, listener) => (drain = listener),
  });
  body.push(bytes("a"));
  assert.equal(body.isPaused(), true);
  body.push(bytes("b"));
  assert.deepEqual(written, ["a"]);
  drain!();
  assert.deepEqual(written, ["a", "b"]);
  assert.equal(ended, false);
});

test("BodyReadable: abort() emits 'aborted', then 'error' (only with a listener), then 'close'", async () => {
  const body = new BodyReadable();
  const events: string[] = [];
  body.on("aborted", () => events.push("aborted"));
  body.on("error", (e) => events.push(`error:${e.message}`));
  const closed = new Promise<void>((r) => body.on("close", () => r()));
  body.abort(new Error("gone"));
  await closed;
  assert.deepEqual(events, ["aborted", "error:gone"]);
  const quiet = new BodyReadable();
  const quietClosed = new Promise<void>((r) => quiet.on("close", () => r()));
  quiet.abort(new Error("nobody listens")); // must not throw
  await quietClosed;
});
