// Reading a file the user names (a scenario, a sweep, a margin request, a data file): only a regular
// file is ever opened, and only up to a size cap checked before reading. A FIFO, a device (/dev/zero,
// /dev/urandom), a socket or a directory is refused from its stat, never opened, so nothing blocks and nothing
// reads without end; every OS error becomes a reason in words. Nothing here quotes a file's contents.
import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from "node:fs";

export const MiB = 1024 * 1024;
/** Scenario, sweep and margin request files: YAML or JSON a person writes (the largest shipped is < 10 KiB). */
export const CONFIG_FILE_CAP = 4 * MiB;
/** Data files a scenario names (positionsFile, snapshotFile, returnsFile): about 1.5 million position rows. */
export const DATA_FILE_CAP = 64 * MiB;

/** Why a file could not be read: `expected` completes "must name …" / "must be …", `why` is the received part. */
export interface ReadRefusal {
  expected: "a readable file" | "a regular file" | `a file of at most ${string}`;
  why: string;
}

export type ReadOutcome = { text: string } | { refusal: ReadRefusal };

const ERRNO_WORDS: Record<string, string> = {
  ENOENT: "no such file",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EISDIR: "a directory",
  ENOTDIR: "a path through something that is not a directory",
  ELOOP: "too many levels of symbolic links",
  ENAMETOOLONG: "a name too long for the file system",
  EIO: "an I/O error",
  EMFILE: "too many open files",
  ENFILE: "too many open files",
  ENXIO: "no such device",
  ENODEV: "no such device",
  EBUSY: "the file is busy",
  EOVERFLOW: "too large to read",
  EAGAIN: "the file is not ready (it would block)",
  ERR_INVALID_ARG_VALUE: "an invalid path (it contains a NUL byte)",
  ERR_INVALID_ARG_TYPE: "an invalid path",
};

/** An OS error as a few words: the errno's meaning, never the error's message (which repeats the path). */
export function errnoWords(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === "string") return ERRNO_WORDS[code] ?? `error ${code}`;
  return "an unreadable path";
}

/** What a non-regular file is, from its stat. */
export function fileKind(st: Stats): string {
  if (st.isDirectory()) return "a directory";
  if (st.isFIFO()) return "a FIFO (named pipe)";
  if (st.isCharacterDevice()) return "a character device";
  if (st.isBlockDevice()) return "a block device";
  if (st.isSocket()) return "a socket";
  if (st.isSymbolicLink()) return "a symbolic link";
  return "not a regular file";
}

/** 64 MiB, 4 MiB, 1.5 KiB: a byte count as people read it. */
export function byteText(bytes: number): string {
  const units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  if (unit === 0) return `${bytes} bytes`;
  return `${Number.isInteger(value) ? value : value.toFixed(1)} ${units[unit]}`;
}

/**
 * A path as a message shows it: control characters escaped (the line stays one line), a long path cut in the
 * middle. It names the path the user gave; it is not the file's content.
 */
export function pathText(path: string): string {
  // eslint-disable-next-line no-control-regex
  let text = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(path) ? JSON.stringify(path).slice(1, -1) : path;
  if (text.length > 200) text = `${text.slice(0, 120)}…${text.slice(-60)}`;
  return text;
}

const CHUNK = 64 * 1024;
const NON_BLOCKING = typeof constants.O_NONBLOCK === "number" ? constants.O_NONBLOCK : 0;

/**
 * The text of the regular file at `path` (UTF-8), or why it cannot be read. `stat` comes first and anything but
 * a regular file is refused before it is opened; the open itself is non-blocking and checked again with fstat (a
 * FIFO swapped in between is refused, not waited on); the size is checked against `cap` before reading, and the
 * read stops past `cap` (a file that grows, or a /proc file that reports size 0).
 */
export function readInputText(path: string, cap: number): ReadOutcome {
  const tooLarge = (size: string): ReadOutcome => ({ refusal: { expected: `a file of at most ${byteText(cap)}`, why: size } });
  let st: Stats;
  try {
    st = statSync(path);
  } catch (err) {
    return { refusal: { expected: "a readable file", why: errnoWords(err) } };
  }
  if (!st.isFile()) return { refusal: { expected: "a regular file", why: fileKind(st) } };
  if (st.size > cap) return tooLarge(byteText(st.size));
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | NON_BLOCKING);
  } catch (err) {
    return { refusal: { expected: "a readable file", why: errnoWords(err) } };
  }
  try {
    const again = fstatSync(fd);
    if (!again.isFile()) return { refusal: { expected: "a regular file", why: fileKind(again) } };
    if (again.size > cap) return tooLarge(byteText(again.size));
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.min(CHUNK, cap + 1 - total));
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      chunks.push(n === buf.length ? buf : buf.subarray(0, n));
      total += n;
      if (total > cap) return tooLarge(`more than ${byteText(cap)}`);
    }
    return { text: Buffer.concat(chunks, total).toString("utf8") };
  } catch (err) {
    return { refusal: { expected: "a readable file", why: errnoWords(err) } };
  } finally {
    try {
      closeSync(fd);
    } catch {
      // nothing to do: the read is over
    }
  }
}
