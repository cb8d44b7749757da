// engine backstop (Hyperliquid's liquidator vault): the takeover below a fraction of maintenance margin and the
// vault's unwinding on the book (src/engine/reference.ts, same arithmetic in the same order).
import { P_BACKSTOP_FRACTION, P_VAULT_UNWIND } from "./abi";
import * as book from "./book";
import * as margin from "./margin-model";
import { accEntry, curColl, curSize, params } from "./state";
import { closeAccount } from "./per-account";
import * as C from "./cascade";
import * as T from "./trace";

/** Whether the vault takes account i over (equity below the threshold, and the vault can absorb it). */
export function backstopTakes(i: i32, s: f64, mark: f64): bool {
  const q = unchecked(curSize[i]);
  const c = unchecked(curColl[i]);
  const upnl = s * q * (mark - unchecked(accEntry[i]));
  const equity = c + upnl;
  if (!(equity < unchecked(params[P_BACKSTOP_FRACTION]) * margin.requirement(s, q, mark, unchecked(accEntry[i])))) return false;
  if (!(C.vaultCash > 0 && C.vaultCash + equity >= 0)) return false;
  // the position changes hands at the mark: its PnL is realised against its counterparties, the vault gets the equity
  C.makers -= upnl;
  C.vaultCash += equity;
  closeAccount(i, 0);
  // the trader loses its collateral; a negative equity is a loss beyond it, which the vault absorbs
  C.liquidatedPnl -= c;
  if (equity < 0) C.shortfall += -equity;
  if (s > 0) {
    C.vaultLongQ += q;
    C.vaultLongCost += q * mark;
  } else {
    C.vaultShortQ += q;
    C.vaultShortCost += q * mark;
  }
  const notional = q * mark;
  C.liquidations++;
  C.liquidatedNotional += notional;
  C.markedValue += notional;
  if (C.capsOn) C.capCheck(notional, 0);
  // the vault took q units at the mark (fund unchanged, the vault after it)
  if (T.tracing) T.event(T.K_BACKSTOP, i, s, q, mark, unchecked(accEntry[i]) - (s * c) / q, notional, -1);
  return true;
}

/** The vault sells (buys back) unwindPerStep of each side of its inventory on the book. */
export function unwindVault(): void {
  const u = unchecked(params[P_VAULT_UNWIND]);
  if (C.vaultLongQ > 0) {
    const qx = u * C.vaultLongQ;
    const cost = u * C.vaultLongCost;
    const sold = book.sell(qx);
    const pnl = sold - cost;
    C.vaultCash += pnl;
    C.makers -= pnl;
    C.vaultLongQ -= qx;
    C.vaultLongCost -= cost;
    if (T.tracing) T.event(T.K_UNWIND, -1, 1, qx, sold / qx, NaN, sold, -1);
  }
  if (C.vaultShortQ > 0) {
    const qx = u * C.vaultShortQ;
    const cost = u * C.vaultShortCost;
    const bought = book.buy(qx);
    const pnl = cost - bought;
    C.vaultCash += pnl;
    C.makers -= pnl;
    C.vaultShortQ -= qx;
    C.vaultShortCost -= cost;
    if (T.tracing) T.event(T.K_UNWIND, -1, -1, qx, bought / qx, NaN, bought, -1);
  }
}
