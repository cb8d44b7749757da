// `cascade verify DIR`: prints one line per check; exit 0 when the run checks out, 1 when a check fails.
// Missing, unreadable or malformed files in DIR (or a link where a file should be) are bad input: verifyRun
// throws an InputError, exit 2.
import { verifyRun } from "../mc/verify.js";
import type { CliIo } from "./io.js";

export async function verifyCommand(dir: string, sample: number, io: CliIo): Promise<number> {
  const report = await verifyRun(dir, { sample });
  for (const c of report.checks) io.stdout.write(`${c.ok ? "ok  " : "FAIL"}  ${c.name}: ${c.detail}\n`);
  io.stdout.write(report.ok ? `verified: ${dir}\n` : `verification FAILED: ${dir}\n`);
  return report.ok ? 0 : 1;
}
