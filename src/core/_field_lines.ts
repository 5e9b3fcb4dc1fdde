/**
 * Field lines (RFC 9112 section 5): the one-pass validator for the plain case, and turning recorded
 * offsets into `rawHeaders` strings.
 *
 * `scanPlainFields` accepts only CRLF-terminated lines with valid names and values and no obs-fold, and
 * returns -1 for anything else (incomplete, malformed, unusual); the head lexer then decides, and alone
 * chooses the error. It only ever accepts what the lexer accepts, with the same offsets, so falling through
 * is always safe.
 *
 * @module
 */

import { offersProtocol } from "./connection.ts";
import { COLON, CR, FIELD_VALUE, HTAB, LF, SP, TOKEN } from "./_ascii.ts";
import {
  CONNECTION_FIELD,
  EXPECT_FIELD,
  fieldKind,
  type HeadScratch,
  HOST_FIELD,
  UPGRADE_FIELD,
} from "./_head_scratch.ts";
import { decodeLatin1 } from "./latin1.ts";

const asciiDecoder = new TextDecoder();

/**
 * The fast validator: field lines from `from`, then CRLF, all before `end`, at most `maxFields` of them.
 * One forward pass per line that stops at the first byte that is not a value byte (which must be the CR
 * of CRLF), so no separate search for the line end is needed. Records fields relative to `base` in
 * `scratch`. Returns the index after the empty line, or -1 (see the module docs).
 */
export function scanPlainFields(
  bytes: Uint8Array,
  base: number,
  from: number,
  end: number,
  maxFields: number,
  scratch: HeadScratch,
): number {
  let or = 0;
  let p = from;
  for (;;) {
    if (p + 1 >= end) return -1;
    if (bytes[p] === CR) {
      if (bytes[p + 1] !== LF) return -1;
      scratch.orBits |= or;
      return p + 2;
    }
    let q = p;
    while (q < end && TOKEN[bytes[q] as number] === 1) q++;
    if (q === p || q >= end || bytes[q] !== COLON || scratch.fieldCount === maxFields) return -1;
    let vs = q + 1;
    while (vs < end && (bytes[vs] === SP || bytes[vs] === HTAB)) vs++;
    let i = vs;
    for (; i < end; i++) {
      const b = bytes[i] as number;
      if (FIELD_VALUE[b] === 0) break;
      or |= b;
    }
    // The value stops at CR, which must start the CRLF (FIELD_VALUE has neither CR nor LF nor NUL).
    if (i + 1 >= end || bytes[i] !== CR || bytes[i + 1] !== LF) return -1;
    let ve = i;
    while (ve > vs && (bytes[ve - 1] === SP || bytes[ve - 1] === HTAB)) ve--;
    scratch.pushField(p - base, q - base, vs - base, ve - base, fieldKind(bytes, p, q));
    p = i + 2;
  }
}

/**
 * The head's bytes as a string, decoded once: the native decoder when `ascii` (the common case), else
 * latin1 (0x80-0xFF to U+0080-U+00FF, as Node does; `TextDecoder("latin1")` is windows-1252).
 */
export function decodeHeadText(bytes: Uint8Array, start: number, end: number, ascii: boolean): string {
  return ascii ? asciiDecoder.decode(bytes.subarray(start, end)) : decodeLatin1(bytes, start, end);
}

/**
 * Builds raw fields from the offsets in `scratch` (relative to the first char of `text`), and notes the
 * values of the fields the head's decisions depend on (`connection`, `expect`, `upgradeSeen`,
 * `hostCount`/`hostField`).
 */
export function buildFields(text: string, raw: string[], scratch: HeadScratch): void {
  scratch.connection = undefined;
  scratch.expect = undefined;
  scratch.upgradeSeen = false;
  scratch.hostCount = 0;
  scratch.hostField = -1;
  const offsets = scratch.offsets;
  const folds = scratch.folds;
  for (let k = 0; k < scratch.fieldCount; k++) {
    const o = k * 5;
    const name = text.slice(offsets[o] as number, offsets[o + 1] as number);
    let value = text.slice(offsets[o + 2] as number, offsets[o + 3] as number);
    if (folds !== null) value = unfold(text, folds, k, value);
    raw.push(name, value);
    switch (offsets[o + 4]) {
      case CONNECTION_FIELD:
        scratch.connection = scratch.connection === undefined ? value : scratch.connection + ", " + value;
        break;
      case EXPECT_FIELD:
        scratch.expect = scratch.expect === undefined ? value : scratch.expect + ", " + value;
        break;
      case UPGRADE_FIELD:
        // RFC 9110 section 7.8 (`Upgrade = #protocol`): an empty value offers nothing.
        if (!scratch.upgradeSeen) scratch.upgradeSeen = offersProtocol(value);
        break;
      case HOST_FIELD:
        scratch.hostCount++;
        scratch.hostField = k;
        break;
    }
  }
}

/** Insecure obs-fold: RFC 9112 section 5.2 "replace each received obs-fold with one or more SP". */
function unfold(text: string, folds: number[], k: number, value: string): string {
  for (let i = 0; i < folds.length; i += 3) {
    if (folds[i] !== k) continue;
    const part = text.slice(folds[i + 1] as number, folds[i + 2] as number);
    if (part.length > 0) value = value.length > 0 ? value + " " + part : part;
  }
  return value;
}
