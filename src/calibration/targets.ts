// The published figures of the two calibrated crashes, each with the band a calibrated scenario's mean over its paths
// must fall in, and where the figure comes from. This is the one place the bands are stated: the scenario files cite
// the same sources in their comments, test/engine/crash-calibration.test.ts and bench/calibration.mjs read them here.
import type { FigureId } from "./figures.js";

export interface Check {
  figure: FigureId;
  /** Inclusive band for the mean over the paths that define the figure. */
  band: [number, number];
  /** The figure's parameter (liquidatedShareOfFirstLeg: the leg's length in seconds). */
  param?: number;
}

export interface Target {
  id: string;
  /** What was published, in words and numbers. */
  published: string;
  /** URL, title, date. */
  source: string;
  /** Every check must hold for the target to be hit. */
  checks: Check[];
  /** Set when the engine meets the target by construction rather than by calibration: says why. */
  byConstruction?: string;
}

export interface Crash {
  name: string;
  /** The scenario file, relative to the repository. */
  scenario: string;
  /** How many targets the scenario must hit (issue #13: 6 of the 8 for 2025-10-10, all for the second crash). */
  minimumHits: number;
  targets: Target[];
}

const CONEJO = "github.com/ConejoCapital/HyperMultiAssetedADL";

/**
 * Hyperliquid, 2025-10-10, 21:15–21:27 UTC. The fill-level figures come from ConejoCapital's replay of Hyperliquid's
 * node fills (all 162 perpetual markets: 63,637 liquidation fills, $5.51B; 34,983 ADL fills, $2.10B).
 */
export const HYPERLIQUID_2025_10_10: Crash = {
  name: "Hyperliquid, 2025-10-10",
  scenario: "scenarios/2025-10-10-hyperliquid.yaml",
  minimumHits: 6,
  targets: [
    {
      id: "adl-notional",
      published:
        "ADL $2.10B against $5.51B liquidated: 38.1% in aggregate; 34.7% for BTC, 34.6–44.7% across the ten largest markets",
      source: `${CONEJO} docs/analysis/TOTAL_IMPACT_ANALYSIS.md and docs/findings/ADL_PRIORITIZATION_VERIFIED.md ("Total Market Impact Analysis", "ADL Prioritization: Verified with Clearinghouse Data", 2025-11-13)`,
      checks: [{ figure: "adlShareOfLiquidatedNotional", band: [0.3, 0.45] }],
    },
    {
      id: "first-adl",
      published:
        "first liquidation 21:15:03, first ADL 21:16:04 (61.7 s later); 710 of the 63,637 liquidation fills (1.1%) came before it",
      source: `${CONEJO} docs/analysis/CASCADE_TIMING_ANALYSIS.md and analysis_scripts/cascade_timing_results.json ("Cascade Timing Analysis - Liquidations Precede ADL", 2025-11-13)`,
      checks: [
        { figure: "firstAdlDelaySeconds", band: [45, 75] },
        { figure: "fillsBeforeFirstAdl", band: [0.01, 0.025] },
      ],
    },
    {
      id: "busiest-five-minutes",
      published: "61,614 of the 63,637 liquidation fills (96.8%) in the 300 s from the first ADL, from the per-second timeline",
      source: `${CONEJO} analysis_scripts/cascade_timing_results.json (timeline per second, 2025-11-13); the window sum is this project's arithmetic on it`,
      checks: [{ figure: "busiestFiveMinuteShare", band: [0.94, 0.99] }],
    },
    {
      id: "long-share",
      published:
        "83.9% of the day's liquidated notional was long ($8.30B of $9.89B, all venues); 91.1% on Hyperliquid over 4 hours (CoinGlass)",
      source:
        'blog.amberdata.io/how-3.21b-vanished-in-60-seconds-october-2025-crypto-crash-explained-through-7-charts ("How $3.21B Vanished in 60 Seconds", Amberdata, 2025-10); binance.bh/en-AE/square/post/30850840862433 (CoinGlass figures, 2025-10-11)',
      checks: [{ figure: "longShareOfLiquidatedNotional", band: [0.8, 0.92] }],
    },
    {
      id: "partial-adl",
      published: "2,570 of the 34,983 ADL fills (7.35%) closed part of a position",
      source: `${CONEJO} docs/reports/PARTIAL_CLOSURE_VERIFICATION.md ("Partial Closure Verification", 2025-12-07)`,
      checks: [{ figure: "partialAdlShare", band: [0.04, 0.11] }],
    },
    {
      id: "adl-in-profit",
      published: "34,775 of the 34,983 ADL'd positions (99.4%) were in profit",
      source: `${CONEJO} docs/findings/ADL_PRIORITIZATION_VERIFIED.md ("ADL Prioritization: Verified with Clearinghouse Data", 2025-11-13)`,
      checks: [{ figure: "adlInProfitShare", band: [0.99, 1] }],
      byConstruction: "the engine deleverages only positions in profit at the ADL price (the venues' rule), so it measures 100%",
    },
    {
      id: "no-liquidation-after-adl",
      published: "in all 100 blocks with both, every liquidation came before every ADL (no interleaving)",
      source: `${CONEJO} docs/analysis/BATCH_PROCESSING_DISCOVERY.md ("Batch Processing Discovery", 2025-11-13)`,
      checks: [{ figure: "liquidationsAfterAdlInStep", band: [0, 0] }],
      byConstruction: "the engine allocates a step's losses after its cascade rounds (SPEC §3); the hooks check that it does",
    },
    {
      id: "adl-same-market",
      published: "0 of 100 blocks with liquidations and ADL had ADL in another market than the liquidations",
      source: `${CONEJO} docs/findings/PER_ASSET_ISOLATION.md ("Per-Asset Isolation", 2025-11-13)`,
      checks: [{ figure: "adlInOtherMarkets", band: [0, 0] }],
      byConstruction: "a scenario is one market: ADL can only close positions of the market whose liquidation went bankrupt",
    },
  ],
};

const BITMEX_BLOG =
  'blog.bitmex.com/bitmex-insurance-fund-your-questions-answered ("BitMEX Insurance Fund: Your Questions Answered", BitMEX, 2020-03-23)';
const LEDGERPRIME =
  'research.ledgerprime.com/p/cryptos-black-thursday-the-market ("Crypto\'s Black Thursday: the Market Crash of March 2020", LedgerPrime, 2020)';

/** Midnight UTC, 12 → 13 March 2020, from the scenario's start at 10:00. */
export const BITMEX_MIDNIGHT_SECONDS = 14 * 3600;

/** The first leg: 10:00 → 10:45 UTC on 12 March 2020, to $5,678 (LedgerPrime); the scenario starts at 10:00. */
export const BITMEX_FIRST_LEG_SECONDS = 45 * 60;

/**
 * BitMEX XBTUSD, 2020-03-12 10:00 UTC to the outage at 02:16 UTC on the 13th ("Black Thursday"): two legs down,
 * $7,353 → $5,678 → $3,596, an insurance fund of over 35,000 XBT whose largest fall, 2,606 XBT, came on the 13th, and no ADL.
 */
export const BITMEX_2020_03_12: Crash = {
  name: "BitMEX XBTUSD, 2020-03-12",
  scenario: "scenarios/2020-03-12-bitmex.yaml",
  minimumHits: 4,
  targets: [
    {
      id: "no-adl",
      published: '"On 12 and 13 March, despite the extreme market movement ADL was completely prevented"',
      source: BITMEX_BLOG,
      checks: [{ figure: "pathHasAdl", band: [0, 0.05] }],
    },
    {
      id: "fund-drawdown",
      published:
        "the fund's largest fall was 2,606 XBT (13 March), 7.4% of a fund of over 35,000 XBT; 5,652 XBT (16%) had the engine closed its positions at the mark",
      source: `${BITMEX_BLOG}; the fund's size: Cointelegraph's report of the blog, March 2020, reposted at fastcrypto.trade/?p=102697 ("a bank of over 35,000 BTC")`,
      checks: [{ figure: "fundMaxDrawdown", band: [0.03, 0.16] }],
    },
    {
      id: "worst-fall-on-13-march",
      published:
        "the fund's largest decline (2,606 XBT) occurred on 13 March: after midnight, in the second leg, not on the 12th",
      source: BITMEX_BLOG,
      checks: [{ figure: "fundLargestFallLate", band: [0.9, 1], param: BITMEX_MIDNIGHT_SECONDS }],
    },
    {
      id: "first-leg-share",
      published:
        "over $700M liquidated in the first leg (to $5,678 by 10:45) of $876M on 12 March and ≈ $450M of longs early on 13 March: 53–66% of the window's liquidations",
      source: `${LEDGERPRIME}; Skew's daily figures in Cointelegraph's report of the BitMEX blog (reposted at fastcrypto.trade/?p=102697: $876M on 12 March) and cryptoadventure.com, "Bitcoin's Freefall Sees BitMEX Take a Massive Tumble" (2020-03-13: ≈ $450M of longs early on 13 March)`,
      checks: [{ figure: "liquidatedShareOfFirstLeg", band: [0.45, 0.7], param: BITMEX_FIRST_LEG_SECONDS }],
    },
  ],
};
