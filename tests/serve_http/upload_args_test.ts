/** serve-http's write flags: parsed purely, and how the server starts with them. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UsageError } from "../../src/cli/args.ts";
import { memoryContext } from "../../src/cli/context.ts";
import { parseServeHttpArgs, runServeHttp } from "../../src/commands/serve_http.ts";
import type { NetAdapter } from "../../src/net/types.ts";

test("parseServeHttpArgs() leaves uploads off unless --upload, and refuses write flags without it", () => {
  assert.equal(parseServeHttpArgs([], {}).upload, undefined);
  for (
    const flag of [["--overwrite"], ["--mkdir"], ["--delete"], ["--max-upload", "1M"], [
      "--auth-write",
      "w:p",
    ], ["--auth-file", "f"]]
  ) {
    assert.throws(() => parseServeHttpArgs(flag, {}), {
      name: "UsageError",
      message: /needs --upload/,
    });
  }
});

test("parseServeHttpArgs() reads --upload with its flags", () => {
  const plan = parseServeHttpArgs(
    [
      "--upload",
      "--max-upload",
      "8M",
      "--overwrite",
      "--mkdir",
      "--delete",
      "--auth-write",
      "w",
      "--auth-file",
      "users",
    ],
    { NETKIT_HTTP_WRITE_PASSWORD: "pw" },
  );
  assert.deepEqual(plan.upload, {
    maxUpload: 8 * 1024 * 1024,
    overwrite: true,
    mkdir: true,
    delete: true,
    authWrite: { user: "w", password: "pw" },
    authFile: "users",
  });
});

test("parseServeHttpArgs() refuses a bad --max-upload and an empty --auth-write password", () => {
  assert.throws(() => parseServeHttpArgs(["--upload", "--max-upload", "lots"], {}), UsageError);
  assert.throws(() => parseServeHttpArgs(["--upload", "--max-upload", "0"], {}), UsageError);
  assert.throws(() => parseServeHttpArgs(["--upload", "--auth-write", "w:"], {}), {
    message: /--auth-write w has an empty password/,
  });
  assert.throws(() => parseServeHttpArgs(["--upload", "--auth-write", "w"], {}), {
    message: /NETKIT_HTTP_WRITE_PASSWORD/,
  });
});

test("runServeHttp() does not start with an --auth-file it cannot use", async () => {
  const dir = mkdtempSync(join(tmpdir(), "netkit-authfile-"));
  try {
    writeFileSync(join(dir, "users"), "ann:$apr1$salt$hash\n");
    const { context, output } = memoryContext({} as NetAdapter);
    const plan = parseServeHttpArgs([dir, "--upload", "--auth-file", join(dir, "users")], {});
    assert.equal(await runServeHttp(plan, context), 1);
    assert.match(
      output.err.join("\n"),
      /cannot use --auth-file .*line 1: ann's hash is neither bcrypt nor \{SHA\}/,
    );
    const missing = parseServeHttpArgs([dir, "--upload", "--auth-file", join(dir, "nope")], {});
    assert.equal(await runServeHttp(missing, context), 1);
    assert.match(output.err.at(-1)!, /no such file or folder/);
  } finally {
    rmSync(dir, { recursive: true });
  }
});
