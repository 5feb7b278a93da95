/**
 * What happens to a download's sink when the download failed.
 *
 * @module
 */
import type { Sink } from "./sink.ts";

/**
 * Lets go of the sink of a failed download: a `.part` that holds bytes
 * stays for `-C` or a retry; one that got nothing (and held nothing before)
 * is removed, so a failure leaves no empty files behind.
 *
 * @param sink the sink the download had chosen, if any
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { releaseSink } from "./release_sink.ts";
 * import type { Sink } from "./sink.ts";
 *
 * let discarded = false;
 * releaseSink({ path: "a", offset: 0, resumedFrom: 0, discard: () => (discarded = true) } as unknown as Sink);
 * assert(discarded);
 * ```
 */
export function releaseSink(sink: Sink | undefined): void {
  if (sink?.path !== undefined && sink.offset === 0 && sink.resumedFrom === 0) sink.discard();
  else sink?.close();
}
