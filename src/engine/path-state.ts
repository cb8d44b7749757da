// The path's scalar state that several concerns read (assembly/path-state.ts is the kernel's twin): the seed, the
// path, its step and round, the step a per-step cap blocked, and the mark-independent totals of the record. The
// reference engine's state object (src/engine/state.ts) extends it, so that every concern reads them as `st.step`.

/** Who writes each field is said beside it: one module each (the others only read). */
export class PathState {
  /** The run's seed (cascade.ts prepare()). */
  seedLo = 0;
  seedHi = 0;
  /** The path, its step and its cascade round (cascade.ts: the step loop). */
  path = 0;
  step = 0;
  round = 0;
  /** The step in which a per-step cap was reached: no further liquidation in it (ledger.ts capCheck). */
  blockedStep = 0;
  /** Liquidations (whole closes, slices, kicks, takeovers, repayments) and what they filled (the mechanisms, ledger.ts). */
  liquidations = 0;
  liquidatedNotional = 0;
  /** The fills' slippage against the mark, and their value at the mark (avgSlippage = slipValue / markedValue). */
  slipValue = 0;
  markedValue = 0;
  /** ADL closures and their notional (adl.ts, loss-allocation.ts). */
  adlCount = 0;
  adlNotional = 0;

  /** Path `path` starts: its step, round and totals from zero. */
  startPath(path: number): void {
    this.path = path;
    this.step = 0;
    this.round = 0;
    this.blockedStep = 0;
    this.liquidations = 0;
    this.liquidatedNotional = 0;
    this.slipValue = 0;
    this.markedValue = 0;
    this.adlCount = 0;
    this.adlNotional = 0;
  }
}
