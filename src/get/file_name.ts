/**
 * Names for downloaded files: from a URL's last path segment or from a
 * `Content-Disposition` header, made safe to create in the current folder.
 *
 * @module
 */

/**
 * Makes a name from the network safe to create beside the user's files:
 * the basename only (after `/` or `\`), no control characters, no leading
 * dots or spaces (no hidden files, no `..`).
 *
 * @param name a name a server or URL suggested
 * @returns the safe name, or `undefined` when nothing usable is left
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { safeFileName } from "./file_name.ts";
 *
 * assert.equal(safeFileName("../../etc/passwd"), "passwd");
 * assert.equal(safeFileName(".bashrc"), "bashrc");
 * assert.equal(safeFileName(".."), undefined);
 * ```
 */
export function safeFileName(name: string): string | undefined {
  const base = name.split(/[/\\]/).pop() ?? "";
  // deno-lint-ignore no-control-regex
  const clean = base.replace(/[\u0000-\u001f\u007f]/g, "").replace(/^[.\s]+/, "").trim();
  if (clean === "" || clean.length > 255) return undefined;
  return clean;
}

/**
 * The file name a URL suggests: its last path segment, percent-decoded.
 *
 * @param url the (final) URL
 * @returns a safe name; `index.html` when the path ends in a slash
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fileNameFromUrl } from "./file_name.ts";
 *
 * assert.equal(fileNameFromUrl(new URL("https://example.com/a/b%20c.tar.gz?x=1")), "b c.tar.gz");
 * assert.equal(fileNameFromUrl(new URL("https://example.com/docs/")), "index.html");
 * ```
 */
export function fileNameFromUrl(url: URL): string {
  const segment = url.pathname.split("/").pop() ?? "";
  let decoded = segment;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    // A malformed escape: keep the segment as sent.
  }
  return safeFileName(decoded) ?? "index.html";
}

/**
 * The file name a `Content-Disposition` header suggests: `filename*`
 * (RFC 6266 / RFC 8187, UTF-8 or ISO-8859-1) wins over `filename`.
 *
 * @param header the header's value
 * @returns a safe name, or `undefined` when the header names none usable
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fileNameFromDisposition } from "./file_name.ts";
 *
 * const header = `attachment; filename="naive.txt"; filename*=UTF-8''na%C3%AFve.txt`;
 * assert.equal(fileNameFromDisposition(header), "naïve.txt");
 * assert.equal(fileNameFromDisposition("inline"), undefined);
 * ```
 */
export function fileNameFromDisposition(header: string): string | undefined {
  const params = parseParameters(header);
  const extended = params.get("filename*");
  if (extended !== undefined) {
    const decoded = decodeExtendedValue(extended);
    const safe = decoded === undefined ? undefined : safeFileName(decoded);
    if (safe !== undefined) return safe;
  }
  const plain = params.get("filename");
  return plain === undefined ? undefined : safeFileName(plain);
}

/** `type; name=value; name="quoted \" value"` → lower-cased names and raw values. */
function parseParameters(header: string): Map<string, string> {
  const params = new Map<string, string>();
  const pattern = /;\s*([^\s=;]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))/g;
  for (const match of header.matchAll(pattern)) {
    const name = match[1].toLowerCase();
    const value = match[2] !== undefined ? match[2].replace(/\\(.)/g, "$1") : match[3].trim();
    if (!params.has(name)) params.set(name, value);
  }
  return params;
}

/** RFC 8187 `charset'language'percent-encoded`. */
function decodeExtendedValue(value: string): string | undefined {
  const match = /^([\w!#$%&+^`{}~-]*)'[^']*'(.*)$/.exec(value);
  if (!match) return undefined;
  const charset = match[1].toLowerCase();
  const bytes: number[] = [];
  const encoded = match[2];
  for (let i = 0; i < encoded.length; i++) {
    if (encoded[i] === "%" && /^[0-9a-fA-F]{2}$/.test(encoded.slice(i + 1, i + 3))) {
      bytes.push(parseInt(encoded.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(encoded.charCodeAt(i) & 0xff);
    }
  }
  const label = charset === "iso-8859-1" || charset === "latin1" ? "latin1" : "utf-8";
  if (charset !== "" && charset !== "utf-8" && label === "utf-8") return undefined;
  try {
    return new TextDecoder(label, { fatal: true }).decode(new Uint8Array(bytes));
  } catch {
    return undefined;
  }
}
