// The suite needs nothing outside the repository (a fresh clone has nothing beside it).
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { OutsideReadError, readAllowed } from "../setup/project-reads-only.js";

const TEST_DIR = fileURLToPath(new URL("..", import.meta.url));
const PROJECT = resolve(TEST_DIR, "..");

function sourcesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === "fixtures" ? [] : sourcesUnder(p);
    return /\.(ts|mjs|js)$/.test(e.name) ? [p] : [];
  });
}

describe("tests read only what the repository holds", () => {
  it("a read of a sibling folder of the project throws in every test file (the guard is installed)", () => {
    const sibling = resolve(PROJECT, "..", "shared", "data", "README.md");
    expect(readAllowed(sibling)).toBe(false);
    expect(() => readFileSync(sibling)).toThrow(OutsideReadError);
    expect(() => readFileSync("/etc/hostname")).toThrow(OutsideReadError);
  });

  it("files of the project and of the temp directory may be read", () => {
    expect(readAllowed(join(PROJECT, "package.json"))).toBe(true);
    expect(readAllowed(new URL("../../package.json", import.meta.url))).toBe(true);
    expect(readFileSync(join(PROJECT, "package.json"), "utf8")).toContain("margin-cascade");
  });

  it("no test, helper or bench names a folder outside the repository", () => {
    const files = [...sourcesUnder(TEST_DIR), ...sourcesUnder(join(PROJECT, "bench"))];
    const offenders = files.filter((f) => /\.\.\/(\.\.\/)*shared\b/.test(readFileSync(f, "utf8").replace(/\/\/.*$/gm, "")));
    expect(offenders).toEqual([]);
  });
});
