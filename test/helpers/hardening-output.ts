// Helpers of the output-hardening tests (test/hardening-output*.test.ts): the CLI in-process and as a child
// process, a small scenario, tmpfs mounts (root only) to make a disk full or read-only.
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { loadScenario } from "../../src/config/load.js";
import type { ScenarioInputs } from "../../src/config/scenario.js";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const CLI = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));

/** A small run of the embedded scenario: fast, and with liquidations in every path. */
export function smallInputs(sets: string[] = [], paths = 120): ScenarioInputs {
  return loadScenario(undefined, [`paths=${paths}`, "accounts.count=2000", ...sets]);
}

/** `cascade ARGV` in this process; never a stack trace (helpers/cli.ts). */
export { cascade } from "./cli.js";

/** `cascade ARGV` as a child process (the built CLI), killed after `timeoutMs`; `ms` is its wall time. */
export function spawnCascade(
  argv: string[],
  timeoutMs = 60_000,
): Promise<{ code: number | null; stdout: string; stderr: string; ms: number; timedOut: boolean }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, [CLI, ...argv], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started, timedOut });
    });
  });
}

/** The error lines of stderr (progress and warnings aside). */
export function errorLinesOf(stderr: string): string[] {
  return stderr.split("\n").filter((l) => l.startsWith("error:") || l.startsWith("please report"));
}

/** Mounts a tmpfs at `dir` (root only; false when it cannot), e.g. `size=64k` for a disk that fills up, `ro`. */
export function mountTmpfs(dir: string, options: string): boolean {
  if (process.platform !== "linux" || process.getuid?.() !== 0) return false;
  mkdirSync(dir, { recursive: true });
  return spawnSync("mount", ["-t", "tmpfs", "-o", options, "tmpfs", dir], { stdio: "ignore" }).status === 0;
}

export function unmount(dir: string): void {
  spawnSync("umount", [dir], { stdio: "ignore" });
}
