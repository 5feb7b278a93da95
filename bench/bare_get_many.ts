/**
 * The ceiling a runtime's fetch allows `netkit get -i LIST --parallel 8`:
 * 8 loops fetching the list's URLs in turn, each body read whole and written
 * to its file in one call, and nothing else (no .part and rename, no checks,
 * no retries, no report). For `bench/get_many_bench.sh` to time beside wget,
 * curl and netkit, compiled the way the release binary is
 * (`bun build --compile`) and under Deno. Not part of netkit.
 *
 *   bun build --compile bench/bare_get_many.ts --outfile bare-get-many && ./bare-get-many LIST DIR
 *   deno run -A bench/bare_get_many.ts LIST DIR
 *
 * @module
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import process from "node:process";

const [list, dir] = process.argv.slice(2);
if (!list || !dir) {
  console.error("usage: bare_get_many LIST DIR");
  process.exit(2);
}
const urls = readFileSync(list, "utf8").split("\n").filter((line) => line !== "");
mkdirSync(dir, { recursive: true });
let next = 0;
const loop = async () => {
  while (next < urls.length) {
    const url = urls[next++];
    const response = await fetch(url);
    if (!response.ok) throw new Error(`bare_get_many: ${response.status} for ${url}`);
    const body = new Uint8Array(await response.arrayBuffer());
    writeFileSync(`${dir}/${url.slice(url.lastIndexOf("/") + 1)}`, body);
  }
};
await Promise.all(Array.from({ length: 8 }, loop));
