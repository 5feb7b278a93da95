/**
 * An expected failure of `get` as the user sees it: a message and an exit code.
 *
 * @module
 */
import { EXIT } from "../cli/exit_codes.ts";
import type { NetAdapter } from "../net/types.ts";
import { DownloadError } from "./errors.ts";

/** What a failed download says, and the exit code it stands for. */
export interface Failure {
  code: number;
  /** The message, without the `netkit get: ` prefix. */
  message: string;
}

/**
 * Describes a {@linkcode DownloadError}; a certificate failure says how to
 * skip the check on this runtime. Anything else is a bug and is rethrown.
 *
 * @param error what the download threw
 * @param net the adapter (whether `-k` works here)
 * @returns the message and exit code
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { failure } from "./failure.ts";
 * import { DownloadError } from "./errors.ts";
 * import type { NetAdapter } from "../net/types.ts";
 *
 * const net = { insecureTls: true } as NetAdapter;
 * assert.deepEqual(failure(new DownloadError(60, "Certificate of h could not be verified"), net), {
 *   code: 60,
 *   message: "Certificate of h could not be verified (-k skips the check; --cacert FILE trusts a CA)",
 * });
 * ```
 */
export function failure(error: unknown, net: NetAdapter): Failure {
  if (!(error instanceof DownloadError)) throw error;
  const hint = error.exitCode !== EXIT.CERTIFICATE
    ? ""
    : net.insecureTls
    ? " (-k skips the check; --cacert FILE trusts a CA)"
    : ` (${net.insecureTlsHint}; --cacert FILE trusts a CA)`;
  return { code: error.exitCode, message: `${error.message}${hint}` };
}
