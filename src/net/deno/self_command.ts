/**
 * How Deno runs this program again.
 *
 * @module
 */

/** The permissions passed on: each one this process holds in full. */
const PERMISSIONS = ["net", "read", "write", "env", "ffi", "run", "sys"] as const;

/**
 * {@linkcode NetAdapter.selfCommand} on Deno: the compiled binary alone, or
 * `deno run` with each permission this process holds in full and the entry
 * module. A permission granted only in part (`--allow-net=host`) is not
 * passed on, so the copy may ask for it.
 *
 * @returns the argv, without the program's own arguments
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { selfCommand } from "./self_command.ts";
 *
 * if (navigator.userAgent.startsWith("Deno/")) {
 *   const argv = selfCommand();
 *   assert.equal(argv[0], Deno.execPath());
 * }
 * ```
 */
export function selfCommand(): string[] {
  if (Deno.build.standalone) return [Deno.execPath()];
  const granted = PERMISSIONS.filter((name) =>
    Deno.permissions.querySync({ name }).state === "granted"
  );
  return [Deno.execPath(), "run", ...granted.map((name) => `--allow-${name}`), Deno.mainModule];
}
