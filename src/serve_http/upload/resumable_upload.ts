/**
 * Resumable uploads by the IETF draft (draft-ietf-httpbis-resumable-upload,
 * `Upload-Offset`/`Upload-Complete`/`Upload-Length`), the "careful" flow that
 * needs no 104 interim response (neither runtime can send one):
 *
 * 1. `PUT /folder/name` with `Upload-Complete: ?0` creates an upload
 *    resource and answers 201 with its `Location` (the body, if any, is the
 *    first part);
 * 2. `HEAD <location>` tells how many bytes arrived (`Upload-Offset`);
 * 3. `PATCH <location>` with `Upload-Offset: N` appends; with
 *    `Upload-Complete: ?1` the last part publishes the file (201 or 204);
 * 4. `DELETE <location>` gives up.
 *
 * The bytes wait in the target folder's hidden temporary, so publishing is
 * the same atomic step as a plain PUT.
 *
 * @module
 */
import { nodeCrypto } from "../../lazy_node.ts";
import { parseItem } from "structured-headers";
import { requestUrl } from "../locate.ts";
import { respond } from "../respond.ts";
import { AtomicFile } from "./atomic_file.ts";
import { bodyChunks, tooLarge } from "./body_chunks.ts";
import { checkPut, created } from "./put_upload.ts";
import { UploadError } from "./upload_error.ts";
import type { WriteOptions } from "./write_options.ts";
import type { WriteTarget } from "./write_target.ts";

/** Where upload resources live: hidden, so no file of the root can be one. */
export const UPLOAD_RESOURCE_PREFIX = "/.netkit-upload/";
/** How long an untouched upload waits for its next part (draft §4.1 `max-age`). */
export const UPLOAD_MAX_AGE_S = 24 * 3600;

interface Upload {
  target: WriteTarget;
  file: string;
  offset: number;
  length?: number;
  user?: string;
  busy: boolean;
  touched: number;
}

/**
 * The draft's `Upload-Complete` of a request (a Structured Boolean, RFC 9651),
 * or undefined when the header is absent.
 *
 * @param request the request
 * @returns true for `?1`, false for `?0`
 * @throws {UploadError} 400 when it is not a boolean
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { uploadComplete } from "./resumable_upload.ts";
 *
 * assert(uploadComplete(new Request("http://x/", { headers: { "upload-complete": "?0" } })) === false);
 * assert(uploadComplete(new Request("http://x/")) === undefined);
 * ```
 */
export function uploadComplete(request: Request): boolean | undefined {
  const value = structuredItem(request, "upload-complete");
  if (value !== undefined && typeof value !== "boolean") {
    throw new UploadError(400, "Upload-Complete must be ?0 or ?1");
  }
  return value;
}

/**
 * The upload resources of one server: created by a PUT, then looked at,
 * appended to and completed under {@linkcode UPLOAD_RESOURCE_PREFIX}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtempSync, readFileSync, realpathSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { ResumableUploads } from "./resumable_upload.ts";
 *
 * const root = realpathSync(mkdtempSync(join(tmpdir(), "netkit-doc-")));
 * const uploads = new ResumableUploads({ root });
 * const start = new Request("http://x/a.txt", { method: "PUT", body: "hel", headers: { "upload-complete": "?0" } });
 * const location = (await uploads.create(start)).headers.get("location")!;
 * const rest = new Request(`http://x${location}`, {
 *   method: "PATCH", body: "lo", headers: { "upload-offset": "3", "upload-complete": "?1" },
 * });
 * assert((await uploads.resume(rest)).status === 201);
 * assert(readFileSync(join(root, "a.txt"), "utf8") === "hello");
 * rmSync(root, { recursive: true });
 * ```
 */
export class ResumableUploads {
  #options: WriteOptions;
  #uploads = new Map<string, Upload>();

  constructor(options: WriteOptions) {
    this.#options = options;
  }

  /**
   * Whether a request is for an upload resource.
   *
   * @param request the request
   * @returns true when its path is under the prefix
   */
  owns(request: Request): boolean {
    return requestUrl(request).pathname.startsWith(UPLOAD_RESOURCE_PREFIX);
  }

  /**
   * Creates an upload from a PUT with `Upload-Complete: ?0`.
   *
   * @param request the PUT
   * @param user who sent it, if the server asks
   * @returns 201 with Location and the offset reached
   */
  async create(request: Request, user?: string): Promise<Response> {
    this.#expire();
    const target = await checkPut(request, this.#options);
    const length = structuredItem(request, "upload-length");
    if (length !== undefined && (typeof length !== "number" || length < 0)) {
      throw new UploadError(400, "Upload-Length must be a non-negative integer");
    }
    const max = this.#options.maxUpload;
    if (max !== undefined && length !== undefined && length > max) throw tooLarge(max);
    const file = await AtomicFile.create(target.folder);
    const token = nodeCrypto().randomBytes(16).toString("hex");
    const upload: Upload = {
      target,
      file: file.path,
      offset: 0,
      length,
      user,
      busy: true,
      touched: 0,
    };
    this.#uploads.set(token, upload);
    try {
      await this.#append(upload, { request, file });
    } catch (error) {
      // A body that broke off keeps what arrived; any other refusal ends the upload.
      const status = (error as UploadError).status;
      if (status !== 400 && status !== 408) {
        this.#uploads.delete(token);
        await file.discard();
        throw error;
      }
    }
    return respond(null, [
      ["location", UPLOAD_RESOURCE_PREFIX + token],
      ...this.#state(upload),
    ], { status: 201 });
  }

  /**
   * Answers HEAD, PATCH and DELETE of an upload resource.
   *
   * @param request the request
   * @param user who sent it: must be who created the upload
   * @returns the response
   */
  async resume(request: Request, user?: string): Promise<Response> {
    this.#expire();
    const token = requestUrl(request).pathname.slice(UPLOAD_RESOURCE_PREFIX.length);
    const upload = this.#uploads.get(token);
    if (!upload || upload.user !== user) throw new UploadError(404, "no such upload");
    if (request.method === "HEAD") {
      return respond(null, [...this.#state(upload), ["cache-control", "no-store"]], {
        status: 204,
      });
    }
    if (upload.busy) throw this.#conflict(upload, "another request is appending to this upload");
    if (request.method === "DELETE") {
      this.#uploads.delete(token);
      await (await AtomicFile.reopen(upload.file, 0)).discard();
      return respond(null, [], { status: 204 });
    }
    if (request.method !== "PATCH") {
      throw new UploadError(405, "upload resources take HEAD, PATCH, DELETE");
    }
    const offset = structuredItem(request, "upload-offset");
    if (offset !== upload.offset) throw this.#conflict(upload, "Upload-Offset does not match");
    upload.busy = true;
    const file = await AtomicFile.reopen(upload.file, upload.offset);
    await this.#append(upload, { request, file });
    if (uploadComplete(request) !== true) {
      return respond(null, this.#state(upload), { status: 204 });
    }
    this.#uploads.delete(token);
    return await this.#complete(upload);
  }

  /** Appends a request's body; keeps what arrived when the body breaks off. */
  async #append(upload: Upload, body: { request: Request; file: AtomicFile }): Promise<void> {
    const { request, file } = body;
    try {
      const max = this.#options.maxUpload;
      for await (
        const chunk of bodyChunks(request.body, {
          maxBytes: max,
          already: upload.offset,
          idleMs: this.#options.idleMs,
          reuse: true,
        })
      ) {
        await file.write(chunk);
        upload.offset = file.size;
      }
    } finally {
      upload.busy = false;
      upload.touched = performance.now();
      await file.close();
    }
  }

  async #complete(upload: Upload): Promise<Response> {
    const file = await AtomicFile.reopen(upload.file, upload.offset);
    if (upload.length !== undefined && upload.length !== upload.offset) {
      await file.discard();
      throw new UploadError(
        400,
        `inconsistent upload length: ${upload.offset} of ${upload.length} bytes`,
      );
    }
    const outcome = await file.publish(upload.target.path, { overwrite: this.#options.overwrite });
    this.#options.written?.(upload.target.path);
    return created(outcome, {
      urlPath: upload.target.urlPath,
      headers: { "upload-complete": "?1" },
    });
  }

  #state(upload: Upload): [string, string][] {
    const state: [string, string][] = [
      ["upload-offset", String(upload.offset)],
      ["upload-complete", "?0"],
      ["upload-limit", this.limit],
    ];
    if (upload.length !== undefined) state.push(["upload-length", String(upload.length)]);
    return state;
  }

  /** The draft's `Upload-Limit` (a Dictionary): `--max-upload` and how long an upload waits. */
  get limit(): string {
    const max = this.#options.maxUpload;
    return (max === undefined ? "" : `max-size=${max}, `) + `max-age=${UPLOAD_MAX_AGE_S}`;
  }

  #conflict(upload: Upload, message: string): UploadError {
    return new UploadError(409, message, { headers: [["upload-offset", String(upload.offset)]] });
  }

  /** Drops uploads untouched for longer than {@linkcode UPLOAD_MAX_AGE_S}. */
  #expire(): void {
    const now = performance.now();
    for (const [token, upload] of this.#uploads) {
      if (upload.busy || now - upload.touched < UPLOAD_MAX_AGE_S * 1000) continue;
      this.#uploads.delete(token);
      AtomicFile.reopen(upload.file, 0).then((f) => f.discard(), () => {});
    }
  }
}

function structuredItem(request: Request, name: string): unknown {
  const value = request.headers.get(name);
  if (value === null) return undefined;
  try {
    return parseItem(value)[0];
  } catch {
    throw new UploadError(400, `${name} is not a structured field value`);
  }
}
