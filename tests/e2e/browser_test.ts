/**
 * The listing page in a real headless Chromium, served with --upload --mkdir:
 * breadcrumbs, the filter, uploads through the picker and by drag-and-drop
 * with their progress bars, a refusal in words, a new folder, the folder as a
 * zip (checked with unzip), sorting and links without the script, a file
 * named like markup shown as text, and a CSP that the page never trips.
 * Keeps light and dark screenshots in tests/artifacts/.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { peerSkip, ROOT, run, startNetkit, TARGET } from "../_helpers.ts";

const XSS = "<img src=x onerror=alert(1)>.txt";
const skip = peerSkip("chromium", "node", "unzip") ||
  (!existsSync(join(ROOT, "node_modules", "playwright-core")) &&
    "playwright-core is not installed");

test(`[${TARGET}] the listing page uploads, filters, makes folders and zips in headless Chromium`, {
  skip,
  timeout: 90_000,
}, async () => {
  const root = mkdtempSync(join(tmpdir(), "netkit-browser-"));
  const downloads = mkdtempSync(join(tmpdir(), "netkit-browser-downloads-"));
  try {
    writeFileSync(join(root, XSS), "just text\n");
    writeFileSync(join(root, "readme.txt"), "hello\n");
    mkdirSync(join(root, "docs"));
    writeFileSync(join(root, "docs", "a.txt"), "contents of a\n");
    writeFileSync(join(root, "docs", "big.txt"), "x".repeat(5000));
    await using server = await startNetkit(
      [
        "serve-http",
        root,
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--log",
        "off",
        "--upload",
        "--mkdir",
        "--max-upload",
        "1M",
      ],
      { expect: ["http" as "tcp"] },
    );
    const base = `http://127.0.0.1:${(server.ports as Record<string, number>).http}`;
    const artifacts = join(ROOT, "tests", "artifacts");
    mkdirSync(artifacts, { recursive: true });
    const prefix = join(artifacts, `listing-${TARGET}`);
    const result = await run(
      ["node", join(ROOT, "tests", "browser", "check_listing.mjs"), base, prefix, downloads],
      { timeoutMs: 80_000 },
    );
    assert.equal(result.code, 0, result.stderr);
    const seen = JSON.parse(result.stdout);

    assert.match(seen.csp, /^default-src 'none'; script-src 'sha256-[^']+'; style-src 'sha256-/);
    assert.deepEqual(seen.console.filter((line: string) => /security policy/i.test(line)), []);
    assert.deepEqual(seen.errors, []);
    assert.deepEqual(seen.dialogs, [], "nothing ran");
    assert.equal(seen.title, "Index of /");
    assert.deepEqual(seen.links, ["docs/", XSS, "readme.txt"], "folders first");
    assert.equal(seen.images, 0, "the file name did not become an <img>");
    assert.equal(seen.xssShownAsText, true);
    assert.equal(seen.xssFileText.trim(), "just text");
    assert.equal(seen.overflowsPhone, false, "fits a phone-sized screen");
    assert.deepEqual(seen.smallTapTargets, [], "every row link is a tap target of 40 px or more");
    assert.notEqual(seen.lightBackground, seen.darkBackground, "dark mode follows the system");

    assert.deepEqual(seen.filtered, ["readme.txt"]);
    assert.equal(seen.filterCount, "1 of 3 shown");
    assert.equal(seen.unfiltered, 3, "Escape clears the filter");

    assert.deepEqual(
      seen.progress.map((p: { name: string }) => p.name).sort(),
      ["dropped.txt", "picked one.txt", "ünï cödé #2.txt"],
    );
    for (const bar of seen.progress) assert.deepEqual([bar.done, bar.state], [true, "done"]);
    assert.deepEqual(seen.afterUpload, [
      "docs/",
      XSS,
      "dropped.txt",
      "picked one.txt",
      "readme.txt",
      "ünï cödé #2.txt",
    ]);
    assert.equal(readFileSync(join(root, "picked one.txt"), "utf8"), "first picked\n");
    assert.equal(statSync(join(root, "ünï cödé #2.txt")).size, 300_000);
    assert.equal(readFileSync(join(root, "dropped.txt"), "utf8"), "dropped bytes\n");
    assert.match(seen.conflict, /“readme\.txt” exists already/);
    assert.equal(readFileSync(join(root, "readme.txt"), "utf8"), "hello\n", "not overwritten");
    assert.match(seen.tooLarge, /too large for this server/);
    assert.equal(existsSync(join(root, "too big.bin")), false);

    assert.equal(seen.afterMkdir[0], "docs/");
    assert.ok(seen.afterMkdir.includes("new folder/"), seen.afterMkdir.join(", "));
    assert.ok(statSync(join(root, "new folder")).isDirectory());

    assert.deepEqual(seen.crumbs, ["/", "docs"]);
    assert.equal(seen.zipName, "docs.zip");
    const members = await run(["unzip", "-Z1", seen.zipPath]);
    assert.equal(members.code, 0, members.stderr);
    assert.deepEqual(members.stdout.trim().split("\n").sort(), [
      "docs/",
      "docs/a.txt",
      "docs/big.txt",
    ]);
    const a = await run(["unzip", "-p", seen.zipPath, "docs/a.txt"]);
    assert.equal(a.stdout, "contents of a\n");

    assert.deepEqual(seen.sortedBySize, ["../", "big.txt", "a.txt"]);
    assert.equal(seen.fileText.trim(), "contents of a");
    assert.equal(seen.afterFolderClick, "Index of /docs/");
    for (const mode of ["light", "dark"]) {
      assert.ok(statSync(`${prefix}-${mode}.png`).size > 1000, `a ${mode} screenshot was kept`);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
    rmSync(downloads, { recursive: true, force: true });
  }
});
