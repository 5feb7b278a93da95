/**
 * `PUT /folder/name` (what `curl -T` and rclone send): the body becomes the
 * file, whole or not at all.
 *
 * @module
 */
import { lstat } from "node:fs/promises";
import { respond, statusResponse } from "../respond.ts";
import { bodyChunks, tooLarge } from "./body_chunks.ts";
import { ExpectedDigest } from "./expected_digest.ts";
import { receiveFile } from "./receive_body.ts";
import { UploadError } from "./upload_error.ts";
import type { WriteOptions } from "./write_options.ts";
import { locateWrite, type WriteTarget } from "./write_target.ts";

/**
 * Answers a PUT: 201 with Location for a new file, 204 for a replaced one.
 *
 * @param request the PUT
 * @param options the write policy
 * @returns the response
 * @throws {UploadError} for every refusal (the caller turns it into a status page)
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtempSync, readFileSync, realpathSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { putUpload } from "./put_upload.ts";
 *
 * const root = realpathSync(mkdtempSync(join(tmpdir(), "netkit-doc-")));
 * const response = await putUpload(new Request("http://x/a.txt", { method: "PUT", body: "hi" }), { root });
 * assert(response.status === 201 && response.headers.get("location") === "/a.txt");
 * assert(readFileSync(join(root, "a.txt"), "utf8") === "hi");
 * rmSync(root, { recursive: true });
 * ```
 */
export async function putUpload(request: Request, options: WriteOptions): Promise<Response> {
  const target = await checkPut(request, options);
  const outcome = await receiveFile(
    bodyChunks(request.body, { maxBytes: options.maxUpload, idleMs: options.idleMs, reuse: true }),
    {
      folder: target.folder,
      target: target.path,
      overwrite: options.overwrite,
      digest: ExpectedDigest.fromHeaders(request.headers),
    },
  );
  options.written?.(target.path);
  return created(outcome, { urlPath: target.urlPath });
}

/**
 * Everything a PUT is refused for before a byte of its body is read: the
 * name, a folder target, `Content-Range` (RFC 9110 §14.5: 400), a content
 * coding (415), a declared length over `--max-upload` (413), and an
 * existing name without `--overwrite` (409; checked again when publishing).
 *
 * @param request the PUT (or a resumable upload's creation)
 * @param options the write policy
 * @returns the target
 * @throws {UploadError} the refusal
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { realpathSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { checkPut } from "./put_upload.ts";
 *
 * const root = realpathSync(tmpdir());
 * const request = new Request("http://x/a.bin", { method: "PUT", headers: { "content-length": "2048" } });
 * await assert.rejects(checkPut(request, { root, maxUpload: 1024 }), { status: 413 });
 * ```
 */
export async function checkPut(request: Request, options: WriteOptions): Promise<WriteTarget> {
  const target = await locateWrite(request, options);
  if (!target.name || target.trailingSlash) {
    throw new UploadError(409, "cannot PUT to a folder (PUT /folder/NAME, or POST a form)");
  }
  if (request.headers.has("content-range")) {
    throw new UploadError(400, "partial PUT (Content-Range) is not supported");
  }
  checkDeclaredLength(request, options.maxUpload);
  if (!options.overwrite && await lstat(target.path).then(() => true, () => false)) {
    throw new UploadError(409, "the name exists already (--overwrite replaces files)");
  }
  return target;
}

/**
 * Refuses a body in a content coding (stored as sent it would not be the
 * file; RFC 9110 §15.5.16: 415) and a `Content-Length` over the limit (413).
 *
 * @param request the request
 * @param maxUpload the limit in bytes, if any
 * @throws {UploadError} 415 or 413
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkDeclaredLength } from "./put_upload.ts";
 *
 * const gzip = new Request("http://x/", { method: "PUT", headers: { "content-encoding": "gzip" } });
 * assert.throws(() => checkDeclaredLength(gzip, undefined), { status: 415 });
 * ```
 */
export function checkDeclaredLength(request: Request, maxUpload: number | undefined): void {
  const coding = request.headers.get("content-encoding");
  if (coding && coding.trim().toLowerCase() !== "identity") {
    throw new UploadError(415, `Content-Encoding ${coding} is not accepted (send the file as is)`);
  }
  const length = Number(request.headers.get("content-length") ?? 0);
  if (maxUpload !== undefined && length > maxUpload) throw tooLarge(maxUpload);
}

/** Options for {@linkcode created}. */
export interface CreatedOptions {
  /** The file's URL path, decoded. */
  urlPath: string;
  /** More headers (resumable uploads add theirs). */
  headers?: Record<string, string>;
}

/**
 * The answer to a stored file: 201 with Location, or 204 when it replaced one.
 *
 * @param outcome what publishing did
 * @param options the file's URL path and more headers
 * @returns the response
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { created } from "./put_upload.ts";
 *
 * assert(created("created", { urlPath: "/a b.txt" }).headers.get("location") === "/a%20b.txt");
 * assert(created("replaced", { urlPath: "/a" }).status === 204);
 * ```
 */
export function created(outcome: "created" | "replaced", options: CreatedOptions): Response {
  const { urlPath, headers = {} } = options;
  if (outcome === "replaced") return respond(null, Object.entries(headers), { status: 204 });
  const location = urlPath.split("/").map(encodeURIComponent).join("/");
  return statusResponse(201, { location, ...headers });
}
