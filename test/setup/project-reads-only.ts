// Every test file runs with this guard: a read of a file outside the project (and outside the system's temp
// directory, where tests write their outputs) throws. A fresh clone has nothing beside it, so a test that
// reads a sibling folder passes on a developer's machine and fails on a user's: this makes it fail here too.
import fs from "node:fs";
import { syncBuiltinESMExports } from "node:module";
import os from "node:os";
import { resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const PROJECT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const ALLOWED = [PROJECT, resolve(os.tmpdir()), "/dev/null"];
// The folders beside the checkout on a developer's or CI's machine and never on a user's: denied even when the
// checkout itself lies in the temp directory (as a fresh clone in /tmp does).
const DENIED = ["shared", ".library"].map((name) => resolve(PROJECT, "..", name));

/** True when `path` (a string, URL or Buffer; descriptors pass) lies under the project or the temp directory. */
export function readAllowed(path: unknown): boolean {
  if (typeof path === "number") return true;
  let p: string;
  if (path instanceof URL) p = fileURLToPath(path);
  else if (Buffer.isBuffer(path)) p = path.toString();
  else if (typeof path === "string") p = path;
  else return true;
  const abs = resolve(p);
  const under = (root: string) => abs === root || abs.startsWith(root + sep);
  return ALLOWED.some(under) && !DENIED.some(under);
}

export class OutsideReadError extends Error {}

function guard<F extends (...args: never[]) => unknown>(name: string, fn: F): F {
  return function (this: unknown, ...args: Parameters<F>) {
    if (!readAllowed(args[0])) throw new OutsideReadError(`test read outside the project: ${name}(${String(args[0])})`);
    return fn.apply(this, args);
  } as F;
}

const g = globalThis as { __projectReadsGuarded?: boolean };
if (!g.__projectReadsGuarded) {
  g.__projectReadsGuarded = true;
  fs.readFileSync = guard("readFileSync", fs.readFileSync);
  fs.openSync = guard("openSync", fs.openSync);
  fs.createReadStream = guard("createReadStream", fs.createReadStream);
  fs.readFile = guard("readFile", fs.readFile);
  fs.promises.readFile = guard("promises.readFile", fs.promises.readFile);
  fs.promises.open = guard("promises.open", fs.promises.open);
  // named imports (`import { readFileSync } from "node:fs"`, as src/ does) see the guarded functions too
  syncBuiltinESMExports();
}
