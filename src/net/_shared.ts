/**
 * Small pieces both adapters use: timers, close-once, signals, and the
 * request header that keeps content codings off. Private to `src/net`; the
 * clock's libc calls are in `_libc_clock.ts`.
 *
 * @module
 */
import type { NetAdapter, SignalName } from "./types.ts";

/**
 * Resolves after `ms` milliseconds; does not keep the process alive past an abort.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { delay } from "./_shared.ts";
 *
 * const started = Date.now();
 * await delay(10);
 * assert(Date.now() - started >= 5);
 * ```
 */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Waits for `promise` at most `ms` milliseconds.
 *
 * @returns true if it settled in time (its rejection counts as settled)
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { raceWithTimeout } from "./_shared.ts";
 *
 * assert(await raceWithTimeout(Promise.resolve(), 100));
 * assert(!(await raceWithTimeout(new Promise((r) => setTimeout(r, 200)), 10)));
 * ```
 */
export async function raceWithTimeout(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<false>((resolve) => (timer = setTimeout(resolve, ms, false)));
  try {
    return await Promise.race([promise.then(() => true, () => true), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/** What {@linkcode closable} returns: a close that runs once, and its state. */
export interface Closable extends AsyncDisposable {
  /** Releases the resource once; never throws, safe to call twice. */
  close(): void;
  /** Whether close() was called. */
  readonly closed: boolean;
}

/**
 * The `close()` every listener and socket of the contract has: runs
 * `release` once, swallows its error (the runtime already closed it), and
 * doubles as `Symbol.asyncDispose`.
 *
 * @param release the runtime's close
 * @returns the close, the state, and the disposer
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { closable } from "./_shared.ts";
 *
 * let calls = 0;
 * const handle = closable(() => {
 *   calls++;
 *   throw new Error("already closed");
 * });
 * handle.close();
 * await handle[Symbol.asyncDispose]();
 * assert(calls === 1 && handle.closed);
 * ```
 */
export function closable(release: () => void): Closable {
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    try {
      release();
    } catch { /* already closed by the peer or the runtime */ }
  };
  return {
    close,
    get closed() {
      return closed;
    },
    [Symbol.asyncDispose]() {
      close();
      return Promise.resolve();
    },
  };
}

/**
 * {@linkcode NetAdapter.onSignal} on top of a runtime's add/remove pair.
 *
 * @param add installs a listener for one signal
 * @param remove removes it again
 * @returns the adapter's `onSignal`
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { signalSubscriber } from "./_shared.ts";
 *
 * const listeners = new Set<() => void>();
 * const onSignal = signalSubscriber((_s, l) => listeners.add(l), (_s, l) => listeners.delete(l));
 * const seen: string[] = [];
 * const remove = onSignal(["SIGTERM"], (signal) => seen.push(signal));
 * for (const listener of listeners) listener();
 * remove();
 * assert(seen[0] === "SIGTERM" && listeners.size === 0);
 * ```
 */
export function signalSubscriber(
  add: (signal: SignalName, listener: () => void) => void,
  remove: (signal: SignalName, listener: () => void) => void,
): NetAdapter["onSignal"] {
  return (signals, handler) => {
    const listeners = signals.map((signal) => {
      const listener = () => handler(signal);
      add(signal, listener);
      return [signal, listener] as const;
    });
    // Safe to call twice: serve-http lets go early (a second Ctrl-C stops at
    // once) and again on its way out.
    return () => {
      for (const [signal, listener] of listeners.splice(0)) remove(signal, listener);
    };
  };
}

/**
 * `init` with `Accept-Encoding: identity` unless the caller chose an encoding:
 * how both adapters keep the server from applying a content coding the
 * caller did not ask for (RFC 9110 §12.5.3).
 *
 * @param init the request options
 * @returns `init` itself when its Headers name an encoding already, else a
 *   copy whose headers ask for no content coding
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { withIdentityEncoding } from "./_shared.ts";
 *
 * const init = withIdentityEncoding({ headers: { accept: "text/html" } });
 * assert(new Headers(init.headers).get("accept-encoding") === "identity");
 * ```
 */
export function withIdentityEncoding(init: RequestInit): RequestInit {
  // The download engine's requests name one already: no copy per request for them.
  if (init.headers instanceof Headers && init.headers.has("accept-encoding")) return init;
  const headers = new Headers(init.headers);
  if (!headers.has("accept-encoding")) headers.set("accept-encoding", "identity");
  return { ...init, headers };
}
