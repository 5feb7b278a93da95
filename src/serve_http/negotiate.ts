/**
 * Content negotiation (RFC 9110 §12): which representation of a file to
 * send for an Accept-Encoding (a precompressed `.br`/`.gz` sibling, gzip made
 * on the fly, or the bytes as they are), and whether a listing goes out as
 * JSON for an Accept.
 *
 * @module
 */
import { codedValidator, fileValidator, type Validator } from "./conditional.ts";
import { type FileLook, isFileLook, type StatCache } from "./stat_cache.ts";

/** Below this many bytes, gzip costs more than it saves. */
const MIN_COMPRESS_SIZE = 1024;
/** Precompressed siblings, in order of preference: brotli (RFC 7932), then gzip (RFC 1952). */
const SIBLINGS = [["br", ".br"], ["gzip", ".gz"]] as const;

/** A file as the handler found it. */
export interface Source {
  path: string;
  look: FileLook;
}

/** One representation of a file: what would be sent. */
export interface Representation extends Source {
  /** The content coding; undefined for the bytes as they are. */
  coding?: "gzip" | "br";
  /** Gzip made from the source's bytes while sending (no length known beforehand). */
  onTheFly: boolean;
  /** Its ETag and Last-Modified. */
  validator: Validator;
}

/** Options for {@linkcode negotiate}. */
export interface NegotiateOptions {
  /** Where siblings are looked up. */
  cache: StatCache;
  /** Gzip compressible files on the fly. */
  compress: boolean;
}

/**
 * The representation of a file to send for the request's Accept-Encoding.
 *
 * @param headers the request's headers
 * @param source the file asked for
 * @param options the cache to find siblings in, and whether to compress
 * @returns the sibling, the on-the-fly gzip, or the file itself
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { negotiate } from "./negotiate.ts";
 * import { StatCache } from "./stat_cache.ts";
 * import { selectAdapter } from "../net/select.ts";
 * import { mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 *
 * const root = realpathSync(mkdtempSync(join(tmpdir(), "negotiate-")));
 * writeFileSync(join(root, "a.txt"), "x".repeat(2000));
 * const cache = new StatCache({ root, fs: selectAdapter().fs });
 * const look = await cache.lookup(join(root, "a.txt"));
 * const source = { path: join(root, "a.txt"), look: look as never };
 * const chosen = await negotiate(new Headers({ "accept-encoding": "gzip" }), source, { cache, compress: true });
 * assert(chosen.coding === "gzip" && chosen.onTheFly && chosen.validator.etag.startsWith("W/"));
 * rmSync(root, { recursive: true });
 * ```
 */
export async function negotiate(
  headers: Headers,
  source: Source,
  options: NegotiateOptions,
): Promise<Representation> {
  const file = source.look.file;
  const identity = {
    path: source.path,
    look: source.look,
    onTheFly: false,
    validator: file.validator,
  };
  if (!file.compressible) return identity;
  const accepted = acceptedEncodings(headers.get("accept-encoding"));
  if (accepted.size === 0) return identity;
  for (const [coding, suffix] of SIBLINGS) {
    if (!accepted.has(coding)) continue;
    const path = source.path + suffix;
    const look = await options.cache.lookup(path).catch(() => null);
    if (!isFileLook(look)) continue;
    // The sibling's own bytes: its validator comes from its size and time.
    const validator = codedValidator(fileValidator(look.info), coding);
    return { path, look, coding, onTheFly: false, validator };
  }
  if (options.compress && accepted.has("gzip") && source.look.info.size >= MIN_COMPRESS_SIZE) {
    const validator = codedValidator(file.validator, "gzip", { weak: true });
    return { ...source, coding: "gzip", onTheFly: true, validator };
  }
  return identity;
}

/**
 * Content codings an Accept-Encoding accepts (q > 0), lower-cased.
 *
 * @param header the header, or null
 * @returns the codings
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { acceptedEncodings } from "./negotiate.ts";
 *
 * const accepted = acceptedEncodings("gzip, br;q=0, deflate;q=0.5");
 * assert(accepted.has("gzip") && !accepted.has("br") && accepted.has("deflate"));
 * ```
 */
export function acceptedEncodings(header: string | null): Set<string> {
  const accepted = new Set<string>();
  if (!header) return accepted;
  for (const part of header.split(",")) {
    const [name, ...params] = part.trim().toLowerCase().split(";");
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    if (name && !(q && Number(q.slice(2)) === 0)) accepted.add(name);
  }
  return accepted;
}

/**
 * Whether an Accept ranks application/json above text/html.
 *
 * @param header the Accept header, or null
 * @returns true to send a listing as JSON
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { prefersJson } from "./negotiate.ts";
 *
 * assert(prefersJson("application/json"));
 * assert(!prefersJson("text/html,application/json;q=0.9"));
 * ```
 */
export function prefersJson(header: string | null): boolean {
  if (!header) return false;
  const weight = (type: string) => {
    for (const part of header.split(",")) {
      const [name, ...params] = part.trim().toLowerCase().split(";");
      if (name !== type) continue;
      const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
      return q ? Number(q.slice(2)) : 1;
    }
    return -1;
  };
  const json = weight("application/json");
  return json > 0 && json > weight("text/html");
}
