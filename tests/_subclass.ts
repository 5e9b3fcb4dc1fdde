/**
 * Node's function-style subclassing, from before `class` (`util.inherits`): a constructor function whose
 * body calls `Base.call(this, ...args)`, its prototype inheriting `Base.prototype` (forever-agent's
 * agents, old servers). Node's constructors set up such a `this` in place and return undefined.
 *
 * @module
 */

/**
 * Makes an object through a function-style subclass of `Base` whose constructor calls
 * `Base.call(this, ...args)`; returns it with what that call returned.
 *
 * @example
 * ```ts ignore
 * const { made, returned } = constructFunctionStyle<Server>(Server, listener);
 * assert.equal(returned, undefined);
 * ```
 */
export function constructFunctionStyle<T>(Base: unknown, ...args: unknown[]): { made: T; returned: unknown } {
  let returned: unknown;
  function Subclass(this: unknown): void {
    returned = (Base as (this: unknown, ...args: unknown[]) => unknown).call(this, ...args);
  }
  Object.setPrototypeOf(Subclass.prototype, (Base as { prototype: object }).prototype);
  Object.setPrototypeOf(Subclass, Base as object);
  const made = new (Subclass as unknown as new () => T)();
  return { made, returned };
}
