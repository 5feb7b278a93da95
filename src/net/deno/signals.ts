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
 * import { onSignal } from "./signals.ts";
 *
 * if (navigator.userAgent.startsWith("Deno/")) {
 *   const remove = onSignal(["SIGTERM"], () => {});
 *   remove();
 * }
 * ```
 */
export const onSignal = signalSubscriber(
  (signal, listener) => Deno.addSignalListener(signal, listener),
  (signal, listener) => Deno.removeSignalListener(signal, listener),
);
