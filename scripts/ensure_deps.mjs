// Installs the pinned npm packages (Deno, Bun, test libraries) when they are
// missing or at another version, so `npm start` and `npm test` work on a fresh
// clone with only Node.js and npm. Plain JavaScript: it runs before Bun exists.
import { execSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";

const pkg = JSON.parse(readFileSync("package.json", "utf8"));
const pinned = { ...pkg.dependencies, ...pkg.devDependencies };

function installedVersion(name) {
  try {
    return JSON.parse(readFileSync(`node_modules/${name}/package.json`, "utf8")).version;
  } catch {
    return undefined;
  }
}

const stale = Object.entries(pinned).filter(([name, version]) =>
  installedVersion(name) !== version
);
const binaries = ["node_modules/.bin/deno", "node_modules/.bin/bun"];
if (stale.length > 0 || !binaries.every((b) => existsSync(b))) {
  const what = stale.map(([n, v]) => `${n}@${v}`).join(", ") || "runtime binaries";
  console.error(`netkit: installing pinned packages (${what}) ...`);
  // npm ci: exactly what package-lock.json lists (it lists every platform's
  // optional packages, so it matches package.json on any machine).
  execSync("npm ci --no-audit --no-fund", { stdio: ["ignore", "ignore", "inherit"] });
}
