// Progress on stderr: a bar on a terminal, a plain line every few seconds otherwise, nothing with --quiet.
import cliProgress from "cli-progress";
import type { Progress } from "../mc/run.js";
import type { Output } from "./io.js";

export interface ProgressSink {
  update(p: Progress): void;
  stop(): void;
}

const QUIET: ProgressSink = { update() {}, stop() {} };

function rate(p: Progress): string {
  const perSecond = p.elapsedMs > 0 ? (p.done * 1000) / p.elapsedMs : 0;
  const eta = perSecond > 0 ? (p.total - p.done) / perSecond : NaN;
  return `${Math.round(perSecond).toLocaleString("en-US")} paths/s, ETA ${Number.isFinite(eta) ? `${eta.toFixed(0)} s` : "?"}`;
}

export function progressSink(stderr: Output, quiet: boolean): ProgressSink {
  if (quiet) return QUIET;
  if (stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: "{bar} {percentage}% | {value}/{total} paths | {rate}", hideCursor: true, stream: stderr as NodeJS.WriteStream },
      cliProgress.Presets.shades_classic,
    );
    let begun = false;
    return {
      update(p) {
        if (!begun) {
          bar.start(p.total, 0, { rate: "" });
          begun = true;
        }
        bar.update(p.done, { rate: rate(p) });
      },
      stop() {
        if (begun) bar.stop();
      },
    };
  }
  let last = -Infinity;
  return {
    update(p) {
      if (p.elapsedMs - last < 5000 && p.done < p.total) return;
      last = p.elapsedMs;
      stderr.write(`progress: ${p.done}/${p.total} paths, ${rate(p)}\n`);
    },
    stop() {},
  };
}
