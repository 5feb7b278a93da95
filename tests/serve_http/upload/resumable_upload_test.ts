/** The IETF draft's resumable uploads in-process: create, offset, append, complete, cancel. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFixture } from "./_server.ts";

/** A body that sends `bytes` and then breaks off. */
function cutBody(bytes: string): ReadableStream<Uint8Array> {
  let sent = false;
  return new ReadableStream({
    pull(controller) {
      if (sent) controller.error(new Error("connection reset"));
      else controller.enqueue(new TextEncoder().encode(bytes));
      sent = true;
    },
  });
}

test("ResumableUploads: an upload cut twice resumes from the offset HEAD reports and completes whole", async () => {
  using fixture = writeFixture();
  const created = await fixture.request("/file.bin", {
    method: "PUT",
    body: "",
    headers: {
      "upload-complete": "?0",
      "upload-length": "15",
      "upload-draft-interop-version": "8",
    },
  });
  assert.equal(created.status, 201);
  assert.equal(created.headers.get("upload-offset"), "0");
  const location = created.headers.get("location")!;
  assert.match(location, /^\/\.netkit-upload\/[0-9a-f]{32}$/);
  let offset = 0;
  for (const part of ["first", "secon"]) {
    const cut = await fixture.request(location, {
      method: "PATCH",
      body: cutBody(part),
      duplex: "half",
      headers: { "upload-offset": String(offset), "upload-complete": "?1" },
    } as RequestInit);
    assert.equal(cut.status, 400);
    const head = await fixture.request(location, { method: "HEAD" });
    assert.equal(head.status, 204);
    assert.equal(head.headers.get("cache-control"), "no-store");
    offset = Number(head.headers.get("upload-offset"));
    assert.equal(offset, part === "first" ? 5 : 10);
  }
  assert.ok(!readdirSync(fixture.root).includes("file.bin"));
  const stale = await fixture.request(location, {
    method: "PATCH",
    body: "d",
    headers: { "upload-offset": "3", "upload-complete": "?0" },
  });
  assert.equal(stale.status, 409);
  assert.equal(stale.headers.get("upload-offset"), "10");
  const done = await fixture.request(location, {
    method: "PATCH",
    body: "dpart",
    headers: { "upload-offset": "10", "upload-complete": "?1" },
  });
  assert.equal(done.status, 201);
  assert.equal(done.headers.get("upload-complete"), "?1");
  assert.equal(readFileSync(join(fixture.root, "file.bin"), "utf8"), "firstsecondpart");
  assert.deepEqual(readdirSync(fixture.root), ["file.bin"]);
  assert.equal((await fixture.request(location, { method: "HEAD" })).status, 404);
});

test("ResumableUploads: a wrong final length is 400 and DELETE cancels, leaving nothing", async () => {
  using fixture = writeFixture();
  const start = (name: string) =>
    fixture.request(`/${name}`, {
      method: "PUT",
      body: "abc",
      headers: { "upload-complete": "?0", "upload-length": "5" },
    });
  const short = (await start("a.bin")).headers.get("location")!;
  const wrong = await fixture.request(short, {
    method: "PATCH",
    body: "d",
    headers: { "upload-offset": "3", "upload-complete": "?1" },
  });
  assert.equal(wrong.status, 400);
  const cancelled = (await start("b.bin")).headers.get("location")!;
  assert.equal((await fixture.request(cancelled, { method: "DELETE" })).status, 204);
  assert.deepEqual(readdirSync(fixture.root), []);
});

test("ResumableUploads: a creation over --max-upload by Upload-Length is 413", async () => {
  using fixture = writeFixture({ maxUpload: 10 });
  const response = await fixture.request("/a.bin", {
    method: "PUT",
    body: "",
    headers: { "upload-complete": "?0", "upload-length": "11" },
  });
  assert.equal(response.status, 413);
  assert.deepEqual(readdirSync(fixture.root), []);
});
