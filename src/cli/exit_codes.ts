/**
 * Every exit code netkit returns, in one table: 0, 1 and 2 for every
 * subcommand; `get` adds curl's codes (so scripts written for curl keep
 * working) and three of its own above 100; `sync-time` adds 113.
 *
 * @module
 */

/**
 * Exit codes, as documented in the README and in each command's `--help`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { EXIT } from "./exit_codes.ts";
 *
 * assert(EXIT.USAGE === 2 && EXIT.CHECKSUM_MISMATCH === 110);
 * ```
 */
export const EXIT = {
  /** Success (query-time: at least one host answered; with --set: the clock was set). */
  OK: 0,
  /** The job failed (query-time: no host answered, or --set did not set; serve-*: could not start). */
  FAILURE: 1,
  /** Usage error: bad flag, bad value, missing argument. */
  USAGE: 2,
  /** curl 6: the host name did not resolve. */
  UNRESOLVED_HOST: 6,
  /** curl 7: the connection was refused or could not be made. */
  CONNECT_FAILED: 7,
  /** curl 18: the body ended before Content-Length bytes arrived (or broke off). */
  PARTIAL_BODY: 18,
  /** curl 22: the server answered with status 400 or above. */
  HTTP_ERROR: 22,
  /** curl 23: the output could not be written (disk full, permissions, closed pipe). */
  WRITE_ERROR: 23,
  /** curl 26: a local file to send (`--data-binary @FILE`) could not be read. */
  READ_ERROR: 26,
  /** curl 28: a timeout fired (connect, idle or total). */
  TIMEOUT: 28,
  /** curl 35: the TLS handshake failed. */
  TLS_HANDSHAKE: 35,
  /** curl 47: more redirects than --max-redirects. */
  TOO_MANY_REDIRECTS: 47,
  /** curl 56: the connection failed while receiving the response head. */
  RECEIVE_ERROR: 56,
  /** curl 60: the server's certificate could not be verified. */
  CERTIFICATE: 60,
  /** curl 77: the --cacert file could not be read, or holds no certificate. */
  CA_CERT_FILE: 77,
  /** curl 61: a content coding (gzip, deflate, br) that get decodes was not valid. */
  BAD_CONTENT_ENCODING: 61,
  /** netkit: the body's checksum differs from --sha256/--sha512; nothing was saved. */
  CHECKSUM_MISMATCH: 110,
  /** netkit: the target file exists (use --force, or -C to resume it). */
  FILE_EXISTS: 111,
  /** netkit: a redirect from HTTPS to HTTP was refused (use --allow-downgrade). */
  DOWNGRADE_REFUSED: 112,
  /** netkit sync-time: the clock could not be changed (not root, no CAP_SYS_TIME, no clock_settime). */
  CLOCK_DENIED: 113,
} as const;
