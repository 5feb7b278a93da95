import { test } from "node:test";
import assert from "node:assert/strict";
import { parseListing } from "../../src/get/listing_parse.ts";

const base = new URL("http://127.0.0.1:8080/pub/");
const names = (body: string) => parseListing(body, base).map((e) => [e.name, e.dir]);
const WANT = [["sub dir", true], ["a&b.txt", false], ["ünï cödé", false], ["100%", false], [
  "x#y",
  false,
]];

test("parseListing() reads an nginx autoindex page by its hrefs (truncated text ignored)", () => {
  const page =
    `<html><head><title>Index of /pub/</title></head><body><h1>Index of /pub/</h1><hr><pre>` +
    `<a href="../">../</a>\n<a href="sub%20dir/">sub dir/</a>    01-Dec-2026 22:16       -\n` +
    `<a href="a%26b.txt">a&amp;b.txt</a>   01-Dec-2026 22:16      3\n` +
    `<a href="%C3%BCn%C3%AF%20c%C3%B6d%C3%A9">ünï c..&gt;</a> 01-Dec-2026 22:16 1\n` +
    `<a href="100%25">100%</a> 01-Dec-2026 22:16 1\n<a href="x%23y">x#y</a> 01-Dec-2026 22:16 1\n` +
    `</pre><hr></body></html>`;
  assert.deepEqual(names(page), WANT);
});

test("parseListing() reads an Apache FancyIndexing table, dropping sort and parent links", () => {
  const page =
    `<table><tr><th><a href="?C=N;O=D">Name</a></th><th><a href="?C=M;O=A">Last modified</a></th></tr>` +
    `<tr><td><a href="/">Parent Directory</a></td></tr>` +
    `<tr><td><a href="sub%20dir/">sub dir/</a></td></tr><tr><td><a href="a&amp;b.txt">a&amp;b.txt</a></td></tr>` +
    `<tr><td><a href="%c3%bcn%c3%af%20c%c3%b6d%c3%a9">ünï cödé</a></td></tr>` +
    `<tr><td><a href="100%25">100%</a></td></tr><tr><td><a href="x%23y">x#y</a></td></tr></table>`;
  assert.deepEqual(names(page), WANT);
});

test("parseListing() reads a python http.server page (symlink text with @)", () => {
  const page =
    `<!DOCTYPE HTML><html lang="en"><head><meta charset="utf-8"><title>Directory listing for /pub/</title>` +
    `</head><body><h1>Directory listing for /pub/</h1><hr><ul>` +
    `<li><a href="sub%20dir/">sub dir/</a></li><li><a href="a%26b.txt">a&amp;b.txt</a></li>` +
    `<li><a href="%C3%BCn%C3%AF%20c%C3%B6d%C3%A9">ünï cödé</a></li><li><a href="100%25">100%</a></li>` +
    `<li><a href="x%23y">x#y</a></li><li><a href="loop/">loop@</a></li></ul><hr></body></html>`;
  assert.deepEqual(names(page), [...WANT, ["loop", true]]);
});

test("parseListing() reads serve-http's JSON listing with sizes and dates", () => {
  const json = JSON.stringify([
    { name: "sub dir", type: "directory", size: 0, mtime: "2026-12-01T10:00:00.000Z" },
    { name: "a&b.txt", type: "file", size: 3, mtime: "2026-12-01T10:00:00.000Z" },
  ]);
  const [dir, file] = parseListing(json, base);
  assert.equal(dir.url.href, "http://127.0.0.1:8080/pub/sub%20dir/");
  assert.deepEqual([file.name, file.size, file.mtimeMs], ["a&b.txt", 3, Date.UTC(2026, 11, 1, 10)]);
});

test("parseListing() keeps only direct children: no other hosts, deeper paths or unsafe names", () => {
  const page =
    `<a href="http://other.test/pub/x">x</a><a href="/elsewhere/y">y</a><a href="a/b">ab</a>` +
    `<a href="%2E%2E/">..</a><a href="a%2Fb">slash</a><a href="#top">top</a><a href="ok">ok</a><a href="ok">again</a>`;
  assert.deepEqual(names(page), [["ok", false]]);
});

test("parseListing() throws a SyntaxError for JSON that is not a listing", () => {
  assert.throws(() => parseListing('[{"size":1}]', base), SyntaxError);
});
