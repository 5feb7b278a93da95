/**
 * The listing page in a real headless Chromium: it renders, links navigate,
 * sorting works without JavaScript, and a file named like markup shows as
 * text and runs nothing. Keeps a screenshot in tests/artifacts/.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { peerSkip, ROOT, run, startNetkit, TARGET } from "../_helpers.ts";

const skip = peerSkip("chromium", "node") ||
  (!existsSync(join(ROOT, "node_modules", "playwright-core")) &&
    "playwright-core is not installed");

test(`[${TARGET}] the listing page works in headless Chromium and runs no injected markup`, {
  skip,
  timeout: 60_000,
}, async () => {
  const root = mkdtempSync(join(tmpdir(), "netkit-browser-"));
  try {
    writeFileSync(join(root, "<img src=x onerror=alert(1)>.txt"), "just text\n");
    writeFileSync(join(root, "readme.txt"), "hello\n");
    mkdirSync(join(root, "docs"));
    writeFileSync(join(root, "docs", "a.txt"), "contents of a\n");
    writeFileSync(join(root, "docs", "big.txt"), "x".repeat(5000));
    await using server = await startNetkit(
      ["serve-http", root, "--host", "127.0.0.1", "--port", "0", "--log", "off"],
      { expect: ["http" as "tcp"] },
    );
    const base = `http://127.0.0.1:${(server.ports as Record<string, number>).http}`;
    const artifacts = join(ROOT, "tests", "artifacts");
    mkdirSync(artifacts, { recursive: true });
    const screenshot = join(artifacts, `listing-${TARGET}.png`);
    const result = await run(
      ["node", join(ROOT, "tests", "browser", "check_listing.mjs"), base, screenshot],
      { timeoutMs: 50_000 },
    );
    assert.equal(result.code, 0, result.stderr);
    const seen = JSON.parse(result.stdout);
    assert.equal(seen.title, "Index of /");
    assert.deepEqual(seen.links, ["docs/", "<img src=x onerror=alert(1)>.txt", "readme.txt"]);
    assert.equal(seen.images, 0, "the file name did not become an <img>");
    assert.equal(seen.scripts, 0);
    assert.equal(seen.xssShownAsText, true);
    assert.deepEqual(seen.dialogs, [], "nothing ran");
    assert.deepEqual(seen.errors, []);
    assert.equal(seen.overflowsPhone, false, "fits a phone-sized screen");
    assert.equal(seen.afterFolderClick.title, "Index of /docs/");
    assert.deepEqual(seen.sortedBySize, ["../", "big.txt", "a.txt"]);
    assert.equal(seen.fileText.trim(), "contents of a");
    assert.equal(seen.xssFileText.trim(), "just text");
    assert.ok(statSync(screenshot).size > 1000, "a screenshot was kept");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
