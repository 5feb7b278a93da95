/**
 * Why a write was refused: an HTTP status and a sentence for the client.
 *
 * @module
 */

/** errno codes of node:fs and the status each write failure is answered with. */
const FS_STATUS: Record<string, [number, string]> = {
  ENOSPC: [507, "the disk is full"],
  EDQUOT: [507, "the disk quota is used up"],
  EFBIG: [413, "the file is larger than the file system allows"],
  EEXIST: [409, "the name exists already"],
  ENOTEMPTY: [409, "the folder is not empty"],
  EISDIR: [409, "a folder has that name"],
  ENOENT: [409, "the parent folder does not exist"],
  ENOTDIR: [409, "a part of the path is not a folder"],
  EACCES: [403, "permission denied"],
  EPERM: [403, "permission denied"],
  EROFS: [403, "the file system is read-only"],
  ENAMETOOLONG: [400, "the name is too long"],
};

/**
 * A refused write. `status` is what the client is answered with (RFC 9110
 * §15, RFC 4918 §11.5 for 507).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { UploadError } from "./upload_error.ts";
 *
 * const error = new UploadError(413, "the upload is larger than --max-upload 1 KiB");
 * assert(error.status === 413 && error.message.includes("--max-upload"));
 * ```
 */
export class UploadError extends Error {
  /** The HTTP status to answer with. */
  readonly status: number;
  /** Headers the answer carries (a resumable upload's offset on 409). */
  readonly headers: [string, string][];

  constructor(status: number, message: string, options: { headers?: [string, string][] } = {}) {
    super(message);
    this.name = "UploadError";
    this.status = status;
    this.headers = options.headers ?? [];
  }
}

/**
 * The {@linkcode UploadError} a file system failure of a write means: a full
 * disk is 507, an existing name 409, a missing parent 409, and so on; an
 * error without a known errno code is returned as it is (a fault, answered 500).
 *
 * @param error what node:fs threw
 * @returns the refusal, or the error itself
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fsFailure, UploadError } from "./upload_error.ts";
 *
 * const full = fsFailure(Object.assign(new Error("no space"), { code: "ENOSPC" }));
 * assert(full instanceof UploadError && full.status === 507);
 * ```
 */
export function fsFailure(error: unknown): unknown {
  if (error instanceof UploadError) return error;
  const known = FS_STATUS[(error as { code?: string })?.code ?? ""];
  return known ? new UploadError(known[0], known[1]) : error;
}
