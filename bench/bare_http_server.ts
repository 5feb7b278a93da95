/**
 * The ceiling a runtime's HTTP server allows a static-file server built as
 * netkit is: each GET answered with the file at its path and nothing else
 * (no stat, no validators, no headers of its own, no log), a small file
 * from memory (netkit keeps small files in memory too) and a large one the
 * cheapest way the runtime streams a file. For `bench/http_bench.sh` to run
 * beside nginx and netkit. Not part of netkit: it calls the runtimes' APIs
 * directly, on purpose.
 *
 *   bun bench/bare_http_server.ts DIR HOST           # Bun.serve; Bun.file (sendfile)
 *   deno run -A bench/bare_http_server.ts DIR HOST   # Deno.serve; Deno.open().readable
 *
 * Binds port 0 and prints `listening on http://HOST:PORT` on stderr, as
 * serve-http does; runs until SIGTERM.
 *
 * @module
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import process from "node:process";

const [dir, hostname = "127.0.0.1"] = process.argv.slice(2);
if (!dir) {
  console.error("usage: bare_http_server.ts DIR [HOST]");
  process.exit(2);
}
const pathOf = (url: string) => dir + new URL(url).pathname;
const notFound = () => new Response("not found\n", { status: 404 });
/** Files of DIR up to 1 MiB, read once: path -> bytes. */
const small = new Map<string, Uint8Array<ArrayBuffer>>();
for (const name of readdirSync(dir)) {
  const path = `${dir}/${name}`;
  if (statSync(path).size <= 1 << 20) small.set(path, new Uint8Array(readFileSync(path)));
}

let port: number;
if (typeof Deno !== "undefined") {
  const server = Deno.serve({ hostname, port: 0, onListen() {} }, async (request) => {
    const bytes = small.get(pathOf(request.url));
    if (bytes) return new Response(bytes);
    try {
      return new Response((await Deno.open(pathOf(request.url))).readable);
    } catch {
      return notFound();
    }
  });
  port = server.addr.port;
  Deno.addSignalListener("SIGTERM", () => server.shutdown().then(() => Deno.exit(0)));
} else {
  // deno-lint-ignore no-explicit-any -- Bun's own API; the project type-checks with Deno's types
  const Bun = (globalThis as any).Bun;
  const server = Bun.serve({
    hostname,
    port: 0,
    fetch: async (request: Request) => {
      const bytes = small.get(pathOf(request.url));
      if (bytes) return new Response(bytes);
      const file = Bun.file(pathOf(request.url));
      return (await file.exists()) ? new Response(file) : notFound();
    },
  });
  port = server.port;
  process.on("SIGTERM", () => server.stop().then(() => process.exit(0)));
}
console.error(`listening on http://${hostname}:${port}`);
