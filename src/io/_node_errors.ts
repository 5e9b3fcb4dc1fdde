/**
 * Node's argument-validation errors, with Node's classes and messages: `ERR_INVALID_ARG_TYPE` is a
 * `TypeError`, `ERR_OUT_OF_RANGE` a `RangeError`, each with its `code`.
 * Libraries and Node's own tests check the class as well as the code.
 *
 * @module
 */

/** A value as Node's messages describe it: `type number (5)`, `an instance of Object`, `undefined`. */
function describeValue(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === "function") return `function ${value.name}`;
  if (typeof value === "object") {
    const name = (value as { constructor?: { name?: string } }).constructor?.name;
    return name ? `an instance of ${name}` : inspectShort(value);
  }
  let shown = String(value);
  if (shown.length > 28) shown = shown.slice(0, 25) + "...";
  if (typeof value === "string") shown = `'${shown}'`;
  return `type ${typeof value} (${shown})`;
}

function inspectShort(value: object): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * Node's `ERR_INVALID_ARG_TYPE`.
 *
 * @example
 * ```ts ignore
 * throw invalidArgType("options", "object", 5);
 * // TypeError: The "options" argument must be of type object. Received type number (5)
 * ```
 */
export function invalidArgType(name: string, expected: string, value: unknown): TypeError {
  const what = name.includes(".") ? "property" : "argument";
  return Object.assign(
    new TypeError(
      `The "${name}" ${what} must be ${
        expected.startsWith("an ") || expected.startsWith("one of") ? expected : `of type ${expected}`
      }. Received ${describeValue(value)}`,
    ),
    { code: "ERR_INVALID_ARG_TYPE" },
  );
}

/**
 * Node's `ERR_OUT_OF_RANGE`.
 *
 * @example
 * ```ts ignore
 * throw outOfRange("msecs", "a non-negative finite number", -1);
 * ```
 */
export function outOfRange(name: string, range: string, value: unknown): RangeError {
  return Object.assign(
    new RangeError(`The value of "${name}" is out of range. It must be ${range}. Received ${String(value)}`),
    { code: "ERR_OUT_OF_RANGE" },
  );
}
