/**
 * `sync-time`'s sources: SOURCE arguments and `--config FILE` lines, read
 * as query-time reads its hosts except that a bare host means SNTP.
 *
 * @module
 */
import { UsageError } from "../cli/args.ts";
import { NTP_PORT } from "../time/ntp_packet.ts";
import type { PollTarget } from "../time/poll_time.ts";
import { parseTimeTarget } from "./_parse_time_target.ts";

/** A bare host is asked over SNTP on port 123. */
const BARE_HOST = { protocol: "ntp" as const, transport: "udp" as const, port: NTP_PORT };

/**
 * One SOURCE: `ntp://`, `time://`, `time+udp://`, `https://`, `http://`, or a bare host (SNTP).
 *
 * @param text what the user wrote
 * @returns the target
 * @throws {UsageError} on a bad scheme, host or port, or port 0
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSyncSource } from "./_sync_time_sources.ts";
 *
 * assert.deepEqual(parseSyncSource("clock.example"), {
 *   host: "clock.example", port: 123, protocol: "ntp", transport: "udp",
 * });
 * assert.equal(parseSyncSource("https://clock.example").port, 443);
 * ```
 */
export function parseSyncSource(text: string): PollTarget {
  const target = parseTimeTarget(text, BARE_HOST);
  if (target.port === 0) throw new UsageError(`port 0 cannot be asked: '${text}'`);
  return target;
}

/**
 * The sources of a `--config` file: one per line; `#` starts a comment;
 * blank lines are skipped.
 *
 * @param text the file's contents
 * @param file its name, for messages
 * @returns the targets, in order
 * @throws {UsageError} naming the file and line of a bad source
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSyncConfig } from "./_sync_time_sources.ts";
 *
 * const text = "# office clocks\nntp://10.0.0.1\n\n  https://clock.example  # fallback\n";
 * const targets = parseSyncConfig(text, "sources.conf");
 * assert.deepEqual(targets.map((t) => t.protocol), ["ntp", "https"]);
 * assert.throws(() => parseSyncConfig("a b\n", "f"), /f:1: one source per line/);
 * ```
 */
export function parseSyncConfig(text: string, file: string): PollTarget[] {
  const targets: PollTarget[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.replace(/#.*$/, "").trim();
    if (line === "") return;
    if (/\s/.test(line)) {
      throw new UsageError(`${file}:${index + 1}: one source per line (got '${line}')`);
    }
    try {
      targets.push(parseSyncSource(line));
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      throw new UsageError(`${file}:${index + 1}: ${error.message}`);
    }
  });
  return targets;
}
