/**
 * The write side of the file server (`--upload`): PUT, form POST, resumable
 * PATCH, MKCOL, DELETE, behind the write gate. The read handler hands it
 * every request that is not GET, HEAD or OPTIONS, so reads pay nothing.
 *
 * @module
 */
import type { HttpHandler } from "../../net/types.ts";
import { authenticatedUser, type BasicAuthGate } from "../auth.ts";
import { statusResponse } from "../respond.ts";
import { STATUS_TEXT } from "../../fmt/status_text.ts";
import { deleteEntry, makeCollection } from "./folder_ops.ts";
import { formUpload } from "./form_upload.ts";
import { putUpload } from "./put_upload.ts";
import { ResumableUploads, uploadComplete } from "./resumable_upload.ts";
import { UploadError } from "./upload_error.ts";
import type { WriteOptions } from "./write_options.ts";

/** Options for {@linkcode WriteHandler}. */
export interface WriteHandlerOptions extends WriteOptions {
  /** Who may write; undefined lets anyone who can reach the port. */
  gate?: BasicAuthGate;
}

/**
 * Routes writes. `allow` is the server's Allow list with them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtempSync, realpathSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { WriteHandler } from "./write_handler.ts";
 *
 * const root = realpathSync(mkdtempSync(join(tmpdir(), "netkit-doc-")));
 * const writes = new WriteHandler({ root, mkdir: true });
 * assert(writes.allow.includes("MKCOL") && !writes.allow.includes("DELETE"));
 * const remoteAddr = { transport: "tcp" as const, hostname: "127.0.0.1", port: 1 };
 * const response = await writes.handle(new Request("http://x/a.txt", { method: "PUT", body: "a" }), { remoteAddr });
 * assert(response.status === 201);
 * rmSync(root, { recursive: true });
 * ```
 */
export class WriteHandler {
  /** The methods the server answers, for Allow (RFC 9110 §10.2.1). */
  readonly allow: string;
  /** What OPTIONS tells of uploads: the draft's `Upload-Limit` (discovery). */
  readonly optionsHeaders: [string, string][];
  #options: WriteHandlerOptions;
  #resumable: ResumableUploads;
  #listeners: ((path: string) => void)[] = [];

  constructor(options: WriteHandlerOptions) {
    const written = (path: string) => {
      options.written?.(path);
      for (const listener of this.#listeners) listener(path);
    };
    this.#options = { ...options, written };
    this.#resumable = new ResumableUploads(this.#options);
    const methods = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH"];
    if (options.mkdir) methods.push("MKCOL");
    if (options.delete) methods.push("DELETE");
    this.allow = methods.join(", ");
    this.optionsHeaders = [["upload-limit", this.#resumable.limit]];
  }

  /**
   * Tells `listener` of every path a write created, replaced or removed,
   * just after the change: the read side's stat cache forgets it there, so
   * a GET or a listing right after a write never describes what was before.
   *
   * @param listener called with the path on disk
   */
  onWritten(listener: (path: string) => void): void {
    this.#listeners.push(listener);
  }

  /**
   * Whether a HEAD is for an upload resource (the only read this side answers).
   *
   * @param request a HEAD request
   * @returns true when this handler answers it
   */
  owns(request: Request): boolean {
    return this.#resumable.owns(request);
  }

  /**
   * Answers a write, refusals included (as short status pages).
   *
   * @param request the request
   * @param info the client's address
   * @returns the response
   */
  handle: HttpHandler = async (request, info) => {
    const gate = this.#options.gate;
    const refused = gate && await gate.admit(request, info.remoteAddr.hostname);
    if (refused) return refused;
    try {
      return await this.#route(request, authenticatedUser(request));
    } catch (error) {
      if (!(error instanceof UploadError)) throw error;
      return refusal(error);
    }
  };

  #route(request: Request, user: string | undefined): Promise<Response> {
    const options = this.#options;
    if (this.#resumable.owns(request)) return this.#resumable.resume(request, user);
    switch (request.method) {
      case "PUT":
        return uploadComplete(request) === false
          ? this.#resumable.create(request, user)
          : putUpload(request, options);
      case "POST":
        return formUpload(request, options);
      case "MKCOL":
        if (options.mkdir) return makeCollection(request, options);
        break;
      case "DELETE":
        if (options.delete) return deleteEntry(request, options);
        break;
    }
    return Promise.resolve(statusResponse(405, { allow: this.allow }));
  }
}

/** A refusal's status page: `409 Conflict: the name exists already`. */
function refusal(error: UploadError): Response {
  const body = `${error.status} ${STATUS_TEXT[error.status] ?? ""}: ${error.message}\n`;
  const response = new Response(body, {
    status: error.status,
    headers: { "content-type": "text/plain; charset=utf-8" },
  });
  for (const [name, value] of error.headers) response.headers.set(name, value);
  return response;
}
