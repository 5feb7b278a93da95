import { test } from "node:test";
import assert from "node:assert/strict";
import { join, resolve, sep } from "node:path";
import fc from "fast-check";
import { resolvePath } from "../../src/serve_http/resolve_path.ts";
import { parseRange } from "../../src/serve_http/range.ts";

const ROOT = "/srv/www";

test("resolvePath() decodes each segment once and drops empty and '.' segments", () => {
  assert.deepEqual(resolvePath("/a//b/./c%20d/"), {
    ok: true,
    segments: ["a", "b", "c d"],
    trailingSlash: true,
  });
  assert.deepEqual(resolvePath("/%252e%252e/x"), {
    ok: true,
    segments: ["%2e%2e", "x"],
    trailingSlash: false,
  });
});

test("resolvePath() refuses traversal in every spelling with 400", () => {
  for (
    const path of [
      "/..",
      "/a/../../etc/passwd",
      "/%2e%2e/etc/passwd",
      "/%2E%2E%2Fetc/passwd",
      "/..%2f..%2fetc/passwd",
      "/..%5c..%5cetc/passwd",
      "/a%5c..%5c..%5cb",
      "/a\\..\\b",
      "/a%00.txt",
      "/%zz",
      "/" + "a".repeat(5000),
      "/" + "b".repeat(256),
      "no-leading-slash",
    ]
  ) {
    const result = resolvePath(path);
    assert.equal(result.ok, false, path);
    if (!result.ok) assert.equal(result.status, 400, path);
  }
});

test("resolvePath() hides dot segments unless dotfiles are allowed", () => {
  assert.deepEqual(resolvePath("/.git/config"), { ok: false, status: 404, reason: "hidden file" });
  assert.deepEqual(resolvePath("/a/.env"), { ok: false, status: 404, reason: "hidden file" });
  assert.equal(resolvePath("/.well-known/x", { dotfiles: true }).ok, true);
});

test("resolvePath() never yields a path outside the root, whatever the request (fast-check)", () => {
  const pieces = fc.constantFrom(
    "..",
    ".",
    "",
    "%2e",
    "%2E",
    "%2e%2e",
    ".%2e",
    "%2f",
    "%2F",
    "%5c",
    "\\",
    "%00",
    "%",
    "%25",
    "a",
    "b",
    "..%2f",
    "..\\",
    "/",
    "//",
    "etc",
    "passwd",
    ".git",
    "%c0%ae",
    "~",
  );
  const requestPath = fc.array(fc.oneof(pieces, fc.string({ maxLength: 6 })), { maxLength: 12 })
    .map((parts) => "/" + parts.join(""));
  fc.assert(
    fc.property(requestPath, fc.boolean(), (path, dotfiles) => {
      const result = resolvePath(path, { dotfiles });
      if (!result.ok) return true;
      const full = resolve(join(ROOT, ...result.segments));
      return (full === ROOT || full.startsWith(ROOT + sep)) &&
        result.segments.every((s) => s !== ".." && !s.includes("/") && !s.includes("\0"));
    }),
    { numRuns: 20_000 },
  );
});

test("parseRange() answers single ranges, suffixes and open ends", () => {
  assert.deepEqual(parseRange("bytes=0-99", 1000), { kind: "partial", start: 0, end: 99 });
  assert.deepEqual(parseRange("bytes=900-", 1000), { kind: "partial", start: 900, end: 999 });
  assert.deepEqual(parseRange("bytes=-100", 1000), { kind: "partial", start: 900, end: 999 });
  assert.deepEqual(parseRange("bytes=-5000", 1000), { kind: "partial", start: 0, end: 999 });
  assert.deepEqual(parseRange("bytes=990-5000", 1000), { kind: "partial", start: 990, end: 999 });
});

test("parseRange() gives 416 for ranges past the end, the whole file for the rest", () => {
  assert.deepEqual(parseRange("bytes=1000-", 1000), { kind: "unsatisfiable" });
  assert.deepEqual(parseRange("bytes=-0", 1000), { kind: "unsatisfiable" });
  assert.deepEqual(parseRange("bytes=0-", 0), { kind: "unsatisfiable" });
  for (const header of [null, "bytes=0-1,5-6", "items=0-1", "bytes=5-1", "bytes=-", "nonsense"]) {
    assert.deepEqual(parseRange(header, 1000), { kind: "whole" }, String(header));
  }
});
