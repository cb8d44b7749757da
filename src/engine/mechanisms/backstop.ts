// liquidation.engine backstop (Hyperliquid's liquidator vault; assembly/mechanisms/backstop.ts is the kernel's twin):
// below a fraction of its requirement an account is taken over whole by the vault at the mark, if the vault can absorb
// it; the vault then unwinds its inventory on the book, a share per step. The vault's state is this module's.

import { P } from "../layout.js";
import type { RefState } from "../state.js";
import { KIND } from "../trace.js";
import { capCheck, closeAccount } from "../ledger.js";

export class Backstop {
  /** The vault's inventory in this market per side (units and their cost at the takeover marks; its cash is the venue's). */
  vaultLongQ = 0;
  private vaultLongCost = 0;
  vaultShortQ = 0;
  private vaultShortCost = 0;

  constructor(private readonly st: RefState) {}

  /** The vault starts each path with no inventory (and its capital: VenueLedger.newPath). */
  newPath(): void {
    this.vaultLongQ = 0;
    this.vaultLongCost = 0;
    this.vaultShortQ = 0;
    this.vaultShortCost = 0;
  }

  /** Whether the vault takes account i over (equity below the threshold, and the vault can absorb it). */
  takes(i: number, s: number, mark: number): boolean {
    const st = this.st;
    const p = st.p;
    const q = st.curSize[i];
    const c = st.curColl[i];
    const upnl = s * q * (mark - st.pop.entry[i]);
    const equity = c + upnl;
    if (!(equity < p[P.backstopFraction] * st.model.requirement(s, q, mark, st.pop.entry[i]))) return false;
    if (!(st.venue.vaultCash > 0 && st.venue.vaultCash + equity >= 0)) return false;
    // the position changes hands at the mark: its PnL is realised against its counterparties, the vault gets the equity
    st.venue.makers -= upnl;
    st.venue.vaultCash += equity;
    st.cash[i] = 0;
    closeAccount(st, i, s, q);
    // the trader loses its collateral; a negative equity is a loss beyond it, which the vault absorbs
    st.venue.liquidatedPnl -= c;
    if (equity < 0) st.venue.shortfall += -equity;
    this.absorb(s, q, mark);
    const notional = q * mark;
    st.liquidations++;
    st.liquidatedNotional += notional;
    st.markedValue += notional;
    const onLiquidation = st.onLiquidation;
    if (onLiquidation) onLiquidation({ step: st.step, round: st.round, account: i, side: s, size: q, notional, whole: true });
    capCheck(st, notional, 0);
    // the vault took q units at the mark (fund unchanged, the vault after it)
    st.trace?.event(KIND.backstop, i, s, q, mark, st.pop.entry[i] - (s * c) / q, notional, -1);
    return true;
  }

  /** The vault takes q units of side s at the mark into its inventory (a takeover here, or a cross owner's leg). */
  absorb(s: number, q: number, mark: number): void {
    if (s > 0) {
      this.vaultLongQ += q;
      this.vaultLongCost += q * mark;
    } else {
      this.vaultShortQ += q;
      this.vaultShortCost += q * mark;
    }
  }

  /** The vault sells (buys back) its unwind share per step of each side of its inventory on the book. */
  unwind(): void {
    const st = this.st;
    const u = st.p[P.vaultUnwind];
    if (this.vaultLongQ > 0) {
      const qx = u * this.vaultLongQ;
      const cost = u * this.vaultLongCost;
      const sold = st.book.sell(qx);
      const pnl = sold - cost;
      st.venue.vaultCash += pnl;
      st.venue.makers -= pnl;
      this.vaultLongQ -= qx;
      this.vaultLongCost -= cost;
      st.trace?.event(KIND["vault-unwind"], -1, 1, qx, sold / qx, NaN, sold, -1);
    }
    if (this.vaultShortQ > 0) {
      const qx = u * this.vaultShortQ;
      const cost = u * this.vaultShortCost;
      const bought = st.book.buy(qx);
      const pnl = cost - bought;
      st.venue.vaultCash += pnl;
      st.venue.makers -= pnl;
      this.vaultShortQ -= qx;
      this.vaultShortCost -= cost;
      st.trace?.event(KIND["vault-unwind"], -1, -1, qx, bought / qx, NaN, bought, -1);
    }
  }
}
