/**
 * `query-time --set` in-process, with the clock setter replaced: these tests
 * never change the machine's clock. The real setter is run as an unprivileged
 * user in tests/e2e/time_test.ts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { main } from "../../main.ts";
import { memoryContext } from "../../src/cli/context.ts";
import { selectAdapter } from "../../src/net/select.ts";
import { NetError } from "../../src/net/errors.ts";
import { encodeTime } from "../../src/time/codec.ts";
import { tcpPeer } from "../_peers.ts";

/** Runs netkit in-process; the setter records its argument or throws `fails`. */
async function netkit(args: string[], fails?: NetError) {
  const calls: number[] = [];
  const net = Object.create(selectAdapter(), {
    setSystemClock: {
      value: (ms: number) => {
        calls.push(ms);
        return fails ? Promise.reject(fails) : Promise.resolve();
      },
    },
  });
  const { context, output } = memoryContext(net);
  const code = await main(args, context);
  return { code, calls, out: output.out, err: output.err };
}

/** A TCP time server whose clock is `offsetS` from ours. */
function skewedServer(offsetS: number) {
  return tcpPeer((socket) => socket.end(encodeTime(Date.now() / 1000 + offsetS)));
}

test("query-time --set steps the clock by the servers' offset and prints old and new time", async () => {
  await using a = await skewedServer(120);
  await using b = await skewedServer(121);
  await using c = await skewedServer(-5000);
  const before = Date.now();
  const r = await netkit([
    "query-time",
    "--set",
    `127.0.0.1:${a.port}`,
    `127.0.0.1:${b.port}`,
    `127.0.0.1:${c.port}`,
  ]);
  assert.equal(r.code, 0, r.err.join("\n"));
  assert.equal(r.calls.length, 1);
  // Median of ~120.5 and ~121.5 (whole-second replies read as +0.5).
  const stepS = (r.calls[0] - before) / 1000;
  assert.ok(stepS > 119 && stepS < 123, `step ${stepS}`);
  const last = r.out.at(-1)!;
  assert.match(
    last,
    /^clock set: \d{4}-\d\d-\d\dT[\d:.]+Z -> \d{4}-\d\d-\d\dT[\d:.]+Z {2}\(step \+1[12]\d\.\d{3} s; 2 of 3 hosts agree\)$/,
  );
  assert.match(r.out.join("\n"), /OUTLIER/);
});

test("query-time --set refuses a step beyond --max-step, and --force allows it", async () => {
  await using server = await skewedServer(2000);
  const refused = await netkit(["query-time", "--set", `127.0.0.1:${server.port}`]);
  assert.equal(refused.code, 1);
  assert.equal(refused.calls.length, 0);
  assert.match(
    refused.err.join("\n"),
    /^netkit query-time: not setting the clock: a step of (1999|200\d)\.\d{3} s is larger than --max-step 1000 s \(use --force to allow it\)$/,
  );
  const raised = await netkit([
    "query-time",
    "--set",
    "--max-step",
    "3000",
    `127.0.0.1:${server.port}`,
  ]);
  assert.equal(raised.code, 0, raised.err.join("\n"));
  const forced = await netkit(["query-time", "--set", "--force", `127.0.0.1:${server.port}`]);
  assert.equal(forced.code, 0, forced.err.join("\n"));
  assert.equal(forced.calls.length, 1);
});

test("query-time --set needs --min-agree hosts to agree; failed hosts count as asked", async () => {
  await using a = await skewedServer(0);
  await using b = await skewedServer(30);
  const split = await netkit(["query-time", "--set", `127.0.0.1:${a.port}`, `127.0.0.1:${b.port}`]);
  assert.equal(split.code, 1);
  assert.equal(split.calls.length, 0);
  assert.match(split.err.at(-1)!, /not setting the clock: the answers fall into different groups/);
  const closed = await tcpPeer(() => {});
  await closed.close();
  const half = await netkit([
    "query-time",
    "--set",
    `127.0.0.1:${a.port}`,
    `127.0.0.1:${closed.port}`,
  ]);
  assert.equal(half.code, 1);
  assert.match(half.err.at(-1)!, /only 1 of 2 hosts agree within 5 s \(--min-agree 2\)$/);
  const one = await netkit([
    "query-time",
    "--set",
    "--min-agree",
    "1",
    `127.0.0.1:${a.port}`,
    `127.0.0.1:${closed.port}`,
  ]);
  assert.equal(one.code, 0, one.err.join("\n"));
  assert.equal(one.calls.length, 1);
});

test("query-time --set steps to the agreeing majority when the middle host agrees with both others", async () => {
  // Offsets 0, 4 and 8 s with --tolerance 5: 0 and 8 are 8 s apart, but all three windows of
  // ±5 s share the seconds around 4, so all three agree and the step is their median.
  await using a = await skewedServer(0);
  await using b = await skewedServer(4);
  await using c = await skewedServer(8);
  const before = Date.now();
  const r = await netkit([
    "query-time",
    "--set",
    "--tolerance",
    "5",
    `127.0.0.1:${a.port}`,
    `127.0.0.1:${b.port}`,
    `127.0.0.1:${c.port}`,
  ]);
  assert.equal(r.code, 0, r.err.join("\n"));
  assert.equal(r.calls.length, 1);
  const stepS = (r.calls[0] - before) / 1000;
  assert.ok(stepS > 3 && stepS < 6, `step ${stepS}`);
  assert.match(r.out.at(-1)!, /\(step \+[345]\.\d{3} s; 3 of 3 hosts agree\)$/);
});

test("query-time --set --dry-run says what it would do and calls no setter", async () => {
  await using server = await skewedServer(10);
  const r = await netkit([
    "query-time",
    "--set",
    "--dry-run",
    "--json",
    `127.0.0.1:${server.port}`,
  ]);
  assert.equal(r.code, 0, r.err.join("\n"));
  assert.equal(r.calls.length, 0);
  const verdict = JSON.parse(r.out.at(-1)!);
  assert.deepEqual(Object.keys(verdict), ["clock", "old", "new", "step_s", "agree", "asked"]);
  assert.equal(verdict.clock, "dry-run");
  assert.ok(verdict.step_s > 9 && verdict.step_s < 12, String(verdict.step_s));
  const shownMs = Date.parse(verdict.new) - Date.parse(verdict.old);
  assert.ok(Math.abs(shownMs - verdict.step_s * 1000) <= 1, `${shownMs} ms`);
});

test("query-time --set reports a refused setter in one line and exits 1", async () => {
  await using server = await skewedServer(0);
  const r = await netkit(
    ["query-time", "--set", `127.0.0.1:${server.port}`],
    new NetError("EPERM", "Cannot set the clock: permission denied (needs root or CAP_SYS_TIME)"),
  );
  assert.equal(r.code, 1);
  assert.equal(r.calls.length, 1);
  assert.deepEqual(r.err, [
    "netkit query-time: cannot set the clock: permission denied (needs root or CAP_SYS_TIME)",
  ]);
});

test("query-time: --set's options without --set are usage errors", async () => {
  for (const flag of [["--force"], ["--dry-run"], ["--min-agree", "1"], ["--max-step", "5"]]) {
    const r = await netkit(["query-time", ...flag, "127.0.0.1:9"]);
    assert.equal(r.code, 2, flag.join(" "));
    assert.match(r.err[0], new RegExp(`^netkit query-time: ${flag[0]} only goes with --set$`));
  }
  const tooMany = await netkit(["query-time", "--set", "--min-agree", "3", "a", "b"]);
  assert.equal(tooMany.code, 2);
});
