/**
 * End-to-end: `query-time https://…`, the real program (under the test
 * runtime, or NETKIT_BIN), against nginx and against netkit's own
 * `serve-http --tls-cert`, each with an openssl-made chain (a CA and a server
 * certificate valid from yesterday). The unset clock is Debian's faketime
 * at 1971: the chain and name are verified without dates, and the Date must
 * lie inside the certificates' validity.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import {
  have,
  netkitArgv,
  peerSkip,
  run,
  runNetkit,
  sleep,
  startNetkit,
  TARGET,
} from "../_helpers.ts";
import { makeCertificates, type Pem, type TestCertificates } from "../net/_certs.ts";

const UNSET_CLOCK = "1971-01-02 00:00:00";
const HAVE_PEERS = have("nginx") && have("openssl");

let root = "";
let certs: TestCertificates;
let caFile = "";
let nginx: { child: ChildProcess; good: number; wrongName: number; lastWeek: number } | undefined;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.on("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.on("error", () => resolve(false));
  });
}

function writePem(name: string, pem: Pem): { cert: string; key: string } {
  const cert = join(root, `${name}.pem`);
  const key = join(root, `${name}.key`);
  writeFileSync(cert, pem.cert);
  writeFileSync(key, pem.key);
  return { cert, key };
}

async function startNginx() {
  const dir = join(root, "nginx");
  mkdirSync(dir);
  const ports = { good: await freePort(), wrongName: await freePort(), lastWeek: await freePort() };
  const servers = (Object.keys(ports) as (keyof typeof ports)[]).map((name) => {
    const files = writePem(name, certs[name === "good" ? "fromYesterday" : name]);
    return `server { listen 127.0.0.1:${ports[name]} ssl; ssl_certificate ${files.cert}; ` +
      `ssl_certificate_key ${files.key}; root ${root}; }`;
  });
  const temp = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"]
    .map((name) => `${name}_temp_path ${join(dir, name)};`).join(" ");
  writeFileSync(
    join(dir, "nginx.conf"),
    `worker_processes 1;\nmaster_process off;\ndaemon off;\npid ${join(dir, "nginx.pid")};\n` +
      `error_log ${join(dir, "error.log")} warn;\nevents { worker_connections 64; }\n` +
      `http { access_log off; ${temp}\n${servers.join("\n")}\n}\n`,
  );
  const child = spawn("nginx", ["-p", dir, "-e", join(dir, "error.log"), "-c", "nginx.conf"], {
    stdio: "ignore",
    cwd: dir,
  });
  for (let i = 0; i < 100 && !(await accepts(ports.lastWeek)); i++) await sleep(50);
  return { child, ...ports };
}

before(async () => {
  if (!HAVE_PEERS) return;
  root = mkdtempSync(join(tmpdir(), "netkit-e2e-https-time-"));
  certs = makeCertificates();
  caFile = join(root, "ca.pem");
  writeFileSync(caFile, certs.ca);
  nginx = await startNginx();
});

after(async () => {
  if (nginx && nginx.child.exitCode === null && nginx.child.signalCode === null) {
    const closed = new Promise((resolve) => nginx!.child.on("close", resolve));
    process.kill(nginx.child.pid!, "SIGTERM");
    await closed;
  }
  certs?.[Symbol.dispose]();
  if (root) rmSync(root, { recursive: true, force: true });
});

/** `query-time --json` under a clock at 1971; the parsed row and the result. */
async function askUnset(url: string, extra: string[] = []) {
  const result = await run([
    "faketime",
    UNSET_CLOCK,
    ...netkitArgv(),
    "query-time",
    "--json",
    ...extra,
    url,
  ], { timeoutMs: 30_000 });
  return { result, row: JSON.parse(result.stdout.trim() || "{}") };
}

/** Checks a row read at 1971 against the real clock (this process is not faked). */
function assertRightTime(row: Record<string, unknown>, stderr: string, slackS: number) {
  assert.equal(row.protocol, "https", stderr);
  assert.equal(row.authenticated, true);
  const unix = row.unix as number;
  assert.ok(Math.abs(unix - Date.now() / 1000) < slackS, `read ${row.iso}, now ${new Date()}`);
  // The offset is the 1971 clock's distance to now (about 56 years), not zero.
  const expected = Date.now() / 1000 - Date.parse(`${UNSET_CLOCK.replace(" ", "T")}Z`) / 1000;
  assert.ok((row.offset_s as number) > expected - 86_400 * 2, String(row.offset_s));
}

test(
  `[${TARGET}] query-time https:// at 1971 reads nginx's time through a chain valid from yesterday`,
  {
    skip: peerSkip("nginx", "openssl", "faketime"),
  },
  async () => {
    const url = `https://127.0.0.1:${nginx!.good}`;
    const { result, row } = await askUnset(url, ["--cacert", caFile, "--samples", "3"]);
    assert.equal(result.code, 0, result.stderr);
    assertRightTime(row, result.stderr, 1);
    assert.ok(row.precision_ms as number <= 130, `precision ${row.precision_ms} ms`);
  },
);

test(`[${TARGET}] query-time https:// at 1971 reads serve-http --tls-cert's time`, {
  skip: peerSkip("nginx", "openssl", "faketime"),
}, async () => {
  const files = writePem("serve", certs.fromYesterday);
  await using server = await startNetkit(
    [
      "serve-http",
      root,
      "--host",
      "127.0.0.1",
      "--port",
      "0",
      "--tls-cert",
      files.cert,
      "--tls-key",
      files.key,
    ],
    { expect: ["https" as "tcp"] },
  );
  const port = (server.ports as Record<string, number>).https;
  const { result, row } = await askUnset(`https://127.0.0.1:${port}`, ["--cacert", caFile]);
  assert.equal(result.code, 0, result.stderr);
  // One sample: +/- half a second, and serve-http's Date may be cached for up to a second.
  assertRightTime(row, result.stderr, 2.5);
  // NODE_EXTRA_CA_CERTS trusts the CA as --cacert does.
  const viaEnv = await run(
    ["faketime", UNSET_CLOCK, ...netkitArgv(), "query-time", `https://127.0.0.1:${port}`],
    { env: { NODE_EXTRA_CA_CERTS: caFile } },
  );
  assert.equal(viaEnv.code, 0, viaEnv.stderr);
  assert.match(viaEnv.stdout, /^127\.0\.0\.1:\d+ https {2}20\d\d-/);
});

test(
  `[${TARGET}] query-time https:// at 1971 refuses an unknown CA, a wrong name and a Date outside the validity, each in its own words`,
  {
    skip: peerSkip("nginx", "openssl", "faketime"),
  },
  async () => {
    const cases: [number, string[], RegExp][] = [
      [nginx!.good, [], /certificate is not trusted: unknown issuer 'CN=netkit test CA'/],
      [
        nginx!.wrongName,
        ["--cacert", caFile],
        /certificate is not valid for this host name: it is for DNS:example\.invalid, not 127\.0\.0\.1/,
      ],
      [
        nginx!.lastWeek,
        ["--cacert", caFile],
        /the server's Date 20\S+ lies outside the validity of its certificate 'CN=lastweek'/,
      ],
    ];
    for (const [port, extra, message] of cases) {
      const result = await run([
        "faketime",
        UNSET_CLOCK,
        ...netkitArgv(),
        "query-time",
        ...extra,
        `https://127.0.0.1:${port}`,
      ]);
      assert.equal(result.code, 1, result.stdout);
      assert.equal(result.stdout, "");
      assert.match(
        result.stderr,
        new RegExp(`^netkit query-time: 127\\.0\\.0\\.1:${port} https: `),
      );
      assert.match(result.stderr, message);
    }
  },
);

test(
  `[${TARGET}] query-time https:// --samples 5 against nginx on loopback: offset within 50 ms of zero`,
  {
    skip: peerSkip("nginx", "openssl"),
  },
  async () => {
    const result = await runNetkit([
      "query-time",
      "--json",
      "--samples",
      "5",
      "--cacert",
      caFile,
      `https://127.0.0.1:${nginx!.good}`,
    ]);
    assert.equal(result.code, 0, result.stderr);
    const row = JSON.parse(result.stdout);
    assert.equal(row.samples, 5);
    assert.ok(Math.abs(row.offset_s) < 0.05, `offset ${row.offset_s} s +/- ${row.precision_ms} ms`);
    assert.ok(row.precision_ms < 50, `precision ${row.precision_ms} ms`);
    // The ordinary verification (a plausible clock) still refuses what it must.
    const untrusted = await runNetkit(["query-time", `https://127.0.0.1:${nginx!.good}`]);
    assert.equal(untrusted.code, 1);
    assert.match(untrusted.stderr, /certificate is not trusted/);
    const expired = await runNetkit(
      ["query-time", "--cacert", caFile, `https://127.0.0.1:${nginx!.lastWeek}`],
    );
    assert.equal(expired.code, 1);
    assert.match(expired.stderr, /certificate has expired or is not yet valid/);
  },
);
