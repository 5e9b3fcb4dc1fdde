/**
 * Node's constructors work without `new` (`http.Server(fn)`, `http.Agent()`): they are plain functions
 * that call `new` on themselves. Our classes are ES classes, which throw when called; this wraps one in a
 * `Proxy` whose call does the `new`. Construction, `class extends`, `instanceof` and statics pass
 * through to the class untouched.
 *
 * Node's function-style subclassing calls the constructor on an object it did not make
 * (`function My() { http.Server.call(this) }` with `My.prototype` inheriting `Server.prototype`): a class
 * given `initInPlace` sets that object up in place, as Node's constructors do when `this` is already an
 * instance.
 *
 * @module
 */

/**
 * The class `cls`, callable without `new` as well. Called with a `this` that inherits from `cls.prototype`
 * (and not yet set up), `initInPlace(this, args)` runs instead, when given.
 *
 * @example
 * ```ts ignore
 * const Server = callableClass<ServerConstructor>(ServerClass, initServerInPlace);
 * const a = Server(listener); // same as new Server(listener)
 * function MyServer(this: object) { Server.call(this); } // sets up `this`
 * ```
 */
export function callableClass<Callable>(
  // deno-lint-ignore no-explicit-any
  cls: new (...args: any[]) => object,
  initInPlace?: (self: object, args: unknown[]) => void,
): Callable {
  return new Proxy(cls, {
    apply(target, thisArg, args) {
      if (initInPlace !== undefined && thisArg instanceof target) {
        initInPlace(thisArg, args);
        return undefined;
      }
      return Reflect.construct(target, args);
    },
  }) as unknown as Callable;
}
