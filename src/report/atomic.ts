// How every output file is written, and what an error on the output path looks like.
//
// - A whole file is written to a temp file in the same directory, created exclusively (O_CREAT|O_EXCL, and
//   O_NOFOLLOW: a name planted there, a symbolic link included, is never opened), synced, then renamed over the
//   target: a rename within one filesystem is atomic and replaces a symbolic link at the final name instead of
//   following it. A reader never sees half a file; on failure the temp file is removed.
// - A streamed file (paths.csv.partial, paths.parquet.partial) is created the same way by `createExclusive`: what
//   was at that name (a stale file, a planted link) is unlinked first, never followed or truncated.
// - An OS error on the output path (EACCES, ENOSPC, EROFS, a file where a directory should be, …) becomes an
//   OutputError: bad input (exit 2), one line naming the path, never "please report".
// - Directories are created by `ensureDir`, one level at a time: Node's mkdir({ recursive: true }) loops forever
//   on some paths (`/proc/nope`: ENOENT for the child while the parent exists), this fails at once.
import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { lstat, mkdir, open, rename, rm, stat, unlink, type FileHandle } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { InputError } from "../config/errors.js";

const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW, O_RDONLY, O_RDWR } = constants;

/** Flags of a new output file: created here and now (never an existing one), never through a link. */
export const CREATE_EXCLUSIVE = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW;
/** Flags for reading a file of a run directory without following a symbolic link at its name. */
export const READ_NOFOLLOW = O_RDONLY | O_NOFOLLOW;
/** Flags for reopening a file of a run directory (resume) without following a symbolic link at its name. */
export const RDWR_NOFOLLOW = O_RDWR | O_NOFOLLOW;

/** An OS error on the output path: bad input (exit 2), one line naming the path. */
export class OutputError extends InputError {
  constructor(
    message: string,
    readonly path: string,
    readonly code?: string,
  ) {
    // one line, whatever the path holds (a newline in a directory name would split it)
    super([message.replace(/[\u0000-\u001f\u007f]/g, (c) => JSON.stringify(c).slice(1, -1))]);
    this.name = "OutputError";
  }
}

/** "no space left on device (ENOSPC)" from a Node errno error, without the path Node appends. */
export function describeErrno(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const code = typeof e?.code === "string" ? e.code : undefined;
  const m = typeof e?.message === "string" ? /^[A-Z0-9_]+: ([^,]+)/.exec(e.message) : null;
  const text = m ? m[1] : code ? "failed" : String((err as Error)?.message ?? err).split("\n")[0];
  return code ? `${text} (${code})` : text;
}

/** True for an error from the OS (it has an errno code such as ENOSPC), not a bug. */
export function isErrno(err: unknown): err is NodeJS.ErrnoException {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === "string" && /^E[A-Z0-9]+$/.test(code);
}

/**
 * `err` as an OutputError naming `path` when it is an OS error (`doing` says what failed: "write", "create the
 * directory", …); InputErrors and bugs pass through unchanged.
 */
export function outputError(err: unknown, path: string, doing = "write"): unknown {
  if (err instanceof InputError || !isErrno(err)) return err;
  return new OutputError(`cannot ${doing} ${path}: ${describeErrno(err)}`, path, err.code);
}

/**
 * Creates `dir` and its missing parents, one level at a time, and fails at once with an OutputError naming the
 * path when it cannot (a file in the way, no permission, a read-only or pseudo filesystem). An existing
 * directory (or a link to one, which is the caller's choice of --out) is fine.
 */
export async function ensureDir(dir: string): Promise<void> {
  const missing: string[] = [];
  for (let p = resolve(dir); ; ) {
    try {
      const st = await stat(p);
      if (!st.isDirectory()) {
        throw new OutputError(
          p === resolve(dir)
            ? `${dir} must be a directory to write outputs into (received a file)`
            : `cannot create ${dir}: ${p} is not a directory`,
          p,
          "ENOTDIR",
        );
      }
      break;
    } catch (err) {
      if (err instanceof OutputError) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOTDIR") throw new OutputError(`cannot create ${dir}: a component of the path is a file`, dir, code);
      if (code !== "ENOENT") throw outputError(err, dir, "create the directory");
      missing.push(p);
      const parent = dirname(p);
      if (parent === p) throw new OutputError(`cannot create ${dir}: its root does not exist`, dir, code);
      p = parent;
    }
  }
  for (const p of missing.reverse()) {
    try {
      await mkdir(p); // one level, never recursive: it cannot loop
    } catch (err) {
      if (
        (err as NodeJS.ErrnoException).code === "EEXIST" &&
        (await stat(p).then(
          (s) => s.isDirectory(),
          () => false,
        ))
      )
        continue;
      throw outputError(err, p === resolve(dir) ? dir : p, "create the directory");
    }
  }
}

/** Removes whatever is at `path` (a file or a link, never what a link points to); nothing there is fine. */
export async function removeEntry(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return;
    throw outputError(err, path, "replace");
  }
}

/**
 * Opens a new, empty file at `path` for writing: what was at that name (a stale file, a link planted there)
 * is removed first, and the file is created exclusively without following links, so nothing but this new
 * file is ever written. Another process creating the name in between makes it fail (EEXIST), not follow.
 */
export async function createExclusive(path: string): Promise<FileHandle> {
  await removeEntry(path);
  try {
    return await open(path, CREATE_EXCLUSIVE, 0o644);
  } catch (err) {
    throw outputError(err, path, "create");
  }
}

/** Writes all of `bytes` at `position` (a short write is continued); returns the position after them. */
export async function writeAllAt(fh: FileHandle, bytes: Uint8Array, position: number): Promise<number> {
  let done = 0;
  while (done < bytes.byteLength) {
    const { bytesWritten } = await fh.write(bytes, done, bytes.byteLength - done, position + done);
    if (bytesWritten <= 0) throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
    done += bytesWritten;
  }
  return position + done;
}

/** A temp name next to `target`, unique to this process and call. */
export function tempName(dir: string, name: string): string {
  return join(dir, `.${name}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
}

/**
 * Writes `dir/name` whole or not at all: a temp file created exclusively in the same directory (never through
 * a link), synced, then renamed over the target (which replaces a link there rather than following it).
 * Any OS error is an OutputError naming the target; the temp file is removed.
 */
export async function writeAtomic(dir: string, name: string, text: string | Uint8Array): Promise<string> {
  const target = join(dir, name);
  const tmp = tempName(dir, name);
  let created = false;
  try {
    const fh = await open(tmp, CREATE_EXCLUSIVE, 0o644);
    created = true;
    try {
      await writeAllAt(fh, typeof text === "string" ? Buffer.from(text, "utf8") : text, 0);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, target);
  } catch (err) {
    if (created) await rm(tmp, { force: true }).catch(() => undefined);
    throw outputError(err, target);
  }
  return target;
}

/** What is at `path` without following a link: "file", "link", "dir", "other", or undefined when nothing. */
export async function entryKind(path: string): Promise<"file" | "link" | "dir" | "other" | undefined> {
  try {
    const st = await lstat(path);
    if (st.isFile()) return "file";
    if (st.isSymbolicLink()) return "link";
    if (st.isDirectory()) return "dir";
    return "other";
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw err;
  }
}

/** Words for what was found where a regular file was expected. */
export const KIND_WORDS = { link: "a symbolic link", dir: "a directory", other: "a special file", file: "a file" } as const;

/**
 * Reads a regular file of a run directory as text, never through a link at its name (O_NOFOLLOW). Resolves
 * to undefined when there is nothing at `path`; an InputError naming the path when something other than a
 * regular file is there or it cannot be read. Never echoes the file's contents.
 */
export async function readRegularFile(path: string, maxBytes = 256 << 20): Promise<string | undefined> {
  const kind = await entryKind(path).catch((err: unknown) => {
    throw new InputError([`${path} must be a readable file (received ${describeErrno(err)})`]);
  });
  if (kind === undefined) return undefined;
  if (kind !== "file") throw new InputError([`${path} must be a regular file (received ${KIND_WORDS[kind]})`]);
  let fh: FileHandle;
  try {
    fh = await open(path, READ_NOFOLLOW);
  } catch (err) {
    throw new InputError([`${path} must be a readable file (received ${describeErrno(err)})`]);
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new InputError([`${path} must be a regular file (received something else)`]);
    if (st.size > maxBytes) throw new InputError([`${path} must be at most ${maxBytes} bytes (received ${st.size})`]);
    return await fh.readFile("utf8");
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError([`${path} must be a readable file (received ${describeErrno(err)})`]);
  } finally {
    await fh.close();
  }
}
