import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { peerReport } from "../../scripts/_peer_report.ts";
import { have, PEERS, peerSkip } from "../_helpers.ts";

/** Runs `body` with environment variables set, restoring them after. */
function withEnv(env: Record<string, string | undefined>, body: () => void): void {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  const apply = (values: Record<string, string | undefined>) => {
    for (const [k, v] of Object.entries(values)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  apply(env);
  try {
    body();
  } finally {
    apply(saved);
  }
}

test("peerReport() names each missing peer once, counts skips per run, and one apt-get line", () => {
  const line = (peers: string[], packages: string[]) => JSON.stringify({ peers, packages }) + "\n";
  const report = peerReport({
    "under Deno": line(["rdate"], ["rdate"]) + line(["qemu-aarch64-static"], ["qemu-user-static"]),
    "under Bun": line(["rdate"], ["rdate"]),
    "against dist/netkit": "",
  });
  assert.deepEqual(report, [
    "missing peers: qemu-aarch64-static, rdate",
    "tests skipped for them: 2 under Deno, 1 under Bun",
    "to run them too: apt-get install qemu-user-static rdate",
  ]);
});

test("peerReport() says nothing when no test skipped for a peer", () => {
  assert.deepEqual(peerReport({ "under Deno": "", "under Bun": "\n" }), []);
});

test("peerSkip() names the missing peer and its package, and logs the skip", () => {
  const dir = mkdtempSync(join(tmpdir(), "netkit-peer-skip-"));
  try {
    const log = join(dir, "peers.jsonl");
    // An empty PATH: no program is there.
    withEnv({ PATH: dir, NETKIT_PEER_LOG: log, NETKIT_REQUIRE_PEERS: undefined }, () => {
      assert.equal(peerSkip("rdate"), "missing peer rdate (apt-get install rdate)");
    });
    assert.deepEqual(JSON.parse(readFileSync(log, "utf8")), {
      peers: ["rdate"],
      packages: ["rdate"],
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("peerSkip() with NETKIT_REQUIRE_PEERS=1 throws instead of skipping", () => {
  withEnv({ PATH: "", NETKIT_REQUIRE_PEERS: "1", NETKIT_PEER_LOG: undefined }, () => {
    assert.throws(() => peerSkip("wget"), /missing peer wget .*apt-get install wget/);
  });
});

test("peerSkip() refuses a peer the registry does not list", () => {
  assert.throws(() => peerSkip("no-such-peer"), TypeError);
  assert.ok(Object.values(PEERS).every((peer) => peer.package.length > 0));
});

test("have() finds a program on a PATH that has no sh", () => {
  const dir = mkdtempSync(join(tmpdir(), "netkit-have-"));
  try {
    symlinkSync(process.execPath, join(dir, "only-program"));
    withEnv({ PATH: dir }, () => {
      assert.equal(have("only-program"), true);
      assert.equal(have("sh"), false);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
