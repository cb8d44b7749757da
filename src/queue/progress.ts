// Progress of a queue run on stderr: paths written in order, and what the workers have computed (batches, and
// how many workers took part). A bar on a terminal, a plain line every few seconds otherwise, nothing with --quiet.
import cliProgress from "cli-progress";
import type { Output } from "../cli/io.js";
import type { ProgressSink } from "../cli/progress.js";
import type { Progress } from "../mc/run.js";
import type { QueueProgress } from "./coordinator.js";

function rate(p: Progress): string {
  const perSecond = p.elapsedMs > 0 ? (p.done * 1000) / p.elapsedMs : 0;
  const eta = perSecond > 0 ? (p.total - p.done) / perSecond : NaN;
  return `${Math.round(perSecond).toLocaleString("en-US")} paths/s, ETA ${Number.isFinite(eta) ? `${eta.toFixed(0)} s` : "?"}`;
}

function workers(p: QueueProgress): string {
  if (p.batches === undefined) return "waiting for workers";
  const who = p.workers === 1 ? "1 worker" : `${p.workers ?? 0} workers`;
  return `${p.computed ?? 0}/${p.batches} batches computed by ${who}`;
}

export function queueProgressSink(stderr: Output, quiet: boolean): ProgressSink {
  if (quiet) return { update() {}, stop() {} };
  if (stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        format: "{bar} {percentage}% | {value}/{total} paths written | {workers} | {rate}",
        hideCursor: true,
        stream: stderr as NodeJS.WriteStream,
      },
      cliProgress.Presets.shades_classic,
    );
    let begun = false;
    return {
      update(p: QueueProgress) {
        if (!begun) {
          bar.start(p.total, 0, { rate: "", workers: "" });
          begun = true;
        }
        bar.update(p.done, { rate: rate(p), workers: workers(p) });
      },
      stop() {
        if (begun) bar.stop();
      },
    };
  }
  let last = -Infinity;
  return {
    update(p: QueueProgress) {
      if (p.elapsedMs - last < 5000 && p.done < p.total) return;
      last = p.elapsedMs;
      stderr.write(`progress: ${p.done}/${p.total} paths written, ${workers(p)}, ${rate(p)}\n`);
    },
    stop() {},
  };
}
