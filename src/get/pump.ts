/**
 * Copies a response body from the wire to its output, re-arming the idle
 * timer per chunk and counting the bytes as they arrived (before any
 * decoding), which is what Content-Length and the meter count.
 *
 * @module
 */
import type { Attempt } from "./attempt.ts";
import type { BodyOutput } from "./content_decoding.ts";
import { bodyError } from "./errors.ts";
import type { Progress } from "./progress.ts";

/** Options for {@linkcode pump}. */
export interface PumpOptions {
  /** Where the bytes go (a sink, or a decoder in front of one). */
  output: BodyOutput;
  /** The attempt whose idle timer each chunk re-arms. */
  attempt: Attempt;
  idleTimeoutMs: number;
  progress?: Progress;
}

/**
 * Reads `body` to its end into `options.output`.
 *
 * @param body the response body, as the server sent it
 * @param options output, timer and meter
 * @returns bytes received on the wire
 * @throws {DownloadError} 18 when the body breaks off, 28 on a timeout, or
 *   what the output threw
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pump } from "./pump.ts";
 * import { Attempt } from "./attempt.ts";
 *
 * const chunks: Uint8Array[] = [];
 * const output = {
 *   decoded: false,
 *   write: (c: Uint8Array) => void chunks.push(c),
 *   end: () => Promise.resolve(),
 * };
 * const attempt = new Attempt({ now: 0 });
 * const received = await pump(new Response("hello").body!, { output, attempt, idleTimeoutMs: 1000 });
 * attempt.disarm();
 * assert(received === 5 && chunks.length > 0);
 * ```
 */
export async function pump(
  body: ReadableStream<Uint8Array>,
  options: PumpOptions,
): Promise<number> {
  const { attempt, idleTimeoutMs } = options;
  const idleMessage = `No data for ${idleTimeoutMs / 1000} s (--idle-timeout)`;
  const reader = body.getReader();
  let received = 0;
  try {
    for (;;) {
      attempt.arm(idleTimeoutMs, idleMessage);
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (error) {
        throw bodyError(error, { received, timeout: attempt.timeout });
      }
      if (chunk.done) return received;
      received += chunk.value.length;
      options.progress?.advance(chunk.value.length);
      await options.output.write(chunk.value);
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}
