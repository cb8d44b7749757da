// The oracle-manipulation attack (Mango Markets, 2022-10-11) as a deterministic step simulation: a long perp held
// against a counterparty short, a thin spot market bought to move the oracle, and borrowing against the resulting
// paper profit until the venue's initial health or its lending pool says stop.
import { type ManipulationConfig, parseManipulationConfig } from "./config.js";
import { borrowCapacity, initHealth, type MarginAccount, unrealisedPnl } from "./health.js";
import { median, OracleFeed, type OracleUpdateStatus } from "./oracle.js";
import { SpotBook } from "./spot-book.js";
import { StablePrice } from "./stable-price.js";

/** One step of the attack, after its spot buys, oracle and stable price update, and borrow. */
export interface ManipulationStep {
  step: number;
  /** Median of the spot venues' last trades this step (what the oracle reads, before lag and band). */
  spotPrice: number;
  oracle: number;
  oracleStatus: OracleUpdateStatus;
  /** The stable price, or the oracle when the venue has none. */
  stablePrice: number;
  /** The price the attacker's long is valued at in initial health: min(oracle, stable). */
  valuationPrice: number;
  /** The attacker's initial health before this step's borrow. */
  healthBeforeBorrow: number;
  /** What the attacker could borrow this step at `valuationPrice` (before the pool cap). */
  capacity: number;
  borrowedThisStep: number;
  borrowedTotal: number;
  spotSpentTotal: number;
}

/**
 * The attack's outcome. Money here is quote (USD): only four holders ever hold it — the attacker's wallet, the
 * venue's lending pool, the collateral deposited on the venue, and the spot sellers — and their sum is constant.
 */
export interface ManipulationResult {
  trace: ManipulationStep[];
  /** Quote borrowed from the pool and withdrawn to the attacker's wallet. */
  borrowed: number;
  /**
   * What the attacker could have borrowed with no help from the manipulation: its collateral's initial value,
   * plus its PnL at the pre-attack price (0 when entry = pre-attack price), over the liability weight.
   */
  honestBorrowLimit: number;
  /** max(0, borrowed − honestBorrowLimit): what the manipulation bought. */
  borrowedBeyondHonestLimit: number;
  /** Quote paid to spot sellers. */
  spotCost: number;
  /** Spot units bought (left unvalued in `profit`: a thin market cannot absorb them back at any price). */
  spotBought: number;
  /**
   * Collateral the attacker leaves on the venue when it walks away from the loans: its own deposit, plus the
   * counterparty's when the attacker owns that account too (Mango 2022: both accounts were the attacker's).
   */
  collateralLost: number;
  /**
   * Walk-away profit: borrowed − spotCost − collateralLost. The attacker keeps what it withdrew, has paid for the
   * spot buys, and abandons every deposit it made on the venue; spot inventory is valued at 0.
   */
  profit: number;
  /** True when the pool ran dry before the attacker's capacity did. */
  cappedByPool: boolean;
  poolRemaining: number;
  finalOracle: number;
  finalStablePrice: number;
  /** The counterparty short's shortfall at the final oracle: max(0, −(collateral + PnL)). */
  counterpartyShortfall: number;
  /** The four holders' quote at the end (see the interface comment): their sum equals `initialMoney`. */
  money: { attackerWallet: number; pool: number; collateralOnVenue: number; spotSellers: number };
  initialMoney: number;
}

/** Runs the attack. Validates `input` first (InputError naming each bad field). */
export function simulateManipulation(input: unknown): ManipulationResult {
  const config: ManipulationConfig = parseManipulationConfig(input);
  const { perp, attacker, counterparty, margin } = config;

  const books = config.spot.venues.map((venue) => new SpotBook(venue.asks, venue.lastTradePrice));
  const preAttackPrice = median(config.spot.venues.map((venue) => venue.lastTradePrice));
  const oracle = new OracleFeed(preAttackPrice, { lagSteps: config.oracle.lagSteps, band: config.oracle.band });
  const stable = config.stablePrice ? new StablePrice(preAttackPrice, config.stablePrice) : undefined;

  const account: MarginAccount = {
    collateral: attacker.collateral,
    perpSize: perp.size,
    perpEntryPrice: perp.entryPrice,
    borrowed: 0,
  };
  const short: MarginAccount = {
    collateral: counterparty.collateral,
    perpSize: -perp.size,
    perpEntryPrice: perp.entryPrice,
    borrowed: 0,
  };

  let wallet = attacker.spotBudget;
  let pool = config.pool.liquidity;
  const collateralOnVenue = attacker.collateral + counterparty.collateral;
  const initialMoney = wallet + pool + collateralOnVenue;

  let spotCost = 0;
  let spotBought = 0;
  let cappedByPool = false;
  const trace: ManipulationStep[] = [];

  for (let step = 0; step < config.steps; step++) {
    // 1. Push the spot venues toward this step's target, within what is left of the spot budget.
    const target =
      attacker.rampPerStep === undefined
        ? attacker.targetPrice
        : Math.min(attacker.targetPrice, preAttackPrice * Math.pow(1 + attacker.rampPerStep, step + 1));
    for (const book of books) {
      const fill = book.buyUpTo(target, attacker.spotBudget - spotCost);
      spotCost += fill.spent;
      spotBought += fill.bought;
      wallet -= fill.spent;
    }

    // 2. The oracle reads the spot median (lagged, banded); the stable price follows the oracle at its pace.
    const spotPrice = median(books.map((book) => book.lastTradePrice));
    const update = oracle.update(spotPrice);
    const stablePrice = stable ? stable.update(update.price) : update.price;
    // A long perp is an asset: initial health takes the lower of oracle and stable price.
    const valuationPrice = Math.min(update.price, stablePrice);

    // 3. Borrow all the health allows, up to what the pool holds, and withdraw it.
    const healthBeforeBorrow = initHealth(account, valuationPrice, margin);
    const capacity = borrowCapacity(account, valuationPrice, margin);
    const borrowedThisStep = Math.min(capacity, pool);
    if (capacity > pool) cappedByPool = true;
    account.borrowed += borrowedThisStep;
    pool -= borrowedThisStep;
    wallet += borrowedThisStep;

    trace.push({
      step,
      spotPrice,
      oracle: update.price,
      oracleStatus: update.status,
      stablePrice,
      valuationPrice,
      healthBeforeBorrow,
      capacity,
      borrowedThisStep,
      borrowedTotal: account.borrowed,
      spotSpentTotal: spotCost,
    });
  }

  const honestBorrowLimit = borrowCapacity({ ...account, borrowed: 0 }, preAttackPrice, margin);
  const collateralLost = attacker.collateral + (counterparty.ownedByAttacker ? counterparty.collateral : 0);
  const finalOracle = oracle.price;
  const spotSellers = books.reduce((sum, book) => sum + book.sellersProceeds, 0);

  return {
    trace,
    borrowed: account.borrowed,
    honestBorrowLimit,
    borrowedBeyondHonestLimit: Math.max(0, account.borrowed - honestBorrowLimit),
    spotCost,
    spotBought,
    collateralLost,
    profit: account.borrowed - spotCost - collateralLost,
    cappedByPool,
    poolRemaining: pool,
    finalOracle,
    finalStablePrice: stable ? stable.price : finalOracle,
    counterpartyShortfall: Math.max(0, -(short.collateral + unrealisedPnl(short, finalOracle))),
    money: { attackerWallet: wallet, pool, collateralOnVenue, spotSellers },
    initialMoney,
  };
}
