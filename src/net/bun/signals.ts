/**
 * Signals on Bun: Bun has no signal API of its own; node:process is its native one.
 *
 * @module
 */
import process from "node:process";
import { signalSubscriber } from "../_shared.ts";

/**
 * {@linkcode NetAdapter.onSignal} on Bun.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { onSignal } from "./signals.ts";
 *
 * const remove = onSignal(["SIGTERM"], () => {});
 * assert.equal(typeof remove, "function");
 * remove();
 * ```
 */
export const onSignal = signalSubscriber(
  (signal, listener) => process.on(signal, listener),
  (signal, listener) => process.off(signal, listener),
);
