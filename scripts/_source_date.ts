/**
 * The build's source date: `SOURCE_DATE_EPOCH` if set (the reproducible-builds
 * convention), else the last commit's date, else now. The binary's build date
 * and the release archives' mtimes come from it, so rebuilding a commit gives
 * the same bytes.
 *
 * @module
 */
import { execFileSync } from "node:child_process";
import process from "node:process";

/**
 * The source date, to the second.
 *
 * @param env where `SOURCE_DATE_EPOCH` is read (default: the process's environment)
 * @returns the date
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sourceDate } from "./_source_date.ts";
 *
 * const date = sourceDate({ SOURCE_DATE_EPOCH: "1764669600" });
 * assert.equal(date.toISOString(), "2025-12-02T10:00:00.000Z");
 * ```
 */
export function sourceDate(env: Record<string, string | undefined> = process.env): Date {
  let seconds = Number(env.SOURCE_DATE_EPOCH);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    try {
      seconds = Number(execFileSync("git", ["log", "-1", "--format=%ct"], { encoding: "utf8" }));
    } catch {
      seconds = NaN;
    }
  }
  return Number.isFinite(seconds) && seconds > 0
    ? new Date(Math.floor(seconds) * 1000)
    : new Date(Math.floor(Date.now() / 1000) * 1000);
}
