/** serve-http's flags in-process: parseServeHttpArgs() plans, and runServeHttp() start failures. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UsageError } from "../../src/cli/args.ts";
import { memoryContext } from "../../src/cli/context.ts";
import { NetError } from "../../src/net/errors.ts";
import type { NetAdapter, ServeHttpOptions } from "../../src/net/types.ts";
import {
  parseServeHttpArgs,
  PASSWORD_ENV,
  serveHttpCommand,
} from "../../src/commands/serve_http.ts";

test("parseServeHttpArgs() plans the defaults: this folder, port 8000, all interfaces", () => {
  const plan = parseServeHttpArgs([], {});
  assert.equal(plan.help, false);
  assert.equal(plan.dir, ".");
  assert.equal(plan.port, 8000);
  assert.deepEqual(plan.hosts, ["::", "0.0.0.0"]);
  assert.equal(plan.listing, true);
  assert.equal(plan.dotfiles, false);
  assert.equal(plan.followSymlinks, false);
  assert.equal(plan.cacheSeconds, undefined);
  assert.equal(plan.compress, true);
  assert.equal(plan.cors, false);
  assert.deepEqual(plan.headers, []);
  assert.equal(plan.spa, false);
  assert.equal(plan.auth, undefined);
  assert.equal(plan.tls, undefined);
  assert.equal(plan.log, "common");
});

test("parseServeHttpArgs() reads every flag", () => {
  const plan = parseServeHttpArgs([
    "www",
    "-p",
    "0",
    "--host",
    "127.0.0.1",
    "--no-listing",
    "--dotfiles",
    "--follow-symlinks",
    "--cache",
    "60",
    "--no-compress",
    "--cors",
    "-H",
    "X-A: 1",
    "--header",
    "X-B: two words",
    "--spa",
    "--auth",
    "ann:a:b",
    "--tls-cert",
    "c.pem",
    "--tls-key",
    "k.pem",
    "--log",
    "json",
  ], {});
  assert.equal(plan.dir, "www");
  assert.equal(plan.port, 0);
  assert.deepEqual(plan.hosts, ["127.0.0.1"]);
  assert.equal(plan.listing, false);
  assert.equal(plan.dotfiles, true);
  assert.equal(plan.followSymlinks, true);
  assert.equal(plan.cacheSeconds, 60);
  assert.equal(plan.compress, false);
  assert.equal(plan.cors, true);
  assert.deepEqual(plan.headers, [["X-A", "1"], ["X-B", "two words"]]);
  assert.equal(plan.spa, true);
  assert.deepEqual(plan.auth, { user: "ann", password: "a:b" });
  assert.deepEqual(plan.tls, { certFile: "c.pem", keyFile: "k.pem" });
  assert.equal(plan.log, "json");
  assert.equal(parseServeHttpArgs(["-h"], {}).help, true);
});

test("parseServeHttpArgs() takes --auth USER's password from the environment given, not the process's", () => {
  const plan = parseServeHttpArgs(["--auth", "ann"], { [PASSWORD_ENV]: "s3cret" });
  assert.deepEqual(plan.auth, { user: "ann", password: "s3cret" });
  assert.throws(() => parseServeHttpArgs(["--auth", "ann"], {}), /needs a password/);
});

test("parseServeHttpArgs() refuses an empty --auth password, given or from the environment", () => {
  for (
    const [args, env] of [
      [["--auth", "ann:"], {}],
      [["--auth", "ann"], { [PASSWORD_ENV]: "" }],
    ] as const
  ) {
    assert.throws(
      () => parseServeHttpArgs([...args], env),
      (error) =>
        error instanceof UsageError && /--auth ann has an empty password/.test(error.message),
    );
  }
  assert.throws(() => parseServeHttpArgs(["--auth", ":pw"], {}), /needs a user name/);
});

test("parseServeHttpArgs() refuses bad values with a UsageError", () => {
  for (
    const args of [
      ["a", "b"],
      ["--host", ""],
      ["--port", "70000"],
      ["--cache", "-1"],
      ["--cache", "1.5"],
      ["--header", "no colon"],
      ["--log", "loud"],
      ["--tls-cert", "c.pem"],
      ["--tls-key", "k.pem"],
      ["--bogus"],
    ]
  ) {
    assert.throws(() => parseServeHttpArgs(args, {}), UsageError, args.join(" "));
  }
});

/** An adapter whose serveHttp fails on each host with the code given for it. */
function failingNet(codes: Record<string, string>, tried: string[]): NetAdapter {
  return {
    onSignal: () => () => {},
    fileBody: () => Promise.reject(new Error("unused")),
    fs: {} as NetAdapter["fs"],
    serveHttp: (options: ServeHttpOptions) => {
      tried.push(options.hostname);
      return Promise.reject(new NetError(codes[options.hostname] as never, "failed"));
    },
  } as unknown as NetAdapter;
}

test("serve-http names the host whose attempt failed: the IPv4 fallback when there is no IPv6", async () => {
  const dir = mkdtempSync(join(tmpdir(), "netkit-args-"));
  try {
    const tried: string[] = [];
    const net = failingNet({ "::": "EAFNOSUPPORT", "0.0.0.0": "EADDRINUSE" }, tried);
    const { context, output } = memoryContext(net);
    const code = await serveHttpCommand.run([dir, "--port", "8123"], context);
    assert.equal(code, 1);
    assert.deepEqual(tried, ["::", "0.0.0.0"]);
    assert.equal(output.err.length, 1, output.err.join("\n"));
    assert.match(
      output.err[0],
      /^netkit serve-http: cannot listen on 0\.0\.0\.0:8123: port 8123 is already in use/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("serve-http reports a folder it cannot serve in one line, exit 1", async () => {
  const { context, output } = memoryContext(failingNet({}, []));
  const missing = join(tmpdir(), "netkit-no-such-folder-here");
  assert.equal(await serveHttpCommand.run([missing], context), 1);
  assert.match(output.err[0], /^netkit serve-http: cannot serve .*: no such file or folder$/);
});

test("parseServeHttpArgs() has archives on and checksums off unless --no-archives / --checksums", () => {
  const plain = parseServeHttpArgs([], {});
  assert.equal(plain.archives, true);
  assert.equal(plain.checksums, false);
  const flipped = parseServeHttpArgs(["--no-archives", "--checksums"], {});
  assert.equal(flipped.archives, false);
  assert.equal(flipped.checksums, true);
});
