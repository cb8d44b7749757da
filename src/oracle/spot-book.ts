// A thin spot market the attacker buys through: ask levels walked from the cheapest up, each fill paid to the
// level's seller. The last trade price is what a last-trade oracle reads, so walking the book moves the oracle.

/** One resting sell order: `size` units offered at `price` (quote per unit). */
export interface AskLevel {
  price: number;
  size: number;
}

/** What one buy did: quote paid, units received, and the last trade price afterwards. */
export interface SpotFill {
  spent: number;
  bought: number;
  lastTradePrice: number;
}

/**
 * A geometric ask ladder from `from` to `to` (both included) with the same quote notional at every level, the
 * usual shape of a thin book: the cost of moving the price by a factor grows with log(factor), not with it.
 */
export function geometricAskLadder(from: number, to: number, levels: number, notionalPerLevel: number): AskLevel[] {
  const ratio = levels > 1 ? Math.pow(to / from, 1 / (levels - 1)) : 1;
  const asks: AskLevel[] = [];
  for (let i = 0; i < levels; i++) {
    const price = i === levels - 1 ? to : from * Math.pow(ratio, i);
    asks.push({ price, size: notionalPerLevel / price });
  }
  return asks;
}

/** An ask-only book (nobody sells back during the attack window: the thin side is the one that matters). */
export class SpotBook {
  private readonly asks: AskLevel[];
  private next = 0;
  private last: number;
  /** Quote paid to the sellers so far: it leaves the buyer and goes to them. */
  sellersProceeds = 0;

  /** `asks` sorted by ascending price (copied: the caller's array is left alone). */
  constructor(asks: readonly AskLevel[], lastTradePrice: number) {
    this.asks = asks.map((level) => ({ ...level }));
    this.last = lastTradePrice;
  }

  get lastTradePrice(): number {
    return this.last;
  }

  /**
   * Buys every ask priced at or below `priceLimit`, cheapest first, spending at most `budget`; a level the
   * budget cannot finish is filled in part. Stops at the first level above the limit, so the last trade is the
   * highest price paid and never exceeds `priceLimit`.
   */
  buyUpTo(priceLimit: number, budget: number): SpotFill {
    let spent = 0;
    let bought = 0;
    while (this.next < this.asks.length) {
      const level = this.asks[this.next];
      const left = budget - spent;
      if (level.price > priceLimit || left <= 0) break;
      this.last = level.price;
      const levelCost = level.price * level.size;
      if (levelCost <= left) {
        spent += levelCost;
        bought += level.size;
        level.size = 0;
        this.next++;
      } else {
        // The budget runs out inside this level: take what it pays for, the rest stays on the book.
        const units = left / level.price;
        spent += left;
        bought += units;
        level.size -= units;
        break;
      }
    }
    this.sellersProceeds += spent;
    return { spent, bought, lastTradePrice: this.last };
  }
}
