/**
 * Exit codes shared by every subcommand. `get` adds curl's codes (src/http/download_error.ts).
 *
 * @module
 */

/** Exit codes, as documented in the README and in `--help`. */
export const EXIT = {
  /** Success (query-time: at least one host answered; with --set: the clock was set). */
  OK: 0,
  /** The job failed (query-time: no host answered, or --set did not set; serve-*: could not start). */
  FAILURE: 1,
  /** Usage error: bad flag, bad value, missing argument. */
  USAGE: 2,
} as const;
