/**
 * What this build of netkit is: version and build date.
 *
 * The build date doubles as the clock sanity bound of the time commands: a
 * clock that reads earlier than the day before it is plainly unset (a device
 * without a real-time clock before it syncs).
 *
 * @module
 */
import pkg from "../package.json" with { type: "json" };

// Replaced by `bun build --define` with the compiled binary's build date.
declare const NETKIT_BUILD_DATE: string | undefined;

/** Date of this source release; source runs use it as their build date. */
const SOURCE_DATE = "2026-11-22";

/** netkit's version, from package.json. */
export const VERSION: string = pkg.version;

/** Build date (UTC, `YYYY-MM-DD`) of this binary, or of the source release. */
export const BUILD_DATE: string = typeof NETKIT_BUILD_DATE === "string"
  ? NETKIT_BUILD_DATE
  : SOURCE_DATE;

// Replaced by `bun build --define` with the compiled binary's target.
declare const NETKIT_BUILD_TARGET: string | undefined;

/**
 * The target (`linux-x64`, …) of a compiled binary, or `source` when run
 * from the source files.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BUILD_TARGET } from "./build_info.ts";
 *
 * assert.match(BUILD_TARGET, /^(source|(linux|darwin|windows)-(x64|arm64)(-musl)?)$/);
 * ```
 */
export const BUILD_TARGET: string = typeof NETKIT_BUILD_TARGET === "string"
  ? NETKIT_BUILD_TARGET
  : "source";
