// The published figures of the Mango Markets attack of 2022-10-11, as inputs, each with where it was published.
// Figures are the reported ones; the spot order book is illustrative (not reconstructed from chain data) and says so.
import type { ManipulationConfigInput } from "./config.js";
import { geometricAskLadder } from "./spot-book.js";
import { MANGO_V4_MIN_UPDATE_SECONDS } from "./stable-price.js";

/**
 * Sources (all retrieved as stored copies; quoted figures only):
 * - CertiK, "Mango Market Incident Analysis" (2022-11-21): account A funded with 5M USDC offered 483mm MNGO-PERP;
 *   account B bought them "at a price of $0.0382 per unit"; the price was moved to $0.91; loss $116M.
 * - perpprotocol.mirror.xyz, "Dissecting the Mango Markets Exploit": two wallets funded with ~$5M each, "a further
 *   ~$3 million was used to manipulate spot markets", ~483 million MNGO-PERP, ~$0.04 → high of $0.91, ~$116M
 *   siphoned; the oracle was "a simple median price from just three exchanges".
 * - CFTC v. Avraham Eisenberg (complaint filed 2023-01-09, S.D.N.Y.; as reported by Willkie Farr & Gallagher and
 *   financialregnews.com): "over $110 million" obtained; MNGO "jumped over 13-fold during a 30-minute span" on the
 *   three exchanges that were the oracle's inputs.
 * - Reported withdrawals range from ~$110M (CFTC) to ~$114M–$117M (press, InsurAce, CertiK): the attacker took
 *   "all available liquidity" (CertiK), so the haul was capped by the pools, ~$115M, not by the account's health.
 */
export const MANGO_2022_10_11_FIGURES = {
  /** MNGO-PERP units bought by account B from account A (CertiK; perpprotocol). */
  perpSize: 483_000_000,
  /** Entry price of the long, USD per MNGO (CertiK: "$0.0382 per unit"). */
  entryPrice: 0.0382,
  /** The oracle's peak, USD per MNGO (CertiK; perpprotocol: "high of $0.91"). */
  peakOraclePrice: 0.91,
  /** USDC deposited in each of the two accounts (CertiK; perpprotocol: "~$5 million each"). */
  collateralPerAccount: 5_000_000,
  /** Spot spent pushing the price (perpprotocol: "~$3 million"). */
  spotSpend: 3_000_000,
  /** What the lending pools held and the attacker withdrew: ~$110M–$117M reported; the midpoint used. */
  poolLiquidity: 115_000_000,
  /** The manipulation window (CFTC: "13-fold during a 30-minute span"). */
  windowSeconds: 30 * 60,
} as const;

const F = MANGO_2022_10_11_FIGURES;

/** Illustrative thin book: 100 geometric ask levels from entry to peak, sized so walking it costs `spotSpend`. */
const ILLUSTRATIVE_LEVELS = 100;

/**
 * The attack as it ran on Mango v3: positive unrealised PnL counted at weight 1, oracle = the thin spot's last trade
 * with no band and no lag, USDC collateral and borrows at weight 1. One spot venue stands for the oracle's three
 * (the attacker pushed all of them, so their median moved with each). Steps are Mango v4's 10 s update interval,
 * over the CFTC's 30-minute window, so the stable-price variants run on the same clock.
 * The pool is set to the reported ~$115M; tests that need the uncapped haul override `pool.liquidity`.
 */
export const MANGO_2022_10_11: ManipulationConfigInput = {
  steps: F.windowSeconds / MANGO_V4_MIN_UPDATE_SECONDS,
  perp: { size: F.perpSize, entryPrice: F.entryPrice },
  attacker: { collateral: F.collateralPerAccount, spotBudget: F.spotSpend, targetPrice: F.peakOraclePrice },
  counterparty: { collateral: F.collateralPerAccount, ownedByAttacker: true },
  spot: {
    venues: [
      {
        lastTradePrice: F.entryPrice,
        asks: geometricAskLadder(F.entryPrice, F.peakOraclePrice, ILLUSTRATIVE_LEVELS, F.spotSpend / ILLUSTRATIVE_LEVELS),
      },
    ],
  },
  oracle: { lagSteps: 0 },
  margin: { collateralWeight: 1, positivePnlWeight: 1, liabilityWeight: 1 },
  pool: { liquidity: F.poolLiquidity },
};
