/**
 * Node's constructors work without `new` (`http.Server(fn)`, `http.Agent()`): they are plain functions
 * that call `new` on themselves. Our classes are ES classes, which throw when called; this wraps one in a
 * `Proxy` whose call does the `new`. Construction, `class extends`, `instanceof` and statics pass
 * through to the class untouched.
 *
 * @module
 */

/**
 * The class `cls`, callable without `new` as well.
 *
 * @example
 * ```ts ignore
 * const Server = callableClass<ServerConstructor>(ServerClass);
 * const a = Server(listener); // same as new Server(listener)
 * ```
 */
// deno-lint-ignore no-explicit-any
export function callableClass<Callable>(cls: new (...args: any[]) => object): Callable {
  return new Proxy(cls, {
    apply(target, _thisArg, args) {
      return Reflect.construct(target, args);
    },
  }) as unknown as Callable;
}
