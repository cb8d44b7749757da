// What a liquidation mechanism is on the host: one descriptor holding its `liquidation` block of the scenario schema,
// the writer of its parameter slots (the kernel's P.*), and its translation of a venue preset into scenario keys.
// src/config/mechanisms/index.ts lists them; the schema (src/config/schema.ts), the setup (src/engine/setup.ts) and
// the venue overlay (src/venues/scenario-overlay.ts) assemble that list instead of naming each mechanism.
import type { z } from "zod";
import type { Preset } from "../presets.js";
import type { LIQUIDATION_ENGINE } from "../../engine/layout.js";

/** A liquidation.engine value: the kernel's enum (src/engine/layout.ts) names every engine it runs. */
export type LiquidationEngine = keyof typeof LIQUIDATION_ENGINE;

/** What a parameter writer reads besides its own block. */
export interface RunContext {
  engine: LiquidationEngine;
  stepSeconds: number;
}

/** A mechanism's part of a venue preset's design, in scenario keys (src/venues/scenario-overlay.ts lays them out). */
export interface PresetPart {
  /** The engine the venue runs when the mechanism says so (Hyperliquid's vault makes it `backstop`). */
  engine?: LiquidationEngine;
  /** liquidation.feeRate, where the mechanism's own penalty is the venue's whole fee (Maker's chop, Aave's bonus). */
  feeRate?: number;
  /** The mechanism's block under `liquidation`. */
  block?: Record<string, unknown>;
}

/**
 * One scenario key a venue decides. `value` undefined: the venue has no such thing, so the scenario's is dropped
 * (`why` says why). `whole`: a mapping that replaces the scenario's whole (its keys depend on each other: a fee
 * schedule's kind, a mark's model); otherwise a mapping's keys are laid over the scenario's one by one, and keys the
 * venue does not state (an auction's keepers, the vault's unwinding) stay the scenario's.
 */
export interface DesignKey {
  path: readonly string[];
  value?: unknown;
  whole?: boolean;
  why?: string;
  /** For a key the venue has none of: the scenario's value stays when this says so (`out`: the scenario so far). */
  keep?: (before: unknown, out: Record<string, unknown>) => boolean;
}

/** A mechanism's own block of `liquidation` (`liquidation.auction`, …). */
export interface EngineBlock<K extends string, S extends z.ZodType> {
  key: K;
  schema: S;
  /** The engines that read it: given with any other engine, the block is refused. */
  readBy: readonly LiquidationEngine[];
  /** With its engine chosen and the block absent, the resolved scenario holds the block's defaults (what it ran with). */
  defaultsWhenChosen: boolean;
}

/** A liquidation engine (liquidation.engine) and what the host knows of it. */
export interface LiquidationMechanism {
  engine: LiquidationEngine;
  block?: EngineBlock<string, z.ZodType>;
  /** The venue preset sections the engine needs, any one of them (src/venues/schema.ts checks a preset has one). */
  presetSections: readonly string[];
  /** Writes the mechanism's P.* slots (every engine's writer runs: it writes its neutral values when not chosen). */
  writeParams(params: Float64Array, block: unknown, run: RunContext): void;
  /** Its part of a venue preset's design; undefined: the preset has none of it. */
  fromPreset(preset: Preset, stepSeconds: number): PresetPart | undefined;
}

/** A mechanism with a block: the writer reads the block as its schema outputs it. */
export interface BlockMechanism<E extends LiquidationEngine, K extends string, S extends z.ZodType> extends LiquidationMechanism {
  engine: E;
  block: EngineBlock<K, S>;
  writeParams(params: Float64Array, block: z.output<S> | undefined, run: RunContext): void;
}

/**
 * Declares a mechanism with a block, keeping its engine, key and schema types (the scenario's type is inferred from
 * them; the registry checks every engine of the kernel's enum has a descriptor).
 */
export function withBlock<const E extends LiquidationEngine, const K extends string, S extends z.ZodType>(
  m: BlockMechanism<E, K, S>,
): BlockMechanism<E, K, S> {
  return m;
}
