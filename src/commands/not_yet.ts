/**
 * Subcommands whose own issues have not landed yet answer clearly, exit 2.
 *
 * @module
 */
import { EXIT } from "../cli/exit_codes.ts";
import type { Command } from "../cli/io.ts";

/**
 * A placeholder command that says it is not available in this version.
 *
 * @param name the subcommand
 * @param summary its one-line summary
 * @returns a command that prints one line and exits 2
 */
export function notYetAvailable(name: string, summary: string): Command {
  return {
    usage: `Usage: netkit ${name} ...\n\n${summary}.\nNot yet available in this version.`,
    run(_args, context) {
      context.err(`netkit ${name}: not yet available in this version`);
      return Promise.resolve(EXIT.USAGE);
    },
  };
}
