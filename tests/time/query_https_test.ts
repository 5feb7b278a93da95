import { test } from "node:test";
import assert from "node:assert/strict";
import type { CertificateInfo, HeadSessionOptions, NetAdapter } from "../../src/net/types.ts";
import { queryHttps } from "../../src/time/query_https.ts";
import { TimeQueryError } from "../../src/time/time_query_error.ts";
import { selectAdapter } from "../../src/net/select.ts";
import { tcpPeer } from "../_peers.ts";

const DAY_MS = 86_400_000;

/**
 * A simulated server `offsetMs` ahead of a simulated local clock: each HEAD
 * takes `rttMs`, the server stamps its Date (whole seconds) halfway, and
 * sleeping advances the local clock exactly.
 */
function simulated(options: {
  offsetMs: number;
  rttMs: number;
  startMs?: number;
  chain?: CertificateInfo[];
  date?: (serverMs: number) => string | null;
}) {
  let now = options.startMs ?? Date.parse("2030-06-01T12:00:00.123Z");
  const opened: HeadSessionOptions[] = [];
  let heads = 0;
  const net = {
    openHeadSession: (session: HeadSessionOptions) => {
      opened.push(session);
      return Promise.resolve({
        chain: options.chain ?? [],
        head: () => {
          heads++;
          now += options.rttMs / 2;
          const serverMs = now + options.offsetMs;
          const date = options.date
            ? options.date(serverMs)
            : new Date(Math.floor(serverMs / 1000) * 1000).toUTCString();
          now += options.rttMs / 2;
          const headers = new Headers(date === null ? {} : { date });
          return Promise.resolve({ status: 200, headers });
        },
        close: () => {},
        [Symbol.asyncDispose]: () => Promise.resolve(),
      });
    },
  } as unknown as NetAdapter;
  const clocks = {
    clock: () => now,
    monotonic: () => now,
    sleep: (ms: number) => {
      now += ms;
      return Promise.resolve();
    },
  };
  return { net, clocks, opened, heads: () => heads };
}

const target = { host: "time.example", port: 443, tls: true };

test("queryHttps() with 5 samples narrows the offset to within 35 ms, and says so honestly", async () => {
  for (const offsetMs of [12_345.6, -987.1, 0, 499.9, -0.4]) {
    const sim = simulated({ offsetMs, rttMs: 4 });
    const answer = await queryHttps(sim.net, target, { samples: 5, ...sim.clocks });
    const errorMs = Math.abs(answer.offsetS * 1000 - offsetMs);
    assert.ok(errorMs <= answer.precisionMs, `offset ${offsetMs}: off by ${errorMs} ms`);
    assert.ok(answer.precisionMs < 35, `precision ${answer.precisionMs} ms`);
    assert.equal(sim.heads(), 5);
    assert.equal(answer.samples, 5);
    assert.equal(answer.protocol, "https");
    assert.equal(answer.authenticated, true);
  }
});

test("queryHttps() with one sample is honest about its half second", async () => {
  const sim = simulated({ offsetMs: 3_210, rttMs: 10 });
  const answer = await queryHttps(sim.net, target, { ...sim.clocks });
  assert.ok(Math.abs(answer.offsetS * 1000 - 3_210) <= answer.precisionMs);
  assert.ok(answer.precisionMs >= 500 && answer.precisionMs <= 510, String(answer.precisionMs));
});

test("queryHttps() verifies by the runtime's rules when the clock is plausible, without dates when it is unset", async () => {
  const plausible = simulated({ offsetMs: 0, rttMs: 2 });
  await queryHttps(plausible.net, target, { ...plausible.clocks });
  assert.equal(plausible.opened[0].check, "ordinary");
  const unset = simulated({ offsetMs: 0, rttMs: 2, startMs: Date.parse("1971-01-02T00:00:00Z") });
  await assert.rejects(
    queryHttps(unset.net, target, { ...unset.clocks, plausibleSinceMs: Date.parse("2020-01-01") }),
    /before this build's date/,
  );
  assert.equal(unset.opened[0].check, "ignore-dates");
  const http = simulated({ offsetMs: 0, rttMs: 2 });
  const answer = await queryHttps(http.net, { ...target, tls: false }, { ...http.clocks });
  assert.equal(http.opened[0].check, "none");
  assert.equal(answer.authenticated, false);
  assert.equal(answer.protocol, "http");
  const insecure = simulated({ offsetMs: 0, rttMs: 2 });
  assert.equal(
    (await queryHttps(insecure.net, target, { ...insecure.clocks, insecure: true })).authenticated,
    false,
  );
});

test("queryHttps() on an unset clock refuses a Date outside any certificate's validity", async () => {
  const startMs = Date.parse("1971-01-02T00:00:00Z");
  const serverNow = Date.parse("2030-06-01T12:00:00Z");
  const valid = (from: number, to: number, subject: string) => ({
    subject,
    notBeforeMs: from,
    notAfterMs: to,
  });
  const inside = [
    valid(serverNow - DAY_MS, serverNow + 10 * DAY_MS, "CN=leaf"),
    valid(serverNow - 2 * DAY_MS, serverNow + 30 * DAY_MS, "CN=CA"),
  ];
  const good = simulated({ offsetMs: serverNow - startMs, rttMs: 2, startMs, chain: inside });
  const answer = await queryHttps(good.net, target, { ...good.clocks, samples: 3 });
  const readMs = answer.unix * 1000;
  assert.ok(readMs >= serverNow && readMs < serverNow + 2000, String(answer.unix));
  for (
    const chain of [[inside[0], valid(0, serverNow - DAY_MS, "CN=CA")], [
      valid(serverNow + DAY_MS, serverNow + 2 * DAY_MS, "CN=leaf"),
      inside[1],
    ]]
  ) {
    const sim = simulated({ offsetMs: serverNow - startMs, rttMs: 2, startMs, chain });
    await assert.rejects(queryHttps(sim.net, target, { ...sim.clocks }), (e) => {
      assert.ok(e instanceof TimeQueryError);
      assert.equal(e.kind, "bad-reply");
      assert.match(e.message, /^the server's Date .* lies outside the validity of its certificate/);
      return true;
    });
  }
});

test("queryHttps() refuses a missing or malformed Date, and Dates that contradict each other", async () => {
  const none = simulated({ offsetMs: 0, rttMs: 2, date: () => null });
  await assert.rejects(queryHttps(none.net, target, { ...none.clocks }), /no Date header/);
  const bad = simulated({ offsetMs: 0, rttMs: 2, date: () => "yesterday" });
  await assert.rejects(queryHttps(bad.net, target, { ...bad.clocks }), /not an HTTP date/);
  let n = 0;
  const jumpy = simulated({
    offsetMs: 0,
    rttMs: 2,
    date: (ms) => new Date(Math.floor(ms / 1000) * 1000 + (n++ % 2) * 5000).toUTCString(),
  });
  await assert.rejects(
    queryHttps(jumpy.net, target, { ...jumpy.clocks, samples: 2 }),
    /contradict each other/,
  );
});

test("queryHttps() gives up on a server that never answers, after the timeout", async () => {
  await using server = await tcpPeer(() => {});
  const started = performance.now();
  await assert.rejects(
    queryHttps(selectAdapter(), { host: "127.0.0.1", port: server.port, tls: false }, {
      timeoutMs: 300,
    }),
    (e) =>
      e instanceof TimeQueryError && e.kind === "timeout" &&
      /timed out after 0\.3 s/.test(e.message),
  );
  const took = performance.now() - started;
  assert.ok(took >= 250 && took < 3000, `took ${took} ms`);
});
