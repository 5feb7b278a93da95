/**
 * `Repr-Digest` (RFC 9530 §3) for a client that asks with
 * `Want-Repr-Digest: sha-256=N` (§4).
 *
 * @module
 */
import { parseDictionary, serializeDictionary } from "structured-headers";
import type { FileInfo } from "../net/types.ts";
import type { DigestCache } from "./digest_cache.ts";

/** The algorithm key of the HTTP Digest Algorithm registry (RFC 9530 §7.2, status Active). */
const SHA_256 = "sha-256";
/** Responses that carry (or describe) the selected representation. */
const WITH_REPRESENTATION = new Set([200, 206, 304]);

/**
 * Whether a request's `Want-Repr-Digest` asks for SHA-256: the key with a
 * preference from 1 to 10 (0 means "not acceptable", RFC 9530 §4). A field
 * that does not parse as a Structured Fields dictionary asks for nothing.
 *
 * @param want the header's value, or null
 * @returns true when SHA-256 is wanted
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { wantsSha256 } from "./repr_digest.ts";
 *
 * assert(wantsSha256("sha-512=3, sha-256=10"));
 * assert(!wantsSha256("sha-256=0") && !wantsSha256(null) && !wantsSha256("sha-256=("));
 * ```
 */
export function wantsSha256(want: string | null): boolean {
  if (want === null) return false;
  try {
    const preference = parseDictionary(want).get(SHA_256)?.[0];
    return typeof preference === "number" && preference > 0;
  } catch {
    return false;
  }
}

/**
 * Adds `Repr-Digest: sha-256=:BASE64:` to a file's response when the request
 * wants it. The digest is of the file's bytes, the representation of a 200,
 * 206 (whole file, not the range) or 304, so a response with a
 * Content-Encoding (another representation) goes out without it. Computing
 * a digest reads the whole file once; after that it is remembered.
 *
 * @param request the request
 * @param response the file's response
 * @param file the file and the stat the response was built from, and the digest cache
 * @returns the response, with the header when it applies
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { addReprDigest } from "./repr_digest.ts";
 * import { DigestCache } from "./digest_cache.ts";
 * import { selectAdapter } from "../net/select.ts";
 * import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 *
 * const { fs, fileBody } = selectAdapter();
 * const dir = mkdtempSync(join(tmpdir(), "repr-"));
 * const path = join(dir, "hello.json");
 * writeFileSync(path, '{"hello": "world"}');
 * const request = new Request("http://x/hello.json", { headers: { "want-repr-digest": "sha-256=10" } });
 * const file = { path, info: await fs.stat(path), digests: new DigestCache({ fs, fileBody }) };
 * const response = await addReprDigest(request, new Response("…"), file);
 * // RFC 9530 Appendix D's example:
 * assert(response.headers.get("repr-digest") === "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:");
 * rmSync(dir, { recursive: true });
 * ```
 */
export async function addReprDigest(
  request: Request,
  response: Response,
  file: { path: string; info: FileInfo; digests: DigestCache },
): Promise<Response> {
  if (!WITH_REPRESENTATION.has(response.status) || response.headers.has("content-encoding")) {
    return response;
  }
  if (!wantsSha256(request.headers.get("want-repr-digest"))) return response;
  let digest: Uint8Array;
  try {
    digest = await file.digests.digest(file.path, file.info);
  } catch {
    return response; // changed while being hashed: no digest rather than a wrong one
  }
  const bytes = digest.slice().buffer as ArrayBuffer;
  response.headers.set("repr-digest", serializeDictionary({ [SHA_256]: bytes }));
  return response;
}
