/**
 * The request body of `-d` and `--data-binary`: what the flags say (pure),
 * and the bytes, read only when the command runs.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { UsageError } from "../cli/args.ts";
import { errnoWords } from "../cli/errno_words.ts";
import { EXIT } from "../cli/exit_codes.ts";
import { DownloadError } from "./errors.ts";

/** Where a request body comes from. */
export type BodySource =
  | { text: string }
  /** `@FILE` (`-` for standard input); `-d` drops its line breaks, as curl does. */
  | { path: string; dropLineBreaks: boolean };

/**
 * The body `-d TEXT|@FILE` or `--data-binary TEXT|@FILE` asks for, checked
 * without touching a file.
 *
 * @param data the value of `-d`
 * @param binary the value of `--data-binary`
 * @returns the source, or undefined for no body
 * @throws {UsageError} when both flags are given
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bodySource } from "./request_body.ts";
 *
 * assert(JSON.stringify(bodySource("@form.txt", undefined)) === '{"path":"form.txt","dropLineBreaks":true}');
 * assert(bodySource(undefined, undefined) === undefined);
 * ```
 */
export function bodySource(
  data: string | undefined,
  binary: string | undefined,
): BodySource | undefined {
  if (data !== undefined && binary !== undefined) {
    throw new UsageError("give -d or --data-binary, not both");
  }
  const value = data ?? binary;
  if (value === undefined) return undefined;
  if (!value.startsWith("@")) return { text: value };
  const path = value.slice(1);
  if (path === "") {
    throw new UsageError(`${data !== undefined ? "-d" : "--data-binary"} @ needs a file name`);
  }
  return { path, dropLineBreaks: data !== undefined };
}

/**
 * The bytes of a body source: the text, or the file (standard input for `-`).
 *
 * @param source from {@linkcode bodySource}
 * @returns the body
 * @throws {DownloadError} exit 26 when the file cannot be read
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readBody } from "./request_body.ts";
 *
 * assert(readBody({ text: "a=1" }).length === 3);
 * ```
 */
export function readBody(source: BodySource): Uint8Array<ArrayBuffer> {
  if ("text" in source) return new TextEncoder().encode(source.text);
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = new Uint8Array(readFileSync(source.path === "-" ? 0 : source.path));
  } catch (error) {
    const what = source.path === "-" ? "standard input" : source.path;
    throw new DownloadError(EXIT.READ_ERROR, `Cannot read ${what}: ${errnoWords(error)}`, {
      cause: error,
    });
  }
  if (!source.dropLineBreaks) return bytes;
  const text = new TextDecoder().decode(bytes).replace(/[\r\n]/g, "");
  return new TextEncoder().encode(text);
}
