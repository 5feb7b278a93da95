/**
 * What the write side is allowed to do: the flags `--upload` comes with.
 *
 * @module
 */

/**
 * Options every write handler reads.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { WriteOptions } from "./write_options.ts";
 *
 * const options: WriteOptions = { root: "/srv", maxUpload: 8 * 1024 ** 2 };
 * assert(!options.overwrite);
 * ```
 */
export interface WriteOptions {
  /** The served folder: absolute and real (symlink-free). */
  root: string;
  /** Allow names starting with a dot. @default false */
  dotfiles?: boolean;
  /** Replace existing files (`--overwrite`). @default false */
  overwrite?: boolean;
  /** Allow MKCOL and the form field `mkdir` (`--mkdir`). @default false */
  mkdir?: boolean;
  /** Allow DELETE of files and empty folders (`--delete`). @default false */
  delete?: boolean;
  /** Largest request body in bytes (`--max-upload`); none when undefined. */
  maxUpload?: number;
  /** Idle time in ms after which an upload is given up. @default UPLOAD_IDLE_MS (body_chunks.ts) */
  idleMs?: number;
  /**
   * Told of every path a write created, replaced or removed, just after the
   * change (the read side's stat cache forgets what it saw there).
   */
  written?: (path: string) => void;
}
