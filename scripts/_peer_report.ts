/**
 * The test runner's closing report on missing peers, from the lines
 * `peerSkip()` (tests/_helpers.ts) appends to the file `NETKIT_PEER_LOG` names:
 * one JSON line `{"peers": [...], "packages": [...]}` per skipped test. The
 * runner gives each of its runs (Deno, Bun, a binary) a log file of its own.
 *
 * @module
 */

/**
 * The lines that name the missing peers, how many tests each run skipped for
 * them, and the one `apt-get install` line that brings them all; none if no
 * test skipped.
 *
 * @param logs the contents of each run's `NETKIT_PEER_LOG` file, by run
 * @returns lines to print
 * @throws {SyntaxError} for a line that is not JSON
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { peerReport } from "./_peer_report.ts";
 *
 * const deno = '{"peers":["curl"],"packages":["curl"]}\n' +
 *   '{"peers":["rdate","curl"],"packages":["rdate","curl"]}\n';
 * const bun = '{"peers":["rdate"],"packages":["rdate"]}\n';
 * const [peers, counts, install] = peerReport({ "under Deno": deno, "under Bun": bun });
 * assert.equal(peers, "missing peers: curl, rdate");
 * assert.equal(counts, "tests skipped for them: 2 under Deno, 1 under Bun");
 * assert.equal(install, "to run them too: apt-get install curl rdate");
 * ```
 */
export function peerReport(logs: Record<string, string>): string[] {
  const peers = new Set<string>();
  const packages = new Set<string>();
  const counts: string[] = [];
  for (const [run, log] of Object.entries(logs)) {
    let tests = 0;
    for (const line of log.split("\n")) {
      if (line.trim() === "") continue;
      const entry = JSON.parse(line) as { peers: string[]; packages: string[] };
      tests++;
      for (const peer of entry.peers) peers.add(peer);
      for (const name of entry.packages) packages.add(name);
    }
    if (tests > 0) counts.push(`${tests} ${run}`);
  }
  if (counts.length === 0) return [];
  return [
    `missing peers: ${[...peers].sort().join(", ")}`,
    `tests skipped for them: ${counts.join(", ")}`,
    `to run them too: apt-get install ${[...packages].sort().join(" ")}`,
  ];
}
