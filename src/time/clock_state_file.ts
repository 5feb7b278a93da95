/**
 * `sync-time --state FILE`: the last time this machine knew, kept across
 * reboots and power cuts (as fake-hwclock and systemd-timesyncd keep theirs).
 * At start the clock is stepped forward to it when it reads earlier; so a
 * board without a real-time clock never runs at 1970, and never before a
 * time it has already seen.
 *
 * The file is one line, the time in UTC as ISO 8601 (`2026-12-02T07:30:00.000Z`);
 * fake-hwclock's `2026-12-02 07:30:00` is read too. Every save writes a
 * temporary file beside it, flushes it to the disk, renames it over the old
 * one and flushes the folder: a power cut leaves the old time or the new one,
 * never an empty or torn file.
 *
 * @module
 */
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from "node:fs";
import { dirname } from "node:path";

/** Default `--state`. */
export const DEFAULT_STATE_FILE = "/var/lib/netkit/clock";

/** What {@linkcode ClockStateFile.read} found. */
export type ClockStateReading =
  /** No file yet (the first boot). */
  | { kind: "missing" }
  /** The saved time, ms since the Unix epoch. */
  | { kind: "saved"; ms: number }
  /** A file that does not hold a time, or cannot be read: ignored. */
  | { kind: "unusable"; reason: string };

const ISO = /^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(\.\d{1,9})?Z?$/;

/**
 * The state file.
 *
 * @example Save, then read back
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtempSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { ClockStateFile } from "./clock_state_file.ts";
 *
 * const dir = mkdtempSync(join(tmpdir(), "netkit-state-"));
 * try {
 *   const state = new ClockStateFile(join(dir, "lib", "clock"));
 *   assert.deepEqual(state.read(), { kind: "missing" });
 *   state.save(Date.UTC(2026, 11, 2, 7, 30));
 *   assert.deepEqual(state.read(), { kind: "saved", ms: Date.UTC(2026, 11, 2, 7, 30) });
 * } finally {
 *   rmSync(dir, { recursive: true });
 * }
 * ```
 */
export class ClockStateFile {
  /** The file's path. */
  readonly path: string;

  /** @param path where the time is kept */
  constructor(path: string) {
    this.path = path;
  }

  /**
   * Reads the saved time. Never throws.
   *
   * @returns the time, or that there is none, or why the file was not usable
   */
  read(): ClockStateReading {
    let text: string;
    try {
      text = readFileSync(this.path, "utf8");
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === "ENOENT") return { kind: "missing" };
      return { kind: "unusable", reason: `cannot read it (${code ?? String(error)})` };
    }
    const ms = parseStateTime(text.trim());
    if (ms === undefined) {
      const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
      return { kind: "unusable", reason: `not a time: ${JSON.stringify(shown)}` };
    }
    return { kind: "saved", ms };
  }

  /**
   * Saves `ms` atomically: temporary file, fsync, rename, fsync of the folder
   * (which is created first when missing).
   *
   * @param ms the time to keep, ms since the Unix epoch
   * @throws {RangeError} for a time that is not a finite date
   * @throws the node:fs error (with its errno `code`) when the file cannot be written
   */
  save(ms: number): void {
    const date = new Date(ms);
    if (!Number.isFinite(date.getTime())) {
      throw new RangeError(`Cannot save the clock: ${ms} is not a time`);
    }
    const folder = dirname(this.path);
    mkdirSync(folder, { recursive: true });
    const temporary = `${this.path}.tmp`;
    const bytes = new TextEncoder().encode(`${date.toISOString()}\n`);
    const fd = openSync(temporary, "w", 0o644);
    try {
      for (let done = 0; done < bytes.length;) {
        done += writeSync(fd, bytes, done, bytes.length - done);
      }
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, this.path);
    _fsyncFolder(folder);
  }
}

/**
 * Reads a state file's time: ISO 8601 in UTC, or fake-hwclock's `YYYY-MM-DD HH:MM:SS`.
 *
 * @param text the file's line, trimmed
 * @returns ms since the Unix epoch, or undefined when it is not such a time
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseStateTime } from "./clock_state_file.ts";
 *
 * assert.equal(parseStateTime("2026-12-02T07:30:00.250Z"), Date.UTC(2026, 11, 2, 7, 30, 0, 250));
 * assert.equal(parseStateTime("2026-12-02 07:30:00"), Date.UTC(2026, 11, 2, 7, 30));
 * assert.equal(parseStateTime("2026-12-02T07:3"), undefined);
 * assert.equal(parseStateTime("2026-13-02 07:30:00"), undefined);
 * ```
 */
export function parseStateTime(text: string): number | undefined {
  const m = ISO.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  const fraction = m[7] ? Math.floor(Number(`0${m[7]}`) * 1000) : 0;
  const ms = Date.UTC(year, month - 1, day, hour, minute, second, fraction);
  const back = new Date(ms);
  // Date.UTC rolls 2026-13-02 over into 2027: such a text is not a time.
  const same = back.getUTCFullYear() === year && back.getUTCMonth() === month - 1 &&
    back.getUTCDate() === day && hour < 24 && minute < 60 && second < 60;
  return same ? ms : undefined;
}

/** Flushes a folder's entries (the rename) to the disk; where a folder cannot be opened, skipped. */
function _fsyncFolder(folder: string): void {
  let fd: number;
  try {
    fd = openSync(folder, "r");
  } catch {
    return;
  }
  try {
    fsyncSync(fd);
  } catch {
    // Some file systems refuse fsync on a folder (EINVAL); the rename stands.
  } finally {
    closeSync(fd);
  }
}
