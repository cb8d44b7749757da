// Oracle manipulation: thin spot books, the oracle built on them, Mango v4's stable price, and the attack.
export {
  type ManipulationConfig,
  type ManipulationConfigInput,
  manipulationConfigSchema,
  parseManipulationConfig,
} from "./config.js";
export { borrowCapacity, initHealth, type MarginAccount, type MarginWeights, unrealisedPnl } from "./health.js";
export { MANGO_2022_10_11, MANGO_2022_10_11_FIGURES } from "./mango-2022-10-11.js";
export { type ManipulationResult, type ManipulationStep, simulateManipulation } from "./manipulation.js";
export { type BandMode, median, OracleFeed, type OracleOptions, type OracleUpdateStatus, type PriceBand } from "./oracle.js";
export { type AskLevel, geometricAskLadder, SpotBook, type SpotFill } from "./spot-book.js";
export {
  MANGO_V4_MIN_UPDATE_SECONDS,
  MANGO_V4_STABLE_GROWTH_PER_SECOND,
  StablePrice,
  type StablePriceOptions,
} from "./stable-price.js";
