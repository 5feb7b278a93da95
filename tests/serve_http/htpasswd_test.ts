/** htpasswd lines as Apache's htpasswd writes them, verified. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { HtpasswdError, parseHtpasswd } from "../../src/serve_http/htpasswd.ts";
import { peerSkip } from "../_helpers.ts";

test("parseHtpasswd() verifies the bcrypt and {SHA} lines `htpasswd -B` and `-s` write", {
  skip: peerSkip("htpasswd"),
}, async () => {
  const line = (flag: string, user: string, pw: string) =>
    spawnSync("htpasswd", ["-nb", flag, user, pw], { encoding: "utf8" }).stdout.trim();
  const bcryptLine = line("-B", "ann", "s3cret pw");
  assert.match(bcryptLine, /^ann:\$2y\$05\$/);
  const text = `# users\n${bcryptLine}\n\n${line("-s", "bob", "hunter2")}\n`;
  const [ann, bob] = parseHtpasswd(text);
  assert.equal(ann.user, "ann");
  assert.ok(await ann.verify("s3cret pw"));
  assert.ok(!(await ann.verify("s3cret")));
  assert.equal(bob.user, "bob");
  assert.ok(await bob.verify("hunter2"));
  assert.ok(!(await bob.verify("hunter3")));
});

test("parseHtpasswd() refuses MD5, crypt and plain lines by line number", () => {
  assert.throws(() => parseHtpasswd("ok:{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=\nx:$apr1$abc$def\n"), {
    name: "HtpasswdError",
    message: /line 2: x's hash/,
  });
  assert.throws(() => parseHtpasswd("no-colon\n"), HtpasswdError);
  assert.throws(() => parseHtpasswd("plain:secret\n"), HtpasswdError);
});
