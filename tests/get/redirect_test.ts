/** netkit's redirect policy. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { nextHop } from "../../src/get/redirect.ts";
import { DownloadError } from "../../src/get/errors.ts";
import { EXIT } from "../../src/cli/exit_codes.ts";

const redirect = (status: number, location: string) =>
  new Response(null, { status, headers: { location } });
const hop = (url: string, method = "GET") => ({
  url: new URL(url),
  method,
  headers: new Headers({
    authorization: "Basic YTpi",
    cookie: "c=1",
    "content-type": "text/plain",
  }),
  body: method === "POST" ? new TextEncoder().encode("x") : undefined,
});

test("nextHop() keeps credentials on the same host and drops them elsewhere", () => {
  const same = nextHop(hop("http://a.test/x"), redirect(302, "/y"), { allowDowngrade: false });
  assert.equal(same.url.href, "http://a.test/y");
  assert.equal(same.headers.get("authorization"), "Basic YTpi");
  const other = nextHop(hop("http://a.test/x"), redirect(307, "http://b.test/y"), {
    allowDowngrade: false,
  });
  assert.equal(other.headers.has("authorization"), false);
  assert.equal(other.headers.has("cookie"), false);
});

test("nextHop() turns POST into GET after 303, 301 and 302, and keeps it after 307", () => {
  for (const status of [301, 302, 303]) {
    const next = nextHop(hop("http://a.test/x", "POST"), redirect(status, "/y"), {
      allowDowngrade: false,
    });
    assert.equal(next.method, "GET", String(status));
    assert.equal(next.body, undefined);
    assert.equal(next.headers.has("content-type"), false);
  }
  const kept = nextHop(hop("http://a.test/x", "POST"), redirect(307, "/y"), {
    allowDowngrade: false,
  });
  assert.equal(kept.method, "POST");
  assert.ok(kept.body);
});

test("nextHop() refuses HTTPS to HTTP (112) unless allowed, and non-HTTP targets (1)", () => {
  assert.throws(
    () =>
      nextHop(hop("https://a.test/x"), redirect(302, "http://a.test/"), { allowDowngrade: false }),
    (e) => e instanceof DownloadError && e.exitCode === EXIT.DOWNGRADE_REFUSED,
  );
  const allowed = nextHop(hop("https://a.test/x"), redirect(302, "http://a.test/"), {
    allowDowngrade: true,
  });
  assert.equal(allowed.url.protocol, "http:");
  assert.throws(
    () => nextHop(hop("http://a.test/x"), redirect(302, "ftp://a.test/"), { allowDowngrade: true }),
    (e) => e instanceof DownloadError && e.exitCode === EXIT.FAILURE,
  );
});
