// `cascade worker --queue URL`: computes the batches of runs queued with `cascade run --queue URL`, on this
// machine's threads, until SIGINT or SIGTERM (it finishes the batches it holds; a second signal stops at once,
// and BullMQ gives those batches to another worker).
import { availableParallelism } from "node:os";
import { InputError, formatValue } from "../config/errors.js";
import type { CliIo } from "./io.js";
import { MAX_THREADS, parseThreads } from "./options.js";

export interface RawWorkerOptions {
  queue?: string;
  queuePrefix?: string;
  threads?: string;
  name?: string;
  quiet?: boolean;
  verbose?: boolean;
}

export type StopSignal = "SIGINT" | "SIGTERM";

/** Resolves with the first SIGINT or SIGTERM; a second one ends the process at once (exit 130). */
function firstSignal(): Promise<StopSignal> {
  return new Promise((resolve) => {
    const on = (signal: StopSignal) => {
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
      const now = () => process.exit(130);
      process.once("SIGINT", now);
      process.once("SIGTERM", now);
      resolve(signal);
    };
    const onInt = () => on("SIGINT");
    const onTerm = () => on("SIGTERM");
    process.once("SIGINT", onInt);
    process.once("SIGTERM", onTerm);
  });
}

/**
 * Runs the worker until `stop` resolves (by default: the first SIGINT or SIGTERM); resolves to the exit code:
 * 130 after SIGINT, 0 after SIGTERM (the ordinary end of a service). Bad options or an unusable Redis URL are
 * an InputError (exit 2).
 */
export async function workerCommand(raw: RawWorkerOptions, io: CliIo, stop?: Promise<StopSignal>): Promise<number> {
  const { parseQueueUrl } = await import("../queue/url.js");
  const { parsePrefix } = await import("../queue/names.js");
  const problems: string[] = [];
  const url = parseQueueUrl(raw.queue, problems);
  const prefix = parsePrefix(raw.queuePrefix, problems);
  const threads = parseThreads(raw.threads, problems) ?? Math.min(availableParallelism(), MAX_THREADS);
  if (raw.name !== undefined && !/^[\w.@/:-]{1,100}$/.test(raw.name)) {
    problems.push(`--name must be 1 to 100 letters, digits or . @ / : - _ (received ${formatValue(raw.name)})`);
  }
  if (problems.length > 0 || !url) throw new InputError(problems);
  const { queueTuning } = await import("../queue/tuning.js");
  const { QueueWorker } = await import("../queue/worker.js");
  const tuning = queueTuning();
  const log = (line: string) => void (raw.quiet || io.stderr.write(`${line}\n`));
  const stopped = stop ?? firstSignal();
  const worker = await QueueWorker.start({ url, prefix, threads, name: raw.name, tuning, log, verbose: raw.verbose });
  log(
    `worker ${worker.name}: taking the batches of runs queued on ${url.shown} (prefix ${prefix}), ${threads} thread${threads === 1 ? "" : "s"}; Ctrl-C stops it`,
  );
  const signal = await stopped;
  log(`worker ${worker.name}: stopping (${signal}): finishing the batches under way`);
  await worker.stop();
  return signal === "SIGINT" ? 130 : 0;
}
