// Exit codes and error text (SPEC §1): 0 done, 2 bad input (one line per problem, no stack), 1 a bug
// (with what it takes to reproduce it), 130 interrupted (returned by the run itself).
import { CommanderError } from "commander";
import { InputError, InternalError, type ReproContext } from "../config/errors.js";

export function exitCodeFor(err: unknown): number {
  if (err instanceof InputError) return 2;
  // Commander has already printed its one-line message; --help and --version end with code 0.
  if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
  return 1;
}

/** The stderr lines for an error, given what the CLI knows about the run (seed, scenario file). */
export function errorLines(err: unknown, known: ReproContext = {}): string[] {
  // each problem once, however many checks found it (an option and the scenario loader may both see a bad --set)
  if (err instanceof InputError) return [...new Set(err.problems)].map((p) => `error: ${p}`);
  if (err instanceof CommanderError) return [];
  const message = err instanceof Error ? err.message : String(err);
  const lines = [`error: ${message.split("\n")[0]}`];
  const repro = { ...known, ...(err instanceof InternalError ? err.repro : {}) };
  const parts: string[] = [];
  if (repro.seed !== undefined) parts.push(`seed ${repro.seed}`);
  if (repro.pathIndex !== undefined) parts.push(`path index ${repro.pathIndex}`);
  if ("scenarioFile" in repro) parts.push(`scenario ${repro.scenarioFile ?? "(embedded default)"}`);
  if (parts.length > 0) lines.push(`please report: ${parts.join(", ")}`);
  if (process.env.CASCADE_DEBUG && err instanceof Error && err.stack) lines.push(err.stack);
  return lines;
}
