/**
 * The outgoing header store's rules, as functions over the map an `OutgoingMessage` keeps: names are
 * matched case-insensitively and kept as first given, values are validated by core's head writer where
 * they enter, and core's `encode()` renders them (the raw list or this map, as they are). A message keeps
 * a raw `[name, value, ...]` list instead of a map until a map is needed (most responses are
 * `writeHead(...)` then `end(...)`), so these functions allocate nothing on that path.
 *
 * The message keeps the list and the map as private fields (its header methods are its public API);
 * the work on them is here, taking them as arguments, so the class holds the state and this file the
 * rules, Node's deprecated (DEP0066) views of the fields included.
 *
 * @module
 */

import { invalidArgType } from "./_node_errors.ts";
import { type OutgoingValue, validateHeaderName, validateHeaderValue } from "../core/head_validation.ts";

/**
 * Lower-cased name -> [name as first given, value or values as text, and the value as `setHeader` got
 * it when that was not text (a number, or a list holding numbers): Node's getters return it as set].
 */
export type FieldMap = Map<string, [name: string, value: string | string[], asSet?: unknown]>;

/** Internal: a message's lower-cased `uniqueHeaders` names (Node's `kUniqueHeaders`), or null for none. */
export const kUniqueHeaders: unique symbol = Symbol("wire.uniqueHeaders");

/**
 * Node's `uniqueHeaders` option (server and request) as the set a message renders by: the names
 * lower-cased, or null when the option is not an array (Node ignores anything else).
 *
 * @example
 * ```ts ignore
 * uniqueHeaderSet(["X-Trace", "cookie"]); // Set { "x-trace", "cookie" }
 * uniqueHeaderSet(undefined); // null
 * ```
 */
export function uniqueHeaderSet(option: unknown): ReadonlySet<string> | null {
  if (!Array.isArray(option)) return null;
  const names = new Set<string>();
  for (const name of option) names.add(String(name).toLowerCase());
  return names;
}

/**
 * Node's check of a header name given to `getHeader`/`hasHeader`/`removeHeader`: a string, else
 * `ERR_INVALID_ARG_TYPE`.
 *
 * @example
 * ```ts ignore
 * checkName(undefined); // TypeError: The "name" argument must be of type string. Received undefined
 * ```
 */
export function checkName(name: unknown): asserts name is string {
  if (typeof name !== "string") throw invalidArgType("name", "string", name);
}

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
  const stored = storedValue(name, value);
  const asText = typeof value === "string" ||
    (Array.isArray(value) && value.every((v) => typeof v === "string"));
  fields.set(name.toLowerCase(), asText ? [name, stored] : [name, stored, value]);
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

/**
 * `setHeaders(headers)`: each entry of a `Headers` or `Map` through `message.setHeader` (so a subclass's
 * override sees them); throws `ERR_INVALID_ARG_TYPE` for anything else.
 *
 * @example
 * ```ts ignore
 * setFieldsFrom(res, new Headers({ "content-type": "text/plain" }));
 * ```
 */
export function setFieldsFrom(
  message: { setHeader(name: string, value: OutgoingValue): unknown },
  headers: Headers | Map<string, OutgoingValue>,
): void {
  const isHeaders = typeof Headers === "function" && headers instanceof Headers;
  if (!isHeaders && !(headers instanceof Map)) {
    throw invalidArgType("headers", "an instance of Headers or Map", headers);
  }
  // As Node: a Headers' Set-Cookie values stay separate fields (Headers joins the rest with ", ").
  const cookies = isHeaders ? (headers as Headers).getSetCookie() : [];
  for (const [name, value] of headers) {
    if (isHeaders && name === "set-cookie") continue;
    message.setHeader(name, value);
  }
  if (cookies.length > 0) message.setHeader("set-cookie", cookies);
}

/**
 * `getHeaders()`: lower-cased name -> value, on a null-prototype object.
 *
 * @example
 * ```ts ignore
 * fieldsRecord(fieldMapOf(["Content-Type", "text/plain"])); // { "content-type": "text/plain" }
 * ```
 */
export function fieldsRecord(fields: FieldMap | undefined): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null);
  for (const [key, [, value, asSet]] of fields ?? []) out[key] = (asSet ?? value) as string | string[];
  return out;
}

/**
 * Node's deprecated `_headerNames`: lower-cased name -> name as given; null with no field set.
 *
 * @example
 * ```ts ignore
 * fieldNamesRecord(fieldMapOf(["Content-Type", "text/plain"])); // { "content-type": "Content-Type" }
 * ```
 */
export function fieldNamesRecord(fields: FieldMap | undefined): Record<string, string> | null {
  if (!fields?.size) return null;
  const out: Record<string, string> = Object.create(null);
  for (const [key, [name]] of fields) out[key] = name;
  return out;
}

/**
 * Assigning Node's deprecated `_headers`: every field replaced by `value`'s entries (none if not an object).
 *
 * @example
 * ```ts ignore
 * replaceFields(fields, { "x-id": "1" }); // fields now holds X-Id alone
 * ```
 */
export function replaceFields(
  fields: FieldMap,
  value: Record<string, OutgoingValue> | null | undefined,
): void {
  fields.clear();
  if (value === null || typeof value !== "object") return;
  for (const name of Object.keys(value)) setField(fields, name, value[name]!);
}

/**
 * Assigning Node's deprecated `_headerNames`: the fields `value` names (lower-cased keys) renamed.
 *
 * @example
 * ```ts ignore
 * renameFields(fields, { "x-id": "X-ID" }); // sent as "X-ID: ..."
 * ```
 */
export function renameFields(fields: FieldMap, value: Record<string, string>): void {
  for (const key of Object.keys(value)) {
    const field = fields.get(key);
    if (field !== undefined) field[0] = String(value[key]);
  }
}

const warned = new Set<string>();

/**
 * Node's DEP0066 warning for `_headers`/`_headerNames`, once per accessor name per process.
 *
 * @example
 * ```ts ignore
 * warnDeprecatedFields("_headers"); // DeprecationWarning DEP0066, the first time only
 * ```
 */
export function warnDeprecatedFields(name: "_headers" | "_headerNames"): void {
  if (warned.has(name)) return;
  warned.add(name);
  const proc = (globalThis as {
    process?: { emitWarning?(message: string, type: string, code: string): void };
  }).process;
  proc?.emitWarning?.(`OutgoingMessage.prototype.${name} is deprecated`, "DeprecationWarning", "DEP0066");
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
  // Text from here on (what is rendered and matched); the value as given is kept beside it by setField.
  return list.map(String);
}

function toList(value: string | string[]): string[] {
  return typeof value === "string" ? [value] : value;
}
