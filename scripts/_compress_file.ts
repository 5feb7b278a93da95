/**
 * Compresses one file with the system's `gzip` or `xz`, for the release
 * archives. Both are portable C whose output depends only on the input and
 * the options (not on the CPU or the number of cores), so a rebuild gives
 * the same archive and the same SHA256SUMS.
 *
 * Levels (measured on the 113 MB linux-x64 binary, bench/RESULTS.md):
 * `gzip -6` is as small as `-9` within 0.3 % in half the time; `xz -1` is
 * 15 % smaller than gzip in a fifth of `xz -6`'s time (`-6` is 24 % smaller
 * but needs some 90 s of CPU per binary). xz runs single-threaded (`-T1`),
 * so its output does not depend on the machine, and the release script runs
 * several at once instead. `--check=crc32` because BusyBox's and the Linux
 * kernel's xz decoders may lack CRC64; the SHA-256 is what guards the bytes.
 *
 * @module
 */
import { spawn } from "node:child_process";
import { closeSync, openSync, rmSync, statSync } from "node:fs";

/** The compressors, the file extension each gives, and their exact argv. */
export const COMPRESSORS = {
  gz: ["gzip", "-6", "-n", "-c"],
  xz: ["xz", "-1", "-T1", "--check=crc32", "-c"],
} as const;

/** A compressor's name: `gz` or `xz`. */
export type Compression = keyof typeof COMPRESSORS;

/**
 * Writes `input` compressed to `output`; on failure `output` is removed.
 *
 * @param input the file to compress
 * @param output where the compressed bytes go (replaced)
 * @param compression `gz` or `xz`
 * @returns the size of `output` in bytes
 * @throws {Error} when the program is missing or exits non-zero
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { spawnSync } from "node:child_process";
 * import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { gunzipSync } from "node:zlib";
 * import { compressFile } from "./_compress_file.ts";
 *
 * const dir = mkdtempSync(join(tmpdir(), "compress-"));
 * try {
 *   writeFileSync(join(dir, "a"), "netkit ".repeat(1000));
 *   if (spawnSync("gzip", ["--version"]).status === 0) {
 *     const size = await compressFile(join(dir, "a"), join(dir, "a.gz"), "gz");
 *     const gz = readFileSync(join(dir, "a.gz"));
 *     assert.equal(size, gz.length);
 *     assert.ok(size < 100);
 *     assert.equal(gunzipSync(gz).toString(), "netkit ".repeat(1000));
 *   } else {
 *     // No gzip on this machine: refused, and no half-made output left.
 *     await assert.rejects(compressFile(join(dir, "a"), join(dir, "a.gz"), "gz"), /gzip/);
 *     assert.ok(!existsSync(join(dir, "a.gz")));
 *   }
 * } finally {
 *   rmSync(dir, { recursive: true, force: true });
 * }
 * ```
 */
export async function compressFile(
  input: string,
  output: string,
  compression: Compression,
): Promise<number> {
  const [program, ...args] = COMPRESSORS[compression];
  const fd = openSync(output, "w");
  try {
    const child = spawn(program, [...args, input], { stdio: ["ignore", fd, "pipe"] });
    let stderr = "";
    child.stderr!.setEncoding("utf8").on("data", (text: string) => (stderr += text));
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on("error", reject);
      child.on("close", resolve);
    });
    if (code !== 0) throw new Error(`${program} exited ${code}: ${stderr.trim()}`);
  } catch (error) {
    closeSync(fd);
    rmSync(output, { force: true });
    throw error;
  }
  closeSync(fd);
  return statSync(output).size;
}
