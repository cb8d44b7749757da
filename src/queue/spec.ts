// What a coordinator publishes about its run for the workers: a small spec in the registry (what the run is,
// which engine build computes it) and the scenario inputs themselves (the resolved scenario and the data of the
// files it names, never a file path), from which a worker rebuilds exactly the engine setup the coordinator has.
import { deserialize, serialize } from "node:v8";
import type { ScenarioInputs } from "../config/scenario.js";
import { ABI_VERSION } from "../engine/layout.js";
import type { EngineKind } from "../mc/batch.js";
import { kernelHash } from "../mc/records-hash.js";
import { scenarioHash } from "../mc/run.js";
import { VERSION } from "../version.js";
import type { RunIdentity } from "./names.js";

export interface RunSpec extends RunIdentity {
  queue: string;
  /** The scenario's name and path count, for the workers' log lines. */
  name: string;
  engine: EngineKind;
}

/** This build's engine version, as summary.json's engineVersion. */
export function engineVersion(): string {
  return `${VERSION}+abi${ABI_VERSION}`;
}

/** The identity fields that name the engine build: cascade's version, the ABI, the wasm kernel's SHA-256. */
export function engineBuild(kind: EngineKind): Pick<RunIdentity, "engineVersion" | "kernelSha256"> {
  return { engineVersion: engineVersion(), ...(kind === "wasm" ? { kernelSha256: kernelHash() } : {}) };
}

/**
 * Why this process cannot compute the run's batches (another cascade version or kernel build: its records
 * could differ from the coordinator's), or undefined when it can.
 */
export function incompatibility(spec: RunSpec): string | undefined {
  const mine = engineBuild(spec.engine);
  if (spec.engineVersion !== mine.engineVersion)
    return `it needs engine ${spec.engineVersion}, this worker has ${mine.engineVersion}`;
  if (spec.kernelSha256 !== mine.kernelSha256)
    return `it needs the wasm kernel ${spec.kernelSha256?.slice(0, 16)}…, this worker has ${mine.kernelSha256?.slice(0, 16)}…`;
  return undefined;
}

export function encodeSpec(spec: RunSpec): string {
  return JSON.stringify(spec);
}

/** A registry entry as a spec, or undefined when it is not one this version understands. */
export function decodeSpec(text: string): RunSpec | undefined {
  try {
    const v = JSON.parse(text) as Partial<RunSpec>;
    const ok =
      typeof v.queue === "string" &&
      typeof v.scenarioHash === "string" &&
      typeof v.seed === "number" &&
      (v.engine === "wasm" || v.engine === "ts") &&
      typeof v.firstPath === "number" &&
      typeof v.endPath === "number" &&
      typeof v.batchSize === "number" &&
      typeof v.engineVersion === "string";
    return ok ? (v as RunSpec) : undefined;
  } catch {
    return undefined;
  }
}

/** The scenario inputs as bytes (the structured-clone format worker threads use: typed arrays survive). */
export function encodeInputs(inputs: ScenarioInputs): Buffer {
  return serialize(inputs);
}

/** The inputs back, checked against the run's scenario hash: what arrives is exactly what the coordinator ran. */
export function decodeInputs(bytes: Buffer, expectedHash: string): ScenarioInputs {
  const inputs = deserialize(bytes) as ScenarioInputs;
  const hash = scenarioHash(inputs);
  if (hash !== expectedHash)
    throw new Error(`the run's scenario inputs hash to ${hash.slice(0, 16)}…, its spec says ${expectedHash.slice(0, 16)}…`);
  return inputs;
}
