/**
 * The hostile-input generator shared by the server and client fuzz tests: plain random bytes, or a valid
 * message with a few bytes overwritten, inserted or cut.
 *
 * @module
 */

import fc from "fast-check";
import { latin1 } from "./_net.ts";

/** Random bytes (up to `maxLength`) or one of `valid` with up to four random edits. */
export function hostileBytes(valid: readonly string[], maxLength: number): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    fc.uint8Array({ maxLength }),
    fc.tuple(
      fc.constantFrom(...valid),
      fc.array(
        fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom("set", "insert", "cut")),
        {
          maxLength: 4,
        },
      ),
    ).map(([text, edits]) => {
      const bytes = [...latin1(text)];
      for (const [at, value, op] of edits) {
        const i = at % (bytes.length + 1);
        if (op === "set" && i < bytes.length) bytes[i] = value;
        else if (op === "insert") bytes.splice(i, 0, value);
        else bytes.splice(i, 1);
      }
      return new Uint8Array(bytes);
    }),
  );
}
