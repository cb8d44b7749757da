// The pure-TypeScript reference engine, by the path its users import it from: the engine is src/engine/cascade.ts
// (the step loop) and the concerns beside it (state.ts, price.ts, ledger.ts, loss-allocation.ts, adl.ts, rounds.ts,
// triggers/, mechanisms/, flow-step.ts), file for file as the kernel in assembly/.

export { ReferenceEngine, amplification } from "./cascade.js";
export type { Ledger } from "./ledger.js";
export type { AdlEvent, AuctionEvent, FlowEvent, FlowStepEvent, LiquidationEvent, SocializedLossEvent } from "./state.js";
