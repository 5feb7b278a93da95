/**
 * `query-time` in-process: every flag through parseQueryTimeArgs(), and the
 * run through runQueryTime() with a local clock of the test's choosing.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { main } from "../../main.ts";
import { UsageError } from "../../src/cli/args.ts";
import { memoryContext } from "../../src/cli/context.ts";
import { selectAdapter } from "../../src/net/select.ts";
import { encodeTime } from "../../src/time/codec.ts";
import { parseQueryTimeArgs, runQueryTime } from "../../src/commands/query_time.ts";
import { tcpPeer } from "../_peers.ts";

const parse = (...args: string[]) => {
  const plan = parseQueryTimeArgs(args, {});
  assert.ok(!plan.help);
  return plan;
};

function assertUsageError(args: string[], message: RegExp) {
  assert.throws(() => parseQueryTimeArgs(args, {}), (e) => {
    assert.ok(e instanceof UsageError, String(e));
    assert.match(e.message, message);
    return true;
  }, args.join(" "));
}

test("parseQueryTimeArgs() defaults: RFC 868 over TCP, port 37, 5 s, 2 retries, tolerance 5, no --set", () => {
  assert.deepEqual(parse("time.example"), {
    help: false,
    targets: [{ host: "time.example", port: 37, protocol: "time", transport: "tcp" }],
    timeoutMs: 5000,
    retries: 2,
    samples: 1,
    toleranceS: 5,
    json: false,
    set: undefined,
    caCertFiles: [],
    insecure: false,
  });
  assert.deepEqual(parseQueryTimeArgs(["--help"], {}), { help: true });
  assert.deepEqual(parseQueryTimeArgs(["-h", "--json"], {}), { help: true });
});

test("parseQueryTimeArgs() reads hosts, ports, transports, timeouts, retries, tolerance and --json", () => {
  const plan = parse(
    "-u",
    "-p",
    "3737",
    "a",
    "b:38",
    "[::1]:39",
    "::1",
    "-t",
    "0.25",
    "--retries",
    "0",
    "--tolerance",
    "0",
    "--json",
  );
  assert.deepEqual(plan.targets.map(({ host, port }) => ({ host, port })), [
    { host: "a", port: 3737 },
    { host: "b", port: 38 },
    { host: "::1", port: 39 },
    { host: "::1", port: 3737 },
  ]);
  assert.ok(plan.targets.every((t) => t.protocol === "time" && t.transport === "udp"));
  assert.deepEqual([plan.timeoutMs, plan.retries, plan.toleranceS, plan.json], [
    250,
    0,
    0,
    true,
  ]);
  assert.equal(parse("--udp", "a").targets[0].transport, "udp");
  assert.equal(parse("--timeout", "3600", "a").timeoutMs, 3_600_000);
  assert.equal(parse("--retries", "100", "a").retries, 100);
});

test("parseQueryTimeArgs() --set with its defaults, --dry-run, --force, --min-agree and --max-step", () => {
  // --min-agree defaults to the majority of the servers asked, counted when they are.
  assert.deepEqual(parse("--set", "a", "b", "c", "d").set, {
    minAgree: undefined,
    maxStepS: 1000,
    force: false,
    dryRun: false,
  });
  assert.deepEqual(
    parse("-s", "--dry-run", "--force", "--min-agree", "1", "--max-step", "0.5", "a", "b").set,
    { minAgree: 1, maxStepS: 0.5, force: true, dryRun: true },
  );
  assert.equal(parse("--set", "--min-agree", "2", "a", "b").set?.minAgree, 2);
  assert.equal(parse("--set", "--max-step", "0", "a").set?.maxStepS, 0);
});

test("parseQueryTimeArgs() refuses bad values with one line each", () => {
  const cases: [string[], RegExp][] = [
    [[], /^no host given$/],
    [["a:0"], /^port 0 cannot be asked: 'a:0'$/],
    [["-p", "0", "a"], /^port 0 cannot be asked/],
    [["a:70000"], /^port in 'a:70000' must be a port number/],
    [["[a]:37"], /^not an IPv6 address: '\[a\]:37'$/],
    [["1.2.3"], /^not an IPv4 address: '1\.2\.3'$/],
    [["-t", "0", "a"], /^--timeout must be a number greater than 0 and at most 3600 \(got '0'\)$/],
    [["-t", "3601", "a"], /^--timeout must be a number/],
    [["--retries", "1.5", "a"], /^--retries must be a whole number from 0 to 100/],
    [["--retries", "101", "a"], /^--retries must be a whole number/],
    [["--tolerance", "x", "a"], /^--tolerance must be a number from 0 to 1000000000/],
    [["--tolerance=-1", "a"], /^--tolerance must be a number/],
    [["--set", "--min-agree", "0", "a"], /^--min-agree must be a whole number from 1 to 1/],
    [["--set", "--min-agree", "3", "a", "b"], /^--min-agree must be a whole number from 1 to 2/],
    [["--set", "--max-step", "-1", "a"], /^option '--max-step' needs a value/],
    [["--set", "--max-step", "lots", "a"], /^--max-step must be a number from 0/],
    [["--dry-run", "a"], /^--dry-run only goes with --set$/],
    [["--force", "a"], /^--force only goes with --set$/],
    [["--min-agree", "1", "a"], /^--min-agree only goes with --set$/],
    [["--max-step", "5", "a"], /^--max-step only goes with --set$/],
    [["--ntpx", "a"], /^unknown option '--ntpx'$/],
  ];
  for (const [args, message] of cases) assertUsageError(args, message);
});

test("query-time: a bad value exits 2 with one line and a hint", async () => {
  for (const args of [["-t", "0", "a"], ["--force", "a"], [], ["--set", "--min-agree", "9", "a"]]) {
    const { context, output } = memoryContext(selectAdapter());
    assert.equal(await main(["query-time", ...args], context), 2, args.join(" "));
    assert.equal(output.err.length, 2, output.err.join("\n"));
    assert.match(output.err[0], /^netkit query-time: \S/);
    assert.equal(output.err[1], "Try 'netkit help query-time' for usage.");
  }
});

test("runQueryTime() measures offsets against the context's clock, and --set steps from it", async () => {
  // The local clock (the context's) runs 50 s behind the server's.
  await using server = await tcpPeer((s) => s.end(encodeTime(Date.now() / 1000)));
  const { context, output } = memoryContext(selectAdapter(), { now: () => Date.now() - 50_000 });
  const host = `127.0.0.1:${server.port}`;
  const asked = await runQueryTime(parse("--json", host), context);
  assert.equal(asked, 0, output.err.join("\n"));
  const offset = JSON.parse(output.out[0]).offset_s;
  assert.ok(offset > 49 && offset < 52, `offset ${offset}`);
  const refused = await runQueryTime(
    parse("--set", "--dry-run", "--max-step", "10", host),
    context,
  );
  assert.equal(refused, 1);
  assert.match(output.err.at(-1)!, /a step of (49|50)\.\d{3} s is larger than --max-step 10 s/);
  const dry = await runQueryTime(parse("--set", "--dry-run", host), context);
  assert.equal(dry, 0, output.err.join("\n"));
  assert.match(
    output.out.at(-1)!,
    /^would set the clock: .*\(step \+(49|50)\.\d{3} s; 1 of 1 hosts agree\)$/,
  );
});

test("parseQueryTimeArgs() reads https:// and http:// hosts, --cacert, --insecure and the CA variables", () => {
  const plan = parseQueryTimeArgs(
    [
      "--samples",
      "5",
      "--cacert",
      "ca.pem",
      "-k",
      "https://a",
      "http://b:8080/",
      "https://[::1]:8443",
    ],
    { NODE_EXTRA_CA_CERTS: "extra.pem", DENO_CERT: "" },
  );
  assert.ok(!plan.help);
  assert.deepEqual(plan.targets, [
    { host: "a", port: 443, protocol: "https", transport: "tcp" },
    { host: "b", port: 8080, protocol: "http", transport: "tcp" },
    { host: "::1", port: 8443, protocol: "https", transport: "tcp" },
  ]);
  assert.equal(plan.samples, 5);
  assert.deepEqual(plan.caCertFiles, ["ca.pem", "extra.pem"]);
  assert.equal(plan.insecure, true);
  assert.throws(
    () => parseQueryTimeArgs(["-k", "time.example"], {}),
    /--insecure only goes with https:\/\/HOST/,
  );
  assert.throws(
    () => parseQueryTimeArgs(["--cacert", "x", "ntp://a"], {}),
    /--cacert only goes with https:\/\/HOST/,
  );
});
