/**
 * How a message's body ends: `'end'` and `'close'` in Node's order for every way of reading a body whose
 * last chunk and end are already queued (a response that came with its head), and one end tick for it.
 *
 * The expected logs were recorded by running the same scenarios on Node 20 against `node:http`'s
 * `IncomingMessage` (made with no socket, `complete` set, chunks pushed as here), 2026-12-05.
 */
import assert from "node:assert/strict";
import process from "node:process";
import { Buffer } from "node:buffer";
import { test } from "../_harness.ts";
import { IncomingMessage } from "../../mod.ts";

type Log = (line: string) => void;
type Scenario = (msg: IncomingMessage, log: Log, done: () => void) => void;

const scenarios: Record<string, { run: Scenario; node: string[] }> = {
  "flowing ('data')": {
    run(msg, log, done) {
      msg.push(Buffer.from("hello"));
      msg.push(null);
      msg.on("data", (chunk: Buffer) => log(`data ${chunk}`));
      process.nextTick(() => log("tick"));
      msg.on("end", () => {
        log("end");
        process.nextTick(() => log("tick after end"));
      });
      msg.on("close", () => (log("close"), done()));
    },
    node: ["data hello", "tick", "end", "tick after end", "close"],
  },
  "paused ('readable' and read())": {
    run(msg, log, done) {
      msg.push(Buffer.from("ab"));
      msg.push(Buffer.from("cd"));
      msg.push(null);
      // Node's read() joins the queue into one chunk, Deno's and Bun's streams hand it out chunk by chunk.
      msg.on("readable", () => {
        log("readable");
        let text = "";
        for (let chunk = msg.read(); chunk !== null; chunk = msg.read()) text += chunk;
        if (text !== "") log(`read ${text}`);
      });
      msg.on("end", () => log("end"));
      msg.on("close", () => (log("close"), done()));
    },
    node: ["readable", "read abcd", "readable", "end", "close"],
  },
  // read(n) of exactly what is left schedules no end tick in Node: the next read() must.
  "read(n) of exactly the rest, then read()": {
    run(msg, log, done) {
      msg.push(Buffer.from("12345"));
      msg.push(null);
      msg.on("end", () => log("end"));
      msg.on("close", () => (log("close"), done()));
      process.nextTick(() => {
        log(`read(5) ${msg.read(5)}`);
        log(`read() ${msg.read()}`);
        log(`read() ${msg.read()}`);
      });
    },
    node: ["read(5) 12345", "read() null", "read() null", "end", "close"],
  },
  "unshift() after the end was read, before 'end'": {
    run(msg, log, done) {
      msg.push(Buffer.from("ab"));
      msg.push(null);
      let first = true;
      msg.on("data", (chunk: Buffer) => {
        log(`data ${chunk}`);
        if (first) {
          first = false;
          msg.unshift(Buffer.from("z"));
        }
      });
      msg.on("end", () => log("end"));
      msg.on("close", () => (log("close"), done()));
    },
    node: ["data ab", "data z", "end", "close"],
  },
  "pause() in 'data', resume() a tick later": {
    run(msg, log, done) {
      msg.push(Buffer.from("x"));
      msg.push(null);
      msg.on("data", (chunk: Buffer) => {
        log(`data ${chunk}`);
        msg.pause();
        process.nextTick(() => (log("resume"), msg.resume()));
      });
      msg.on("end", () => log("end"));
      msg.on("close", () => (log("close"), done()));
    },
    node: ["data x", "end", "resume", "close"],
  },
  "destroy() in 'data'": {
    run(msg, log, done) {
      msg.push(Buffer.from("x"));
      msg.push(null);
      msg.on("data", (chunk: Buffer) => (log(`data ${chunk}`), msg.destroy()));
      msg.on("end", () => log("end"));
      msg.on("close", () => (log(`close aborted=${msg.aborted}`), done()));
    },
    node: ["data x", "end", "close aborted=true"],
  },
  "async iteration": {
    run(msg, log, done) {
      msg.push(Buffer.from("a"));
      msg.push(Buffer.from("b"));
      msg.push(null);
      msg.on("end", () => log("end"));
      msg.on("close", () => log("close"));
      (async () => {
        let text = "";
        for await (const chunk of msg) text += chunk;
        log(`loop done ${text}`);
        done();
      })();
    },
    node: ["end", "close", "loop done ab"],
  },
};

/** Runs one scenario on a fresh complete message; returns its log and the end ticks it scheduled. */
async function play(run: Scenario): Promise<{ log: string[]; endTicks: number }> {
  const log: string[] = [];
  const msg = new IncomingMessage();
  msg.complete = true;
  // node:stream looks `process.nextTick` up at each call on both runtimes: count its end ticks.
  const nextTick = process.nextTick;
  let endTicks = 0;
  process.nextTick = ((fn: (...args: unknown[]) => void, ...args: unknown[]) => {
    if (fn.name === "endReadableNT") endTicks++;
    return nextTick(fn, ...args);
  }) as typeof process.nextTick;
  try {
    await new Promise<void>((resolve) => run(msg, (line) => log.push(line), resolve));
  } finally {
    process.nextTick = nextTick;
  }
  return { log, endTicks };
}

for (const [name, { run, node }] of Object.entries(scenarios)) {
  test(`a body that ended before it was read, ${name}: events in Node's order`, async () => {
    assert.deepEqual((await play(run)).log, node);
  });
}

// Node schedules four end ticks here (flow() reads twice, resume_ and emitReadable_ once each), three of
// which do nothing; the message skips those reads. Counted by wrapping process.nextTick.
test("a flowing body that ended before it was read schedules one end tick, not four", async () => {
  const { log, endTicks } = await play(scenarios["flowing ('data')"]!.run);
  assert.deepEqual(log, scenarios["flowing ('data')"]!.node);
  assert.equal(endTicks, 1);
});
