import { test } from "node:test";
import assert from "node:assert/strict";
import { UsageError } from "../../src/cli/args.ts";
import { parseUrlList } from "../../src/get/url_list.ts";

test("parseUrlList() reads URLs, aria2's indented out= and dir= lines, comments and CRLF", () => {
  const text = [
    "# a comment",
    "http://h.test/a.iso",
    "  out=renamed.iso",
    "",
    "http://h.test/b.txt\thttp://mirror.test/b.txt",
    "\tdir=docs",
    "   # an indented comment",
    "http://h.test/c\r",
  ].join("\n");
  assert.deepEqual(parseUrlList(text), [
    { url: "http://h.test/a.iso", out: "renamed.iso", line: 2 },
    { url: "http://h.test/b.txt", dir: "docs", line: 5 },
    { url: "http://h.test/c", line: 8 },
  ]);
});

test("parseUrlList() refuses options it does not know, before a URL, or leaving the output folder", () => {
  const cases: [string, RegExp][] = [
    ["  out=x\n", /line 1: an option line needs a URL line above it/],
    ["http://h.test/\n  header=X: y\n", /line 2: netkit reads only out= and dir= \(got 'header'\)/],
    ["http://h.test/\n  out=\n", /line 2: out= needs a value/],
    ["http://h.test/\n  out=/etc/passwd\n", /must stay inside the output folder/],
    ["http://h.test/\n  out=a/../../b\n", /must stay inside the output folder/],
    ["http://h.test/\n  dir=..\n", /must stay inside the output folder/],
  ];
  for (const [text, message] of cases) {
    assert.throws(
      () => parseUrlList(text),
      (e) => e instanceof UsageError && message.test(e.message),
    );
  }
});

test("parseUrlList() of an empty or comment-only file is an empty list", () => {
  assert.deepEqual(parseUrlList(""), []);
  assert.deepEqual(parseUrlList("# nothing\n\n"), []);
});
