// `cascade ARGV` run in this process, as a user's shell would run it: exit code, stdout, stderr, wall time.
// Every command test goes through it, so every one of them also checks that no stack trace reaches the user.
import { expect } from "vitest";
import { main } from "../../src/cli/program.js";

export interface CascadeResult {
  code: number;
  stdout: string;
  stderr: string;
  /** Wall time of the command in milliseconds. */
  ms: number;
}

export async function cascade(...argv: string[]): Promise<CascadeResult> {
  let stdout = "";
  let stderr = "";
  const t0 = performance.now();
  const code = await main(argv, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
  });
  const ms = performance.now() - t0;
  expect(
    `${stdout}${stderr}`.split("\n").filter((l) => /^\s+at /.test(l)),
    `stack trace in cascade ${argv.join(" ")}`,
  ).toEqual([]);
  return { code, stdout, stderr, ms };
}
