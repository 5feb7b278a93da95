/**
 * A child for the state file's kill test: saves `COUNT` times into `PATH`,
 * each 1 s after the last from `BASE_MS`, printing `started` first and
 * `done` at the end. Run as `<runtime> tests/time/_state_writer.ts PATH BASE_MS COUNT`.
 *
 * @module
 */
import process from "node:process";
import { ClockStateFile } from "../../src/time/clock_state_file.ts";

const [path, base, count] = process.argv.slice(-3);
const state = new ClockStateFile(path);
console.log("started");
for (let i = 0; i < Number(count); i++) state.save(Number(base) + i * 1000);
console.log("done");
