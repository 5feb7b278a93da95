import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { selectAdapter } from "../../src/net/select.ts";
import { createFileHandler, type FileHandlerOptions } from "../../src/serve_http/handler.ts";
import { type ListingEntry, renderListingHtml } from "../../src/serve_http/listing.ts";
import { renderBreadcrumbs } from "../../src/serve_http/listing_page/breadcrumbs.ts";
import { fileKind } from "../../src/serve_http/listing_page/file_kind.ts";
import { WriteHandler } from "../../src/serve_http/upload/write_handler.ts";

const net = selectAdapter();
const NAMES = [
  "<img src=x onerror=alert(1)>.txt",
  "ünï cödé.txt",
  "100%.txt",
  "a#b.txt",
  "why?.txt",
];
let root = "";

before(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), "netkit-listing-")));
  mkdirSync(join(root, "sub #1", "deeper"), { recursive: true });
  for (const name of NAMES) writeFileSync(join(root, name), "x");
  writeFileSync(join(root, "photo.png"), "png");
});
after(() => rmSync(root, { recursive: true, force: true }));

function get(path: string, options: Partial<FileHandlerOptions> = {}, accept = "text/html") {
  const handler = createFileHandler({ root, fileBody: net.fileBody, fs: net.fs, ...options });
  return handler(new Request(`http://localhost${path}`, { headers: { accept } }), {
    remoteAddr: { transport: "tcp", hostname: "127.0.0.1", port: 1 },
  });
}

/** The one element's text content of the page, e.g. its inline script. */
function inline(html: string, tag: string): string {
  const match = html.match(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`));
  assert.ok(match, `the page has a <${tag}>`);
  return match[1];
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("base64");
const SORT = { sort: { key: "name" as const, descending: false } };

test("renderListingHtml() escapes names in text and attributes and encodes them in links", () => {
  const entries: ListingEntry[] = NAMES.map((name) => ({
    name,
    kind: "file",
    size: 1,
    mtimeMs: 0,
  }));
  const html = renderListingHtml("/", entries, SORT);
  assert.doesNotMatch(html, /<img/);
  assert.match(html, /data-name="&#60;img src=x onerror=alert\(1\)&#62;\.txt"/);
  assert.match(html, />&#60;img src=x onerror=alert\(1\)&#62;\.txt<\/a>/);
  for (const name of NAMES.slice(1)) {
    assert.ok(html.includes(`<a href="${encodeURIComponent(name)}">${name}</a>`), name);
  }
  assert.match(html, /href="100%25\.txt"/);
  assert.match(html, /href="a%23b\.txt"/);
  assert.match(html, /href="why%3F\.txt"/);
});

test("renderListingHtml() puts folders first and gives each row a type hint", () => {
  const entries: ListingEntry[] = [
    { name: "z.png", kind: "file", size: 1, mtimeMs: 0 },
    { name: "b", kind: "directory", size: 0, mtimeMs: 0 },
    { name: "a.tar.gz", kind: "file", size: 1, mtimeMs: 0 },
  ];
  const html = renderListingHtml("/x/", entries, SORT);
  const kinds = [...html.matchAll(/<tr data-name="([^"]*)" data-kind="([^"]*)"/g)]
    .map((m) => `${m[1]}:${m[2]}`);
  assert.deepEqual(kinds, ["b:dir", "a.tar.gz:archive", "z.png:image"]);
  assert.match(html, /<time datetime="1970-01-01T00:00:00.000Z">1970-01-01 00:00<\/time>/);
});

test("fileKind() names the common kinds and falls back to file", () => {
  assert.equal(fileKind("notes.md", "file"), "text");
  assert.equal(fileKind("song.mp3", "file"), "audio");
  assert.equal(fileKind("clip.mp4", "file"), "video");
  assert.equal(fileKind("paper.pdf", "file"), "pdf");
  assert.equal(fileKind("backup.zip", "file"), "archive");
  assert.equal(fileKind("blob.unknownext", "file"), "file");
});

test("renderBreadcrumbs() links every folder of the path, relative, escaped", () => {
  const html = renderBreadcrumbs("/a b/<c>/d%/");
  const links = [...html.matchAll(/<a href="([^"]*)"[^>]*>([^<]*)<\/a>/g)].map((m) => [m[1], m[2]]);
  assert.deepEqual(links, [
    ["../../../", "/"],
    ["../../", "a b"],
    ["../", "&#60;c&#62;"],
    ["./", "d%"],
  ]);
  assert.match(html, /aria-current="page">d%</);
  assert.deepEqual(
    [...renderBreadcrumbs("/").matchAll(/href="([^"]*)"/g)].map((m) => m[1]),
    ["./"],
  );
});

test("the listing page carries a CSP that admits exactly its own script and style", async () => {
  const response = await get("/");
  const policy = response.headers.get("content-security-policy") ?? "";
  const html = await response.text();
  const directives = new Map(
    policy.split(";").map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v.join(" ")]),
  );
  assert.equal(directives.get("default-src"), "'none'");
  assert.equal(directives.get("script-src"), `'sha256-${sha256(inline(html, "script"))}'`);
  assert.equal(directives.get("style-src"), `'sha256-${sha256(inline(html, "style"))}'`);
  assert.equal(directives.get("connect-src"), "'none'", "read-only: the page fetches nothing");
  assert.equal(directives.get("form-action"), "'self'", "the archive buttons are a GET form");
  assert.equal(directives.get("frame-ancestors"), "'none'");
  assert.equal(directives.get("base-uri"), "'none'");
  assert.equal(html.match(/<script/g)?.length, 1);
  // Tags with their quoted values emptied (names live there, escaped), the script left out.
  const tags = html.replace(inline(html, "script"), "").replace(/"[^"]*"/g, '""');
  assert.doesNotMatch(tags, /<[^>]*\son[a-z]+=/i, "no inline event handlers");
  assert.doesNotMatch(tags, /<[^>]*\sstyle=/i, "no inline style attributes");
});

test("the JSON listing stays as it was, without a page policy", async () => {
  const response = await get("/", {}, "application/json");
  assert.equal(response.headers.get("content-security-policy"), null);
  const names = (await response.json()).map((e: { name: string }) => e.name);
  assert.equal(names[0], "sub #1");
  assert.ok(names.includes("ünï cödé.txt"));
});

test("the listing page offers uploads and a new folder only when the flags allow", async () => {
  const plain = await (await get("/")).text();
  assert.doesNotMatch(plain, /id="upload"|id="mkdir"/);
  assert.match(plain, /<form class="dl" method="get" action="\.\/">/);
  assert.match(plain, /<button id="download-zip" name="download" value="zip">/);
  assert.match(plain, /<button id="download-tar-gz" name="download" value="tar.gz">/);
  assert.doesNotMatch(plain, /href="[^"]*download=/, "no archive link for wget -r to follow");
  assert.doesNotMatch(await (await get("/", { archives: false })).text(), /name="download"/);

  const upload = await get("/", { writes: new WriteHandler({ root }) });
  assert.match(upload.headers.get("content-security-policy") ?? "", /connect-src 'self'/);
  const uploadHtml = await upload.text();
  assert.match(uploadHtml, /<form id="upload" method="post" enctype="multipart\/form-data">/);
  assert.match(uploadHtml, /<input type="file" name="file" multiple>/);
  assert.doesNotMatch(uploadHtml, /id="mkdir"/);

  const mkdir = await (await get("/", { writes: new WriteHandler({ root, mkdir: true }) })).text();
  assert.match(mkdir, /<form id="mkdir"[^>]*>.*<input name="mkdir"/);
});

test("a sub-folder's page has breadcrumbs back to the top and a link up", async () => {
  const html = await (await get("/sub%20%231/deeper/")).text();
  assert.match(html, /<title>Index of \/sub #1\/deeper\/<\/title>/);
  assert.match(html, /<a href="\.\.\/">sub #1<\/a>/);
  assert.match(html, /<a href="\.\.\/\.\.\/"[^>]*>\/<\/a>/);
  assert.match(html, /<a href="\.\.\/">\.\.\/<\/a>/);
});
