import { test } from "node:test";
import assert from "node:assert/strict";
import {
  formatHostPort,
  isIPv4,
  isIPv6,
  parseCommandArgs,
  parseHostPort,
  parseNumber,
  parsePort,
  UsageError,
} from "../../src/cli/args.ts";

test("parseHostPort() accepts host, host:port, [v6]:port and a bare IPv6 address", () => {
  assert.deepEqual(parseHostPort("time.example", 37), { host: "time.example", port: 37 });
  assert.deepEqual(parseHostPort("127.0.0.1:3737", 37), { host: "127.0.0.1", port: 3737 });
  assert.deepEqual(parseHostPort("[::1]:3737", 37), { host: "::1", port: 3737 });
  assert.deepEqual(parseHostPort("[::1]", 37), { host: "::1", port: 37 });
  assert.deepEqual(parseHostPort("::1", 37), { host: "::1", port: 37 });
  assert.deepEqual(parseHostPort("fe80::1:2", 99), { host: "fe80::1:2", port: 99 });
});

test("parseHostPort() rejects an empty host and a bad port", () => {
  assert.throws(() => parseHostPort(":37", 37), UsageError);
  assert.throws(() => parseHostPort("host:99999", 37), UsageError);
  assert.throws(() => parseHostPort("host:x", 37), UsageError);
  assert.throws(() => parseHostPort("[::1]:", 37), UsageError);
});

test("parseHostPort() refuses malformed addresses instead of passing them on", () => {
  for (const bad of ["[::1", "::1]", "host:1:2", "999.1.1.1", "1.2.3", "[nothost]:37", "[::1]x"]) {
    assert.throws(() => parseHostPort(bad, 37), UsageError, bad);
  }
  assert.deepEqual(parseHostPort("::ffff:127.0.0.1", 37), { host: "::ffff:127.0.0.1", port: 37 });
  assert.deepEqual(parseHostPort("[fe80::1%lo]:5", 37), { host: "fe80::1%lo", port: 5 });
});

test("isIPv4() and isIPv6() accept addresses only", () => {
  assert.ok(isIPv4("255.255.255.255") && !isIPv4("256.1.1.1") && !isIPv4("1.2.3"));
  assert.ok(isIPv6("::1") && isIPv6("2001:db8::1") && isIPv6("fe80::1%eth0"));
  assert.ok(!isIPv6("host:1:2") && !isIPv6("1.2.3.4") && !isIPv6("::g"));
});

test("parsePort() takes 0 to 65535 only", () => {
  assert.equal(parsePort("0"), 0);
  assert.equal(parsePort("65535"), 65535);
  for (const bad of ["-1", "65536", "1e3", "", "http"]) {
    assert.throws(() => parsePort(bad), UsageError, bad);
  }
});

test("parseNumber() enforces bounds and integers", () => {
  assert.equal(parseNumber("2.5", "--timeout", { min: 0, max: 10, exclusiveMin: true }), 2.5);
  assert.throws(() => parseNumber("0", "--timeout", { min: 0, max: 10, exclusiveMin: true }));
  assert.throws(() => parseNumber("1.5", "--retries", { min: 0, max: 10, integer: true }));
  assert.throws(() => parseNumber("11", "--retries", { min: 0, max: 10, integer: true }));
  assert.throws(() => parseNumber("NaN", "--x", { min: 0, max: 10 }));
});

test("parseCommandArgs() turns parseArgs errors into one short line", () => {
  const options = { port: { type: "string" as const, short: "p" } };
  assert.throws(() => parseCommandArgs(["--nope"], options), {
    name: "UsageError",
    message: "unknown option '--nope'",
  });
  assert.throws(() => parseCommandArgs(["--port"], options), {
    name: "UsageError",
    message: "option '--port' needs a value",
  });
  assert.throws(() => parseCommandArgs(["-p", "-1"], options), {
    name: "UsageError",
    message: /^option '-p' needs a value \(one that starts with '-' must be joined/,
  });
});

test("formatHostPort() brackets IPv6", () => {
  assert.equal(formatHostPort("::1", 37), "[::1]:37");
  assert.equal(formatHostPort("127.0.0.1", 37), "127.0.0.1:37");
});
