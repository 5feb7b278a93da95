/**
 * End-to-end: `netkit get --mirror` (under the test runtime, or NETKIT_BIN)
 * of one tree (nested folders, odd names, dotfiles, a symlink loop) from
 * netkit serve-http (JSON listings, --checksums), nginx autoindex and python
 * http.server; a second run fetches nothing; --delete.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import process from "node:process";
import { createHash } from "node:crypto";
import { have, runNetkit, type RunningServer, sleep, startNetkit } from "../_helpers.ts";

let root = "";
let www = "";
const servers: Record<string, string> = {};
const children: ChildProcess[] = [];
let serveHttp: RunningServer | undefined;

const TREE: Record<string, string> = {
  "a.txt": "alpha\n",
  "ünï cödé/f.txt": "unicode\n",
  "100%.txt": "percent\n",
  "x#y.txt": "hash\n",
  "sub/deep/b.bin": "b".repeat(5000),
  "sub/c.txt": "c\n",
};

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

async function startAndWait(argv: string[], options: { url: string; cwd?: string }) {
  const child = spawn(argv[0], argv.slice(1), {
    stdio: ["ignore", "ignore", "pipe"],
    cwd: options.cwd,
  });
  children.push(child);
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  for (let i = 0; i < 100; i++) {
    try {
      await (await fetch(options.url)).body?.cancel();
      return;
    } catch {
      if (child.exitCode !== null) break;
      await sleep(100);
    }
  }
  throw new Error(`${argv[0]} did not start: ${stderr}`);
}

async function startNginx(): Promise<void> {
  const dir = join(root, "nginx");
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const temp = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"]
    .map((name) => `${name}_temp_path ${join(dir, name)};`).join("\n    ");
  writeFileSync(
    join(dir, "nginx.conf"),
    `worker_processes 1;
master_process off;
daemon off;
pid ${join(dir, "nginx.pid")};
error_log ${join(dir, "error.log")} warn;
events { worker_connections 64; }
http {
    default_type application/octet-stream;
    access_log off;
    ${temp}
    server { listen 127.0.0.1:${port}; root ${www}; autoindex on; }
}
`,
  );
  servers.nginx = `http://127.0.0.1:${port}`;
  await startAndWait([
    "nginx",
    "-p",
    dir,
    "-e",
    join(dir, "error.log"),
    "-c",
    join(dir, "nginx.conf"),
  ], {
    url: `${servers.nginx}/`,
  });
}

before(async () => {
  root = mkdtempSync(join(tmpdir(), "netkit-e2e-mirror-"));
  www = join(root, "www");
  for (const [path, text] of Object.entries(TREE)) {
    mkdirSync(join(www, path, ".."), { recursive: true });
    writeFileSync(join(www, path), text);
  }
  writeFileSync(join(www, ".secret"), "dot");
  mkdirSync(join(www, ".git"));
  writeFileSync(join(www, ".git", "config"), "dot");
  symlinkSync("..", join(www, "sub", "loop"));
  if (have("nginx")) await startNginx();
  if (have("python3")) {
    const port = await freePort();
    servers.python = `http://127.0.0.1:${port}`;
    await startAndWait(["python3", "-m", "http.server", String(port), "--bind", "127.0.0.1"], {
      url: `${servers.python}/`,
      cwd: www,
    });
  }
  serveHttp = await startNetkit(
    ["serve-http", www, "--host", "127.0.0.1", "--port", "0", "--log", "off", "--checksums"],
    { expect: ["http" as "tcp"] },
  );
  servers["serve-http"] = `http://127.0.0.1:${(serveHttp.ports as Record<string, number>).http}`;
});

after(async () => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      const closed = new Promise((resolve) => child.on("close", resolve));
      process.kill(child.pid!, "SIGTERM");
      await closed;
    }
  }
  await serveHttp?.stop();
  rmSync(root, { recursive: true, force: true });
});

/** Every file below `dir` that is not a dotfile, as a relative path. */
function filesIn(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[])
    .filter((p) => !p.split("/").some((s) => s.startsWith(".")))
    .filter((p) =>
      !readdirSync(join(dir, p, ".."), { withFileTypes: true })
        .find((d) => d.name === p.split("/").pop())?.isDirectory()
    )
    .map((p) => relative(dir, join(dir, p))).sort();
}

for (const name of ["serve-http", "nginx", "python"]) {
  const skip = name === "nginx" && !have("nginx")
    ? "nginx is not installed"
    : name === "python" && !have("python3")
    ? "python3 is not installed"
    : false;
  test(
    `get --mirror copies a tree from ${name} byte for byte, then fetches nothing`,
    { skip },
    async () => {
      const dir = join(root, `out-${name}`);
      const first = await runNetkit(["get", "--mirror", `${servers[name]}/`, dir], {
        timeoutMs: 60_000,
      });
      assert.equal(first.code, 0, first.stderr);
      assert.match(first.stderr, /loop/);
      const wanted = Object.keys(TREE).concat(
        name === "serve-http"
          ? ["SHA256SUMS", "sub/SHA256SUMS", "sub/deep/SHA256SUMS", "ünï cödé/SHA256SUMS"]
          : [],
      ).sort();
      assert.deepEqual(filesIn(dir), wanted);
      for (const [path, text] of Object.entries(TREE)) {
        assert.equal(readFileSync(join(dir, path), "utf8"), text);
      }
      assert(!existsSync(join(dir, ".secret")) && !existsSync(join(dir, ".git")));
      const second = await runNetkit(["get", "--mirror", `${servers[name]}/`, dir], {
        timeoutMs: 60_000,
      });
      assert.equal(second.code, 0, second.stderr);
      assert.match(second.stderr, new RegExp(`${wanted.length} unchanged, 0 to fetch`));
      assert.doesNotMatch(second.stderr, /saved /);
    },
  );
}

test("get --mirror --delete removes what the server no longer lists, and no dotfile", async () => {
  const dir = join(root, "out-delete");
  const base = `${servers["serve-http"]}/sub/`;
  assert.equal((await runNetkit(["get", "--mirror", base, dir, "-s"])).code, 0);
  writeFileSync(join(dir, "stale.txt"), "old");
  writeFileSync(join(dir, ".mine"), "keep");
  const kept = await runNetkit(["get", "--mirror", base, dir, "-s"]);
  assert.equal(kept.code, 0, kept.stderr);
  assert(existsSync(join(dir, "stale.txt")), "without --delete nothing is removed");
  const removed = await runNetkit(["get", "--mirror", base, dir, "--delete"]);
  assert.equal(removed.code, 0, removed.stderr);
  assert.match(removed.stderr, /deleted .*stale\.txt/);
  assert(!existsSync(join(dir, "stale.txt")) && existsSync(join(dir, ".mine")));
  assert.equal(readFileSync(join(dir, "c.txt"), "utf8"), TREE["sub/c.txt"]);
});

test("get --mirror refetches a file that changed on the server", async () => {
  const dir = join(root, "out-change");
  const base = `${servers["serve-http"]}/sub/deep/`;
  assert.equal((await runNetkit(["get", "--mirror", base, dir, "-s"])).code, 0);
  writeFileSync(join(www, "sub", "deep", "b.bin"), "changed");
  try {
    // serve-http's stat cache may answer from before the write for up to a second.
    const sum = createHash("sha256").update("changed").digest("hex");
    for (let i = 0; i < 50; i++) {
      const sums = await (await fetch(`${base}SHA256SUMS`)).text();
      if (sums.includes(sum) && await (await fetch(`${base}b.bin`)).text() === "changed") break;
      await sleep(100);
    }
    const again = await runNetkit(["get", "--mirror", base, dir]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(readFileSync(join(dir, "b.bin"), "utf8"), "changed");
  } finally {
    writeFileSync(join(www, "sub", "deep", "b.bin"), TREE["sub/deep/b.bin"]);
  }
});

test("get --mirror resumes a .part an interrupted run left", async () => {
  const dir = join(root, "out-resume");
  mkdirSync(dir, { recursive: true });
  const whole = TREE["sub/deep/b.bin"];
  writeFileSync(join(dir, "b.bin.part"), whole.slice(0, 1000));
  // The test above put b.bin back; serve-http's stat cache may lag a second.
  for (let i = 0; i < 50; i++) {
    if ((await (await fetch(`${servers["serve-http"]}/sub/deep/b.bin`)).text()) === whole) break;
    await sleep(100);
  }
  const result = await runNetkit(
    ["get", "--mirror", `${servers["serve-http"]}/sub/deep/`, dir, "--json"],
  );
  assert.equal(result.code, 0, result.stderr);
  const lines = result.stdout.trim().split("\n").map((line) => JSON.parse(line));
  assert.equal(lines.find((o) => o.path?.endsWith("b.bin"))?.resumed_from, 1000);
  assert.equal(readFileSync(join(dir, "b.bin"), "utf8"), whole);
  assert(!existsSync(join(dir, "b.bin.part")));
});
