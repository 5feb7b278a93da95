/**
 * How Bun runs this program again.
 *
 * @module
 */
import process from "node:process";
import type { BunApi } from "./_api.ts";

declare const Bun: BunApi;

/**
 * {@linkcode NetAdapter.selfCommand} on Bun: the compiled binary alone (its
 * entry script lives in the binary, under `/$bunfs/`), or `bun` and the
 * entry script.
 *
 * @returns the argv, without the program's own arguments
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import process from "node:process";
 * import { selfCommand } from "./self_command.ts";
 *
 * if (navigator.userAgent.startsWith("Bun/")) {
 *   assert.equal(selfCommand()[0], process.execPath);
 * }
 * ```
 */
export function selfCommand(): string[] {
  const compiled = Bun.main.startsWith("/$bunfs/") || /^[A-Z]:\\~BUN\\/.test(Bun.main);
  return compiled ? [process.execPath] : [process.execPath, Bun.main];
}
