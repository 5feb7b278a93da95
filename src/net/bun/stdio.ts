/**
 * The standard streams on Bun: whether one is a terminal, and one write.
 *
 * @module
 */
import { writeSync } from "node:fs";
import process from "node:process";

/** What Bun's `process.binding("tty_wrap")` offers (isatty(3), without node:tty). */
interface TtyWrap {
  isTTY(fd: number): boolean;
}

/**
 * {@linkcode NetAdapter.isTerminal} on Bun: Bun's own `tty_wrap` binding,
 * which `node:tty` itself calls; `node:tty` only if a Bun lacks it.
 *
 * @param fd 0, 1 or 2
 * @returns whether that stream is a terminal
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isatty } from "node:tty";
 * import { isTerminal } from "./stdio.ts";
 *
 * if (navigator.userAgent.startsWith("Bun/")) {
 *   for (const fd of [0, 1, 2] as const) assert.equal(isTerminal(fd), isatty(fd));
 * }
 * ```
 */
export function isTerminal(fd: 0 | 1 | 2): boolean {
  const binding = (process as unknown as { binding?: (name: string) => TtyWrap }).binding;
  try {
    if (binding) return binding("tty_wrap").isTTY(fd);
  } catch {
    // No such binding in this Bun: ask node:tty below.
  }
  const tty = process.getBuiltinModule("node:tty") as typeof import("node:tty");
  return tty.isatty(fd);
}

/**
 * {@linkcode NetAdapter.writeStdio} on Bun: node:fs's `writeSync`, which
 * on Bun is one write(2) and reports a short write as such.
 *
 * @param fd 1 (standard output) or 2 (standard error)
 * @param bytes what to write
 * @returns the bytes written; 0 when the stream is non-blocking and full
 * @throws the write's error (`code` EPIPE, ENOSPC…)
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writeStdio } from "./stdio.ts";
 *
 * if (navigator.userAgent.startsWith("Bun/")) {
 *   assert.equal(writeStdio(2, new Uint8Array(0)), 0);
 * }
 * ```
 */
export function writeStdio(fd: 1 | 2, bytes: Uint8Array): number {
  try {
    return writeSync(fd, bytes);
  } catch (error) {
    if ((error as { code?: string }).code === "EAGAIN") return 0;
    throw error;
  }
}
