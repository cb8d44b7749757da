// liquidation.engine backstop (Hyperliquid's liquidator vault): the takeover below a fraction of maintenance margin and
// the vault's unwinding on the book (src/engine/reference.ts, same arithmetic in the same order). The vault's inventory
// per side (units and their cost at the takeover marks) is this module's; its cash is money (assembly/ledger.ts).
import { P_BACKSTOP_FRACTION, P_VAULT_UNWIND } from "../abi";
import * as book from "../book";
import * as L from "../ledger";
import * as margin from "../margin-model";
import * as PS from "../path-state";
import { accEntry, curColl, curSize, params } from "../state";
import * as T from "../trace";

export let vaultLongQ: f64 = 0;
export let vaultLongCost: f64 = 0;
export let vaultShortQ: f64 = 0;
export let vaultShortCost: f64 = 0;

/** A path starts: the vault holds nothing (its cash: ledger.newPath). */
export function newPath(): void {
  vaultLongQ = 0;
  vaultLongCost = 0;
  vaultShortQ = 0;
  vaultShortCost = 0;
}

/** Whether the vault takes account i over (equity below the threshold, and the vault can absorb it). */
export function backstopTakes(i: i32, s: f64, mark: f64): bool {
  const q = unchecked(curSize[i]);
  const c = unchecked(curColl[i]);
  const upnl = s * q * (mark - unchecked(accEntry[i]));
  const equity = c + upnl;
  if (!(equity < unchecked(params[P_BACKSTOP_FRACTION]) * margin.requirement(s, q, mark, unchecked(accEntry[i])))) return false;
  if (!(L.vaultCash > 0 && L.vaultCash + equity >= 0)) return false;
  // the position changes hands at the mark: its PnL is realised against its counterparties, the vault gets the equity
  L.realise(upnl);
  L.vaultTakes(equity);
  L.closeAccount(i, 0);
  // the trader loses its collateral; a negative equity is a loss beyond it, which the vault absorbs
  L.addLiquidatedPnl(-c);
  if (equity < 0) L.addShortfall(-equity);
  absorb(s, q, mark);
  const notional = q * mark;
  PS.countLiquidation();
  PS.addMarkedFill(notional);
  if (L.capsOn) L.capCheck(notional, 0);
  // the vault took q units at the mark (fund unchanged, the vault after it)
  if (T.tracing) T.event(T.K_BACKSTOP, i, s, q, mark, unchecked(accEntry[i]) - (s * c) / q, notional, -1, L.insurance, L.vaultShown());
  return true;
}

/** The vault takes q units of side s at the mark into the selected market's inventory (cross owners' takeovers too). */
// @ts-ignore: decorator
@inline export function absorb(s: f64, q: f64, mark: f64): void {
  if (s > 0) {
    vaultLongQ += q;
    vaultLongCost += q * mark;
  } else {
    vaultShortQ += q;
    vaultShortCost += q * mark;
  }
}

/** The vault sells (buys back) unwindPerStep of each side of its inventory on the book. */
export function unwindVault(): void {
  const u = unchecked(params[P_VAULT_UNWIND]);
  if (vaultLongQ > 0) {
    const qx = u * vaultLongQ;
    const cost = u * vaultLongCost;
    const sold = book.sell(qx);
    const pnl = sold - cost;
    L.vaultRealises(pnl);
    vaultLongQ -= qx;
    vaultLongCost -= cost;
    if (T.tracing) T.event(T.K_UNWIND, -1, 1, qx, sold / qx, NaN, sold, -1, L.insurance, L.vaultShown());
  }
  if (vaultShortQ > 0) {
    const qx = u * vaultShortQ;
    const cost = u * vaultShortCost;
    const bought = book.buy(qx);
    const pnl = cost - bought;
    L.vaultRealises(pnl);
    vaultShortQ -= qx;
    vaultShortCost -= cost;
    if (T.tracing) T.event(T.K_UNWIND, -1, -1, qx, bought / qx, NaN, bought, -1, L.insurance, L.vaultShown());
  }
}

// ---- several markets (assembly/market-context.ts): this module's per-market scalars, into and out of a market's block ----
export function saveContext(b: usize): void {
  store<f64>(b, vaultLongQ, 0);
  store<f64>(b, vaultLongCost, 8);
  store<f64>(b, vaultShortQ, 16);
  store<f64>(b, vaultShortCost, 24);
}
export function loadContext(b: usize): void {
  vaultLongQ = load<f64>(b, 0);
  vaultLongCost = load<f64>(b, 8);
  vaultShortQ = load<f64>(b, 16);
  vaultShortCost = load<f64>(b, 24);
}
