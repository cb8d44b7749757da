// Finds and compiles the kernel's .wasm once per process; the compiled WebAssembly.Module is what a
// worker receives (it is cloneable), so no worker compiles it again.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export type KernelBuild = "release" | "debug";

/** build/ sits at the package root; this file is at src/kernel/ (vitest) or dist/kernel/ (after tsc). */
export function kernelPath(build: KernelBuild = "release"): string {
  const file = build === "release" ? "kernel.wasm" : "kernel.debug.wasm";
  return fileURLToPath(new URL(`../../build/${file}`, import.meta.url));
}

const compiled = new Map<KernelBuild, WebAssembly.Module>();

export function kernelModule(build: KernelBuild = "release"): WebAssembly.Module {
  let mod = compiled.get(build);
  if (!mod) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(kernelPath(build));
    } catch {
      throw new Error(`the WASM kernel is not built (${kernelPath(build)} is missing): run \`npm run build\``);
    }
    mod = new WebAssembly.Module(new Uint8Array(bytes));
    compiled.set(build, mod);
  }
  return mod;
}
