/**
 * Signals on Deno: `Deno.addSignalListener`.
 *
 * @module
 */
import { signalSubscriber } from "../_shared.ts";

/**
 * {@linkcode NetAdapter.onSignal} on Deno.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { onSignal } from "./signals.ts";
 *
 * if (navigator.userAgent.startsWith("Deno/")) {
 *   const remove = onSignal(["SIGTERM"], () => {});
 *   assert.equal(typeof remove, "function");
 *   remove();
 * }
 * ```
 */
export const onSignal = signalSubscriber(
  (signal, listener) => Deno.addSignalListener(signal, listener),
  (signal, listener) => Deno.removeSignalListener(signal, listener),
);
