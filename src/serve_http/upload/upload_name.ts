/**
 * Which names a client may create: the read side's rules (no traversal, no
 * dotfiles unless allowed), plus what common file systems refuse.
 *
 * @module
 */

/** The start of the name of every temporary file an upload writes. */
export const TEMP_PREFIX = ".netkit-upload-";
/** Longest name in bytes of UTF-8 (NAME_MAX on Linux, ext4, btrfs, XFS). */
const MAX_NAME_BYTES = 255;
/** Characters NTFS, FAT and exFAT refuse, and C0/C1 control characters. */
// deno-lint-ignore no-control-regex
const INVALID_CHARS = /[<>:"/\\|?*\u0000-\u001f\u007f-\u009f]/;
/** Device names Windows reserves, with or without an extension. */
const RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\.|$)/i;

/** Options for {@linkcode uploadNameProblem}. */
export interface UploadNameOptions {
  /** Allow names that start with a dot. @default false */
  dotfiles?: boolean;
}

/**
 * What is wrong with a name a client wants to create, or undefined when it
 * may be created. Refused: empty, `.`, `..`, control characters, the
 * characters `< > : " / \ | ? *`, a trailing dot or space, Windows device
 * names (`CON`, `nul.txt`), names over 255 bytes, the upload temporaries'
 * prefix, and names starting with a dot unless `dotfiles`.
 *
 * @param name one path segment, decoded
 * @param options the dotfile policy
 * @returns the problem, as words for the client, or undefined
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { uploadNameProblem } from "./upload_name.ts";
 *
 * assert(uploadNameProblem("report ünï.pdf") === undefined);
 * assert(uploadNameProblem("..") !== undefined);
 * assert(uploadNameProblem(".env") !== undefined);
 * assert(uploadNameProblem(".env", { dotfiles: true }) === undefined);
 * assert(uploadNameProblem("a:b") !== undefined && uploadNameProblem("CON.txt") !== undefined);
 * ```
 */
export function uploadNameProblem(
  name: string,
  options: UploadNameOptions = {},
): string | undefined {
  if (name === "" || name === "." || name === "..") return "empty or dot-only name";
  if (INVALID_CHARS.test(name)) return 'control character or one of < > : " / \\ | ? *';
  if (name.startsWith(TEMP_PREFIX)) return "name reserved for upload temporaries";
  if (name.startsWith(".") && !options.dotfiles) return "hidden name (--dotfiles allows them)";
  if (/[. ]$/.test(name)) return "name ends with a dot or a space";
  if (RESERVED.test(name)) return "name reserved by Windows";
  if (new TextEncoder().encode(name).length > MAX_NAME_BYTES) return "name longer than 255 bytes";
  return undefined;
}
