/** Multipart POSTs in-process: several files, bad names, mkdir field, limits. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { writeFixture } from "./_server.ts";

function form(parts: [string, string, string?][]): FormData {
  const data = new FormData();
  for (const [field, value, name] of parts) {
    if (name === undefined) data.append(field, value);
    else data.append(field, new Blob([value]), name);
  }
  return data;
}

test("formUpload() stores three files of one form, each whole", async () => {
  using fixture = writeFixture();
  const body = form([["f", "one", "1.txt"], ["f", "two", "2.txt"], ["g", "ünï", "ünï cödé.txt"]]);
  const response = await fixture.request("/", { method: "POST", body });
  assert.equal(response.status, 201);
  assert.deepEqual(readdirSync(fixture.root).sort(), ["1.txt", "2.txt", "ünï cödé.txt"]);
  assert.equal(readFileSync(join(fixture.root, "ünï cödé.txt"), "utf8"), "ünï");
  assert.match(await response.text(), /created 1\.txt\ncreated 2\.txt\n/);
});

test("formUpload() drops a filename's folders, refuses dotfiles and existing names, stores the rest", async () => {
  using fixture = writeFixture();
  writeFileSync(join(fixture.root, "taken.txt"), "old");
  const body = form([
    ["f", "x", "../../etc/passwd.txt"],
    ["f", "x", ".env"],
    ["f", "new", "taken.txt"],
    ["f", "ok", "C:\\Users\\x\\win.txt"],
  ]);
  const response = await fixture.request("/", { method: "POST", body });
  assert.equal(response.status, 403);
  const text = await response.text();
  assert.match(text, /refused "\.env"/);
  assert.match(text, /refused taken\.txt/);
  assert.deepEqual(readdirSync(fixture.root).sort(), ["passwd.txt", "taken.txt", "win.txt"]);
  assert.equal(readFileSync(join(fixture.root, "taken.txt"), "utf8"), "old");
});

test("formUpload() posts into a subfolder, and the mkdir field needs --mkdir", async () => {
  using off = writeFixture();
  const refused = await off.request("/", { method: "POST", body: form([["mkdir", "new"]]) });
  assert.equal(refused.status, 403);
  using fixture = writeFixture({ mkdir: true });
  const made = await fixture.request("/", { method: "POST", body: form([["mkdir", "new/sub"]]) });
  assert.equal(made.status, 201);
  assert.ok(statSync(join(fixture.root, "new", "sub")).isDirectory());
  const into = await fixture.request("/new/sub/", {
    method: "POST",
    body: form([["f", "x", "a.txt"]]),
  });
  assert.equal(into.status, 201);
  assert.equal(readFileSync(join(fixture.root, "new", "sub", "a.txt"), "utf8"), "x");
});

test("formUpload() over --max-upload is 413 and leaves nothing; not a form is 415", async () => {
  using fixture = writeFixture({ maxUpload: 1000 });
  const body = form([["f", "small", "a.txt"], ["f", "x".repeat(5000), "b.txt"]]);
  assert.equal((await fixture.request("/", { method: "POST", body })).status, 413);
  assert.deepEqual(readdirSync(fixture.root).filter((n) => n !== "a.txt"), []);
  const plain = await fixture.request("/", { method: "POST", body: "x" });
  assert.equal(plain.status, 415);
});
