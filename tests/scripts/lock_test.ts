/**
 * package-lock.json locks every platform's binary package of deno and bun
 * (defect 9): npm only writes the packages of the platform it runs on, and a
 * lock without the others' makes `npm ci` fail elsewhere. Offline: reads the
 * installed manifests and the lock, nothing more.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../_helpers.ts";

/** The runtimes installed from npm whose binaries come as optional per-platform packages. */
const RUNTIMES = ["deno", "bun"];

interface Manifest {
  version: string;
  optionalDependencies?: Record<string, string>;
}

const readJson = (path: string) => JSON.parse(readFileSync(path, "utf8"));
const manifest = (name: string): Manifest =>
  readJson(join(ROOT, "node_modules", name, "package.json"));

const notInstalled =
  RUNTIMES.some((name) => !existsSync(join(ROOT, "node_modules", name, "package.json")))
    ? "node_modules has no deno or bun (run npm install first)"
    : false;

test("package-lock.json locks every optional package of deno and bun at its pinned version", {
  skip: notInstalled,
}, () => {
  const locked: Record<string, { version?: string }> =
    readJson(join(ROOT, "package-lock.json")).packages;
  const wrong: string[] = [];
  for (const runtime of RUNTIMES) {
    const { version, optionalDependencies = {} } = manifest(runtime);
    assert.equal(locked[`node_modules/${runtime}`]?.version, version, `${runtime} itself`);
    const names = Object.entries(optionalDependencies);
    assert.ok(names.length > 0, `${runtime} lists its platform packages`);
    for (const [name, pinned] of names) {
      const entry = locked[`node_modules/${name}`];
      if (entry?.version !== pinned) {
        wrong.push(`${name}@${pinned}: ${entry ? `locked at ${entry.version}` : "missing"}`);
      }
    }
  }
  assert.deepEqual(wrong, [], "optional packages the lock lacks or pins differently");
});
