/** Conditional requests: validators, If-None-Match, If-Modified-Since, If-Range. */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  codedValidator,
  fileValidator,
  ifRangeMatches,
  isNotModified,
} from "../../src/serve_http/conditional.ts";

const info = {
  isFile: true,
  isDirectory: false,
  size: 1000,
  mtimeMs: 1_600_000_000_500,
  dev: 1,
  ino: 2,
};
const plain = fileValidator(info);
const headers = (init: Record<string, string>) => new Headers(init);

test("fileValidator() tags size and time, and dates to the whole second", () => {
  assert.equal(plain.etag, `"${(1000).toString(36)}-${(1_600_000_000_500).toString(36)}"`);
  assert.equal(plain.lastModified, new Date(1_600_000_000_000).toUTCString());
});

test("codedValidator() gives each coding its own tag, weak when made on the fly", () => {
  assert.equal(codedValidator(plain, "br").etag, plain.etag.replace(/"$/, '-br"'));
  assert.equal(
    codedValidator(plain, "gzip", { weak: true }).etag,
    `W/${plain.etag.replace(/"$/, '-gzip"')}`,
  );
});

test("isNotModified() compares If-None-Match weakly, lists and * included", () => {
  const weak = codedValidator(plain, "gzip", { weak: true });
  assert.ok(isNotModified(headers({ "if-none-match": weak.etag }), weak));
  assert.ok(isNotModified(headers({ "if-none-match": weak.etag.slice(2) }), weak));
  assert.ok(isNotModified(headers({ "if-none-match": `"a,b", ${weak.etag}` }), weak));
  assert.ok(isNotModified(headers({ "if-none-match": " * " }), weak));
  assert.ok(!isNotModified(headers({ "if-none-match": plain.etag }), weak));
  assert.ok(isNotModified(headers({ "if-none-match": `W/${plain.etag}` }), plain));
});

test("isNotModified() uses If-Modified-Since only without If-None-Match", () => {
  const since = { "if-modified-since": plain.lastModified };
  assert.ok(isNotModified(headers(since), plain));
  assert.ok(!isNotModified(headers({ ...since, "if-none-match": '"other"' }), plain));
  assert.ok(
    !isNotModified(headers({ "if-modified-since": "Sun, 13 Sep 2020 12:26:39 GMT" }), plain),
  );
  assert.ok(!isNotModified(headers({ "if-modified-since": "not a date" }), plain));
  assert.ok(!isNotModified(headers({}), plain));
});

test("ifRangeMatches() takes only a strong equal tag or the exact Last-Modified", () => {
  assert.ok(ifRangeMatches(null, plain));
  assert.ok(ifRangeMatches(plain.etag, plain));
  assert.ok(ifRangeMatches(plain.lastModified, plain));
  assert.ok(!ifRangeMatches(`W/${plain.etag}`, plain));
  assert.ok(!ifRangeMatches('"other"', plain));
  const weak = codedValidator(plain, "gzip", { weak: true });
  assert.ok(!ifRangeMatches(weak.etag.slice(2), weak), "a weak validator never matches");
});
