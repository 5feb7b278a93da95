import { test } from "node:test";
import assert from "node:assert/strict";
import {
  formatHostPort,
  parseCommandArgs,
  parseHostPort,
  parseNumber,
  parsePort,
  UsageError,
} from "../src/cli/args.ts";

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
});

test("formatHostPort() brackets IPv6", () => {
  assert.equal(formatHostPort("::1", 37), "[::1]:37");
  assert.equal(formatHostPort("127.0.0.1", 37), "127.0.0.1:37");
});
