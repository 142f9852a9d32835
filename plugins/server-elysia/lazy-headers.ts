/**
 * A request's headers as the plain object handlers and middlewares get, built
 * only when something reads it: most handlers never do, and `Headers#toJSON`
 * was ~1 µs of a ~20 µs request. A Proxy whose target becomes that plain
 * object on first use (the native headers copied in) behaves like it for
 * property reads and writes, `in`, for-in, spread, JSON.stringify, freezing
 * and WeakMap keys. Like any Proxy it cannot be structured-cloned (postMessage
 * to a Worker): send `{ ...req.headers }` instead.
 */
/* Bun's console.log inspects a Proxy's target without traps (node:util goes through them): the target shows the headers. */
const INSPECT = Symbol.for("nodejs.util.inspect.custom");

class HeadersView {
  #source: Headers | undefined;

  constructor(source: Headers) {
    this.#source = source;
  }

  /** Copies the native headers in (once); the view is then the plain object. */
  static open(view: HeadersView): Record<string, string> {
    const source = view.#source;
    if (source !== undefined) {
      view.#source = undefined;
      Object.assign(view, source.toJSON());
    }
    return view as unknown as Record<string, string>;
  }

  [INSPECT](): Record<string, string> {
    // Called on the view (Bun's console.log) or on the proxy (node:util), whose traps open the view.
    return #source in this ? { ...HeadersView.open(this) } : { ...(this as unknown as Record<string, string>) };
  }
}

const open = HeadersView.open;

const handler: ProxyHandler<HeadersView> = {
  // The view's own class members (INSPECT) stay out of sight: a plain object has none.
  get: (t, key) => (key === INSPECT ? undefined : Reflect.get(open(t), key)),
  has: (t, key) => key !== INSPECT && key in open(t),
  set: (t, key, value) => Reflect.set(open(t), key, value),
  deleteProperty: (t, key) => Reflect.deleteProperty(open(t), key),
  defineProperty: (t, key, descriptor) => Reflect.defineProperty(open(t), key, descriptor),
  ownKeys: (t) => Reflect.ownKeys(open(t)),
  getOwnPropertyDescriptor: (t, key) => Reflect.getOwnPropertyDescriptor(open(t), key),
  getPrototypeOf: () => Object.prototype,
  // Freezing makes the prototype observable for good: make it the plain object's first.
  preventExtensions: (t) => {
    open(t);
    Object.setPrototypeOf(t, Object.prototype);
    return Reflect.preventExtensions(t);
  },
  isExtensible: (t) => Reflect.isExtensible(t),
};

export function lazyHeaders(source: Headers): Record<string, string> {
  return new Proxy(new HeadersView(source), handler) as unknown as Record<string, string>;
}
