/**
 * The outgoing header store's rules, as functions over the map an `OutgoingMessage` keeps: names are
 * matched case-insensitively and kept as first given, values are validated by core's head writer where
 * they enter, and rendering goes through core's `renderUserField`, which notes the fields that decide
 * framing. A message keeps a raw `[name, value, ...]` list instead of a map until a map is needed (most
 * responses are `writeHead(...)` then `end(...)`), so these functions allocate nothing on that path.
 *
 * @module
 */

import type { OutgoingHeadFacts } from "../core/framing.ts";
import {
  type OutgoingValue,
  renderUserField,
  validateHeaderName,
  validateHeaderValue,
} from "../core/head_writer.ts";

/** Lower-cased name -> [name as first given, value or values]. */
export type FieldMap = Map<string, [name: string, value: string | string[]]>;

/** The map for a raw list, repeated names collected into arrays. */
export function fieldMapOf(raw: readonly string[]): FieldMap {
  const fields: FieldMap = new Map();
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const key = name.toLowerCase();
    const existing = fields.get(key);
    if (existing) existing[1] = [...toList(existing[1]), raw[i + 1]!];
    else fields.set(key, [name, raw[i + 1]!]);
  }
  return fields;
}

/** `setHeader`: validates and replaces. */
export function setField(fields: FieldMap, name: string, value: OutgoingValue): void {
  validateHeaderName(name);
  fields.set(name.toLowerCase(), [name, storedValue(name, value)]);
}

/** `appendHeader`: validates and adds to what is there. */
export function appendField(fields: FieldMap, name: string, value: string | readonly string[]): void {
  validateHeaderName(name);
  const key = name.toLowerCase();
  const added = storedValue(name, value);
  const existing = fields.get(key);
  if (!existing) fields.set(key, [name, added]);
  else existing[1] = [...toList(existing[1]), ...toList(added)];
}

/**
 * `writeHead`'s fields (a validated flat list) over what `setHeader` stored: writeHead's win, and a name
 * repeated inside writeHead's list is kept repeated.
 */
export function mergeFieldList(fields: FieldMap, list: readonly string[]): void {
  const seen = new Set<string>();
  for (let i = 0; i < list.length; i += 2) {
    const name = list[i]!;
    const key = name.toLowerCase();
    const value = list[i + 1]!;
    const existing = fields.get(key);
    if (existing && seen.has(key)) existing[1] = [...toList(existing[1]), value];
    else fields.set(key, [name, value]);
    seen.add(key);
  }
}

/** The field lines of the head, from the raw list when there is one, else the map; fills `facts`. */
export function renderFields(
  raw: readonly string[] | undefined,
  fields: FieldMap | undefined,
  facts: OutgoingHeadFacts,
): string {
  let out = "";
  if (raw) {
    for (let i = 0; i < raw.length; i += 2) out += renderUserField(raw[i]!, raw[i + 1]!, facts);
  } else if (fields) {
    for (const [name, value] of fields.values()) {
      if (typeof value === "string") out += renderUserField(name, value, facts);
      else for (const v of value) out += renderUserField(name, v, facts);
    }
  }
  return out;
}

function storedValue(name: string, value: OutgoingValue): string | string[] {
  if (value === undefined) validateHeaderValue(name, value);
  if (typeof value === "number") return String(value);
  if (typeof value === "string") {
    validateHeaderValue(name, value);
    return value;
  }
  const list = [...value];
  for (const v of list) validateHeaderValue(name, v);
  return list;
}

function toList(value: string | string[]): string[] {
  return typeof value === "string" ? [value] : value;
}
