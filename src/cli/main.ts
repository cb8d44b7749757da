#!/usr/bin/env node
// The `cascade` binary: everything but setting the exit code lives in program.ts, so tests can call main().
import { main } from "./program.js";

// `cascade presets | head` closes stdout early: that is the reader's choice, not a crash.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw err;
});

// Node's own warnings ("(node:PID) …") are for the developers of this tool, not its users: with
// CASCADE_DEBUG set they are printed as they come, otherwise not at all.
process.removeAllListeners("warning");
process.on("warning", (warning) => {
  if (process.env.CASCADE_DEBUG) process.stderr.write(`${warning.stack ?? warning.message}\n`);
});

process.exitCode = await main(process.argv.slice(2));
