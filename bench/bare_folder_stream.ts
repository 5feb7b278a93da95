/**
 * The ceiling a runtime's HTTP server allows `serve-http ?download=tar`:
 * every GET answered with the bytes of every file under DIR, each file read
 * whole into a fresh buffer (as netkit reads small files) and handed to the
 * response stream as it is, with no archive headers, no padding, no checks.
 * For `bench/http_archive_bench.sh` to run beside the anchor and netkit.
 * Not part of netkit: it calls the runtimes' servers directly, on purpose.
 *
 *   bun bench/bare_folder_stream.ts DIR HOST
 *   deno run -A bench/bare_folder_stream.ts DIR HOST
 *
 * Binds port 0 and prints `listening on http://HOST:PORT` on stderr, as
 * serve-http does; runs until SIGTERM.
 *
 * @module
 */
import { readdirSync, readFileSync } from "node:fs";
import process from "node:process";

const [dir, hostname = "127.0.0.1"] = process.argv.slice(2);
if (!dir) {
  console.error("usage: bare_folder_stream.ts DIR [HOST]");
  process.exit(2);
}
/** Every file under DIR, walked once at start (the walk is not what is measured). */
const files = (readdirSync(dir, { recursive: true, withFileTypes: true }) as {
  name: string;
  parentPath: string;
  isFile(): boolean;
}[]).filter((entry) => entry.isFile()).map((entry) => `${entry.parentPath}/${entry.name}`);

const body = () => {
  let next = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (next === files.length) controller.close();
      else controller.enqueue(new Uint8Array(readFileSync(files[next++])));
    },
  }, { highWaterMark: 0 });
};

let port: number;
if (typeof Deno !== "undefined") {
  const server = Deno.serve({ hostname, port: 0, onListen() {} }, () => new Response(body()));
  port = server.addr.port;
  Deno.addSignalListener("SIGTERM", () => server.shutdown().then(() => Deno.exit(0)));
} else {
  // deno-lint-ignore no-explicit-any -- Bun's own API; the project type-checks with Deno's types
  const Bun = (globalThis as any).Bun;
  const server = Bun.serve({ hostname, port: 0, fetch: () => new Response(body()) });
  port = server.port;
  process.on("SIGTERM", () => server.stop().then(() => process.exit(0)));
}
console.error(`listening on http://${hostname}:${port}`);
