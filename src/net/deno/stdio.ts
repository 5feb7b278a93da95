/**
 * The standard streams on Deno: whether one is a terminal, and one write.
 *
 * @module
 */

/**
 * {@linkcode NetAdapter.isTerminal} on Deno.
 *
 * @param fd 0, 1 or 2
 * @returns whether that stream is a terminal
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isTerminal } from "./stdio.ts";
 *
 * if (navigator.userAgent.startsWith("Deno/")) {
 *   assert.equal(isTerminal(2), Deno.stderr.isTerminal());
 * }
 * ```
 */
export function isTerminal(fd: 0 | 1 | 2): boolean {
  return [Deno.stdin, Deno.stdout, Deno.stderr][fd].isTerminal();
}

/**
 * {@linkcode NetAdapter.writeStdio} on Deno: one `writeSync`. Standard
 * error is unbuffered in Deno, so a full non-blocking stderr took nothing
 * and reports 0 (the caller waits and writes again). Standard output goes
 * through Rust's stdout buffer: when a non-blocking stdout is full Deno has
 * taken some of the bytes into that buffer and throws without saying how
 * many (node:fs's `writeSync` loses the count the same way), so waiting and
 * writing again would send bytes twice. It fails loudly instead.
 *
 * @param fd 1 (standard output) or 2 (standard error)
 * @param bytes what to write
 * @returns the bytes written
 * @throws the write's error (`code` EPIPE, ENOSPC…); `code` EAGAIN when
 *   standard output is non-blocking and full
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writeStdio } from "./stdio.ts";
 *
 * if (navigator.userAgent.startsWith("Deno/")) {
 *   assert.equal(writeStdio(2, new Uint8Array(0)), 0);
 * }
 * ```
 */
export function writeStdio(fd: 1 | 2, bytes: Uint8Array): number {
  try {
    return (fd === 1 ? Deno.stdout : Deno.stderr).writeSync(bytes);
  } catch (error) {
    if (!(error instanceof Deno.errors.WouldBlock)) throw error;
    if (fd === 2) return 0;
    throw Object.assign(
      new Error(
        "it is non-blocking and its reader fell behind; under Deno part of the output may be missing",
      ),
      { code: "EAGAIN", cause: error },
    );
  }
}
