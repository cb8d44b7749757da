// The oracle a venue margins with: built from spot venues' last trades (median), optionally read `lagSteps` steps
// late, and optionally held inside a price band around the previous accepted price.
//
// The 2022 Mango v3 MNGO oracle took the spot price of a few thin venues with no band (post-mortems, e.g.
// perpprotocol.mirror.xyz "Dissecting the Mango Markets Exploit": "a simple median price from just three
// exchanges"), so buying those venues moved it one for one: the `band: undefined, lagSteps: 0` case here.

/** Median of the venues' prices (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error("median of no values");
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * How an update that moves more than `fraction` from the previous accepted price is handled:
 * - `clamp`: accepted at the band edge. The oracle follows any move, at most (1 ± fraction) per step, so an
 *   attacker gets there too, only slower: after N steps the oracle is at most p0 · (1 + fraction)^N.
 * - `reject`: ignored, the previous price stands. A one-step pump never gets in, but neither does a genuine gap
 *   (the oracle goes stale until the market comes back inside the band), and a walk of < `fraction` per step
 *   passes in full.
 */
export type BandMode = "clamp" | "reject";

export interface PriceBand {
  fraction: number;
  mode: BandMode;
}

export interface OracleOptions {
  /** The oracle reads the spot median of `lagSteps` steps ago (0: the current step). */
  lagSteps: number;
  band?: PriceBand;
}

export type OracleUpdateStatus = "accepted" | "clamped" | "rejected";

export class OracleFeed {
  private accepted: number;
  /** Spot medians not yet visible to the oracle, oldest first. */
  private readonly pending: number[] = [];

  constructor(
    initialPrice: number,
    private readonly options: OracleOptions,
  ) {
    this.accepted = initialPrice;
    // Before the window the market sat at the initial price: that is what a lagged oracle reads first.
    for (let i = 0; i < options.lagSteps; i++) this.pending.push(initialPrice);
  }

  get price(): number {
    return this.accepted;
  }

  /** Feeds this step's spot median; returns what the oracle did with the (lagged) candidate. */
  update(spotMedian: number): { price: number; candidate: number; status: OracleUpdateStatus } {
    this.pending.push(spotMedian);
    const candidate = this.pending.shift() as number;
    const band = this.options.band;
    let status: OracleUpdateStatus = "accepted";
    if (band === undefined) {
      this.accepted = candidate;
    } else {
      const low = this.accepted * (1 - band.fraction);
      const high = this.accepted * (1 + band.fraction);
      if (candidate >= low && candidate <= high) {
        this.accepted = candidate;
      } else if (band.mode === "clamp") {
        this.accepted = Math.min(Math.max(candidate, low), high);
        status = "clamped";
      } else {
        status = "rejected";
      }
    }
    return { price: this.accepted, candidate, status };
  }
}
