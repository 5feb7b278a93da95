/**
 * The compiled binary is built with code splitting (scripts/build.ts): a
 * start loads the entry chunk, what it imports statically, and the Bun
 * adapter; a command's code only when it runs. Each Node built-in imported
 * statically by that start set is evaluated at every start, whatever the
 * command: node:crypto alone costs Bun ~5 ms of a ~15 ms `netkit --version`.
 * The costly ones are loaded on first use (src/lazy_node.ts,
 * src/serve_http/_bcrypt.cjs); this keeps a new static import of one of them
 * from slipping back into the start set, or into the short commands' chunks.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, run } from "../_helpers.ts";

const COSTLY = [
  "crypto",
  "tls",
  "net",
  "stream",
  "child_process",
  "http",
  "https",
  "zlib",
  "fs/promises",
  "tty",
];

/** Builds main.ts as the release does (ESM, split) into a fresh folder: file name -> code. */
async function buildChunks(dir: string): Promise<Map<string, string>> {
  const bun = join(ROOT, "node_modules", ".bin", "bun");
  const built = await run(
    [bun, "build", join(ROOT, "main.ts"), "--target", "bun", "--format", "esm", "--splitting"]
      .concat(["--outdir", dir]),
    { timeoutMs: 60_000 },
  );
  assert.equal(built.code, 0, built.stderr);
  return new Map(readdirSync(dir).map((name) => [name, readFileSync(join(dir, name), "utf8")]));
}

/** What a chunk imports statically: other chunks ("./x.js") and built-ins. */
function staticImports(code: string): string[] {
  return [...code.matchAll(/^import\s(?:[^;]*?\sfrom\s*)?"([^"]+)"/gm)].map((m) => m[1]);
}

/** The built-ins a chunk loads with everything it imports statically, transitively. */
function builtinsLoadedBy(start: string, chunks: Map<string, string>): Set<string> {
  const builtins = new Set<string>();
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    const code = chunks.get(name);
    assert.ok(code !== undefined, `no chunk ${name}`);
    for (const spec of staticImports(code)) {
      if (spec.startsWith("./")) visit(spec.slice(2));
      else builtins.add(spec.replace(/^node:/, ""));
    }
  };
  visit(start);
  return builtins;
}

/** The chunk main.js loads with `import("./…")` for a module whose code defines `marker`. */
function dynamicChunk(chunks: Map<string, string>, marker: RegExp): string {
  const main = chunks.get("main.js")!;
  const names = [...main.matchAll(/import\("\.\/([^"]+)"\)/g)].map((m) => m[1]);
  const found = names.filter((name) => marker.test(chunks.get(name) ?? ""));
  assert.equal(found.length, 1, `chunks matching ${marker}: ${found} (of ${names})`);
  return found[0];
}

test("every start, and get and query-time, load no costly Node built-in", async () => {
  const dir = mkdtempSync(join(tmpdir(), "bundle-"));
  try {
    const chunks = await buildChunks(dir);
    const start = builtinsLoadedBy("main.js", chunks);
    for (const name of builtinsLoadedBy(dynamicChunk(chunks, /bunAdapter\s*=/), chunks)) {
      start.add(name);
    }
    assert.ok(start.has("process"), `the start set's imports were not found: ${[...start]}`);
    assert.deepEqual([...start].filter((name) => COSTLY.includes(name)), [], "at every start");
    for (const command of ["getCommand", "queryTimeCommand"]) {
      const chunk = dynamicChunk(chunks, new RegExp(`${command}\\s*=`));
      const loaded = [...builtinsLoadedBy(chunk, chunks)];
      assert.deepEqual(loaded.filter((name) => COSTLY.includes(name)), [], command);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
