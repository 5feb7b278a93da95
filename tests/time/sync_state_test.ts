/** What the SNTP server claims about its clock, for each kernel state. */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  DEFAULT_LOCAL_STRATUM,
  DEFAULT_STRATUM,
  LOCAL_REFID,
  syncState,
} from "../../src/time/sync_state.ts";
import type { ClockSync } from "../../src/net/types.ts";

const synced: ClockSync = { state: "synchronised", leap: 0, maxErrorS: 0.05 };
const unsynced: ClockSync = { state: "unsynchronised", leap: 0, maxErrorS: 16 };
const unknown: ClockSync = { state: "unknown", leap: 0, maxErrorS: NaN, detail: "not Linux" };
const now = 1_800_000_000;

test("syncState() synchronised: --stratum (default 3), --refid (default 127.127.1.1), the kernel's maxerror", () => {
  const fields = syncState(synced, { local: false, nowUnixS: now });
  assert.equal(fields.leap, 0);
  assert.equal(fields.stratum, DEFAULT_STRATUM);
  assert.equal(DEFAULT_STRATUM, 3);
  assert.deepEqual(fields.refid, LOCAL_REFID);
  assert.equal(fields.rootDispersion, 0.05);
  assert.equal(fields.rootDelay, 0);
  assert.equal(fields.referenceUnixS, now);
  const refid = new Uint8Array([192, 0, 2, 1]);
  const given = syncState(synced, { local: false, stratum: 2, refid, nowUnixS: now });
  assert.equal(given.stratum, 2);
  assert.deepEqual(given.refid, refid);
});

test("syncState() synchronised passes the kernel's pending leap second on", () => {
  assert.equal(syncState({ ...synced, leap: 1 }, { local: false, nowUnixS: now }).leap, 1);
  assert.equal(syncState({ ...synced, leap: 2 }, { local: true, nowUnixS: now }).leap, 2);
});

test("syncState() unsynchronised or unknown: leap 3, stratum 16, refid 0, no reference time", () => {
  for (const sync of [unsynced, unknown]) {
    const fields = syncState(sync, { local: false, stratum: 2, nowUnixS: now });
    assert.equal(fields.leap, 3, sync.state);
    assert.equal(fields.stratum, 16, sync.state);
    assert.deepEqual([...fields.refid], [0, 0, 0, 0]);
    assert.equal(fields.referenceUnixS, 0);
  }
});

test("syncState() unsynchronised with --local: no leap warning, stratum 10 or --stratum", () => {
  for (const sync of [unsynced, unknown]) {
    const fields = syncState(sync, { local: true, nowUnixS: now });
    assert.equal(fields.leap, 0);
    assert.equal(fields.stratum, DEFAULT_LOCAL_STRATUM);
    assert.equal(fields.referenceUnixS, now);
    assert.equal(syncState(sync, { local: true, stratum: 8, nowUnixS: now }).stratum, 8);
  }
  // --local changes nothing on a synchronised clock.
  assert.equal(syncState(synced, { local: true, nowUnixS: now }).stratum, DEFAULT_STRATUM);
});
