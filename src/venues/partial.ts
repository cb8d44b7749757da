// Partial liquidation by slices with a cooldown, and a backstop vault that takes an account over below a threshold:
// the two rules the `partial` and `backstop` engines run, with Hyperliquid's documented parameters as one instance.
//
// Source for the parameters: hyperliquid.gitbook.io/hyperliquid-docs/trading/liquidations ("For liquidatable
// positions larger than 100k USDC ... only 20% of the position will be sent as a market liquidation order to the
// book. After a block where any position of a user is partially liquidated, there is a cooldown period of 30 seconds.
// During this cooldown period, all market liquidation orders for that user will be for the entire position."; "If the
// account equity drops below 2/3 of the maintenance margin without successful liquidation through the book, a
// backstop liquidation happens through the liquidator vault"; "the maintenance margin is half of the initial margin
// at max leverage"), and the same text in Hyperliquid's announcement of partial liquidations.
// Note the docs' cooldown is not a pause: inside it a liquidation order is for the whole position. The other reading,
// one slice per cooldown and nothing in between, is the generic engine (duringCooldown "wait"). No public numeric
// example exists for either; test/config/venues.test.ts checks the defining behaviour of each.

export interface PartialLiquidationRule {
  /** Positions with a notional above this are liquidated in slices; smaller ones whole. */
  minNotional: number;
  /** Slice as a fraction of the position when the order is sent, in (0, 1]. */
  fraction: number;
  cooldownSeconds: number;
  /** A liquidation order within the cooldown after a partial one is for the whole position ("full") or none ("wait"). */
  duringCooldown: "full" | "wait";
}

/** Hyperliquid: 20% slices of positions over 100k USDC; within 30 s of a partial liquidation, the whole position. */
export const HYPERLIQUID_PARTIAL: PartialLiquidationRule = {
  minNotional: 100_000,
  fraction: 0.2,
  cooldownSeconds: 30,
  duringCooldown: "full",
};

export interface LiquidationOrder {
  /** Base units to sell (long) or buy (short); 0 when the engine waits. */
  size: number;
  /** Whether this order is a partial one (the caller then starts the cooldown: lastPartialTime = now). */
  partial: boolean;
}

/**
 * The size of the liquidation order for a liquidatable position of `size` base units and `notional` quote, at time
 * `now` (seconds), the account's last partial liquidation having been at `lastPartialTime` (−Infinity if never).
 */
export function liquidationOrderSize(
  rule: PartialLiquidationRule,
  size: number,
  notional: number,
  now: number,
  lastPartialTime: number,
): LiquidationOrder {
  if (!(notional > rule.minNotional)) return { size, partial: false };
  if (now - lastPartialTime < rule.cooldownSeconds)
    return rule.duringCooldown === "full" ? { size, partial: false } : { size: 0, partial: false };
  return { size: size * rule.fraction, partial: true };
}

export interface BackstopRule {
  /** The vault takes the account over when equity < this fraction of maintenance margin (Hyperliquid: 2/3). */
  equityFractionOfMaintenance: number;
}

export const HYPERLIQUID_BACKSTOP: BackstopRule = { equityFractionOfMaintenance: 2 / 3 };

/** Whether the backstop takes the account over: equity strictly below the fraction of its maintenance margin. */
export function backstopTriggered(equity: number, maintenance: number, rule: BackstopRule): boolean {
  return equity < rule.equityFractionOfMaintenance * maintenance;
}

export interface BackstopTakeover {
  /** The vault's capital after absorbing the account (its positions at the mark and its collateral). */
  vaultCapital: number;
  /** Loss no one has covered: the account's negative equity beyond the vault's capital (then ADL). */
  badDebt: number;
}

/**
 * The vault takes over positions and collateral, worth the account's equity at the mark: a positive equity (the
 * maintenance buffer the user loses) adds to the vault, a negative one is paid from it until it is spent.
 */
export function backstopTakeover(accountEquity: number, vaultCapital: number): BackstopTakeover {
  const after = vaultCapital + accountEquity;
  return after >= 0 ? { vaultCapital: after, badDebt: 0 } : { vaultCapital: 0, badDebt: -after };
}
