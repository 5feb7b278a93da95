import { test } from "node:test";
import assert from "node:assert/strict";
import { selectAdapter } from "../../src/net/select.ts";
import { encodeTime } from "../../src/time/codec.ts";
import { pollTime } from "../../src/time/poll_time.ts";
import { tcpPeer } from "../_peers.ts";

const adapter = selectAdapter();
const nowS = () => Date.now() / 1000;

test("pollTime() asks several hosts, keeps order, reports failures and flags outliers", async () => {
  await using good1 = await tcpPeer((s) => s.end(encodeTime(nowS())));
  await using good2 = await tcpPeer((s) => s.end(encodeTime(nowS())));
  await using skewed = await tcpPeer((s) => s.end(encodeTime(nowS() + 60)));
  await using silent = await tcpPeer((s) => s.end());
  const started = performance.now();
  const results = await pollTime(
    adapter,
    [good1, skewed, silent, good2].map((p) => ({
      host: "127.0.0.1",
      port: p.port,
      protocol: "time" as const,
      transport: "tcp" as const,
    })),
    { toleranceS: 5 },
  );
  assert.ok(performance.now() - started < 2000, "asked in parallel");
  assert.deepEqual(results.map((r) => r.port), [good1.port, skewed.port, silent.port, good2.port]);
  assert.deepEqual(results.map((r) => r.ok), [true, true, false, true]);
  assert.deepEqual(results.map((r) => (r.ok ? r.outlier : null)), [false, true, null, false]);
});
