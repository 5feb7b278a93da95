/**
 * The compiled binary is one bundle, and each static import of a Node
 * built-in in it runs at every start, whatever the command: node:crypto
 * alone costs Bun ~5 ms of a ~17 ms `netkit --version`. The costly ones
 * are loaded on first use (src/lazy_node.ts, src/serve_http/_bcrypt.cjs);
 * this keeps a new static import of one of them from slipping back in.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, run } from "../_helpers.ts";

const COSTLY = ["crypto", "tls", "net", "stream", "child_process", "http", "https", "zlib"];

test("the bundle imports no costly Node built-in statically", async () => {
  const dir = mkdtempSync(join(tmpdir(), "bundle-"));
  try {
    const outfile = join(dir, "netkit.js");
    const bun = join(ROOT, "node_modules", ".bin", "bun");
    const built = await run(
      [
        bun,
        "build",
        join(ROOT, "main.ts"),
        "--target",
        "bun",
        "--format",
        "esm",
        "--outfile",
        outfile,
      ],
      { timeoutMs: 60_000 },
    );
    assert.equal(built.code, 0, built.stderr);
    const code = readFileSync(outfile, "utf8");
    const imported = [...code.matchAll(/^import\s[^;]*?\sfrom\s*"(?:node:)?([^"]+)"/gm)].map((m) =>
      m[1]
    );
    assert.ok(imported.includes("util"), `the bundle's imports were not found: ${imported}`);
    assert.deepEqual(imported.filter((name) => COSTLY.includes(name)), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
