/**
 * The ceiling a runtime's fetch allows `netkit get`: one GET, the body
 * written to a file the cheapest way the runtime offers, and nothing else
 * (no .part and rename, no checks, no progress, no retries). For
 * `bench/get_bench.sh` to time beside curl and netkit, compiled the way
 * the release binary is (`bun build --compile`) and under Deno. Not part
 * of netkit: it calls the runtimes' APIs directly, on purpose.
 *
 *   bun build --compile bench/bare_get.ts --outfile bare-get && ./bare-get URL FILE
 *   deno run -A bench/bare_get.ts URL FILE
 *
 * @module
 */
import process from "node:process";

const [url, path] = process.argv.slice(2);
if (!url || !path) {
  console.error("usage: bare_get URL FILE");
  process.exit(2);
}
const response = await fetch(url);
if (!response.ok || !response.body) {
  console.error(`bare_get: ${response.status}`);
  process.exit(1);
}
if (typeof Deno !== "undefined") {
  const file = await Deno.open(path, { write: true, create: true, truncate: true });
  await response.body.pipeTo(file.writable);
} else {
  // deno-lint-ignore no-explicit-any -- Bun's own API; the project type-checks with Deno's types
  await (globalThis as any).Bun.write(path, response);
}
