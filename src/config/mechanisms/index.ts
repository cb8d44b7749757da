// The liquidation mechanisms the host knows, one descriptor each (mechanism.ts says what a descriptor holds). Adding
// an engine on the host: its descriptor file here and one entry in LIQUIDATION_MECHANISMS; the kernel's enum value
// and slots are in src/engine/layout.ts. The schema, src/engine/setup.ts and src/venues/scenario-overlay.ts read
// this list; none of them names an engine.
import type { z } from "zod";
import { backstop } from "./backstop.js";
import { closeFactor } from "./close-factor.js";
import { dutchAuction } from "./dutch-auction.js";
import { market } from "./market.js";
import type { EngineBlock, LiquidationEngine, LiquidationMechanism, RunContext } from "./mechanism.js";
import { partial } from "./partial.js";

export type { LiquidationEngine, LiquidationMechanism } from "./mechanism.js";

/** In the order of liquidation.engine's values and of the `liquidation` blocks in the schema (and the docs). */
export const LIQUIDATION_MECHANISMS = [market, partial, dutchAuction, backstop, closeFactor] as const;

/** Every engine the kernel's enum names has a descriptor (a type error names the one missing). */
type Missing = Exclude<LiquidationEngine, (typeof LIQUIDATION_MECHANISMS)[number]["engine"]>;
const everyEngineDescribed: [Missing] extends [never] ? true : Missing = true;
void everyEngineDescribed;

/** The registry as descriptors of one type, to iterate over. */
export const MECHANISMS: readonly LiquidationMechanism[] = LIQUIDATION_MECHANISMS;

/** liquidation.engine's values, in the registry's order (the problem line of a bad engine lists them so). */
export const LIQUIDATION_ENGINES: readonly LiquidationEngine[] = MECHANISMS.map((m) => m.engine);

type WithBlock = Extract<(typeof LIQUIDATION_MECHANISMS)[number], { block: EngineBlock<string, z.ZodType> }>;
/** The engine blocks of `liquidation` as schema keys, each optional: `{ partial: …, auction: …, … }`. */
export type EngineBlocksShape = { [M in WithBlock as M["block"]["key"]]: z.ZodOptional<M["block"]["schema"]> };

export function engineBlocksShape(): EngineBlocksShape {
  return Object.fromEntries(
    MECHANISMS.flatMap((m) => (m.block ? [[m.block.key, m.block.schema.optional()]] : [])),
  ) as EngineBlocksShape;
}

/** Each engine block of `liquidation` with the engines that read it (a block with another engine is refused). */
export const ENGINE_BLOCKS: readonly (readonly [keyof EngineBlocksShape, readonly LiquidationEngine[]])[] = MECHANISMS.flatMap(
  (m) => (m.block ? [[m.block.key as keyof EngineBlocksShape, m.block.readBy] as const] : []),
);

/**
 * The chosen engine's own block gets its defaults when absent, so that the resolved scenario shows every value it
 * runs with. The blocks are the last keys of `liquidation`, in registry order, so an added block lands where the
 * schema has it.
 */
export function withChosenEngineDefaults<L extends { engine: LiquidationEngine }>(liq: L): L {
  const chosen = MECHANISMS.find((m) => m.engine === liq.engine)?.block;
  if (!chosen?.defaultsWhenChosen || (liq as Record<string, unknown>)[chosen.key] !== undefined) return liq;
  return { ...liq, [chosen.key]: chosen.schema.parse({}) };
}

/** Every mechanism's P.* slots (src/engine/setup.ts). */
export function writeMechanismParams(params: Float64Array, liq: object, run: RunContext): void {
  for (const m of MECHANISMS) m.writeParams(params, m.block ? (liq as Record<string, unknown>)[m.block.key] : undefined, run);
}

/** The venue preset sections engine `engine` needs, any one of them (src/venues/schema.ts). */
export function presetSectionsOf(engine: string): readonly string[] {
  return MECHANISMS.find((m) => m.engine === engine)?.presetSections ?? [];
}
