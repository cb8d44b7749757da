// Every region the kernel uses, carved once in init(): nothing is allocated after it, so the host's
// typed-array views over these regions never detach.

export let params = new StaticArray<f64>(0);
export let tierFloor = new StaticArray<f64>(0);
export let tierMmr = new StaticArray<f64>(0);
export let tierAmount = new StaticArray<f64>(0);
export let tierMaxLeverage = new StaticArray<f64>(0);
export let bidProfile = new StaticArray<f64>(0);
export let askProfile = new StaticArray<f64>(0);
export let shocks = new StaticArray<f64>(0);
export let returns = new StaticArray<f64>(0);
export let decay = new StaticArray<f64>(0);

// accounts (struct of arrays) and their ladder
export let accIsLong = new StaticArray<i32>(0);
export let accSize = new StaticArray<f64>(0);
export let accEntry = new StaticArray<f64>(0);
export let accCollateral = new StaticArray<f64>(0);
export let accLiq = new StaticArray<f64>(0);
export let accBankrupt = new StaticArray<f64>(0);
export let longOrder = new StaticArray<i32>(0);
export let longLiq = new StaticArray<f64>(0);
export let shortOrder = new StaticArray<i32>(0);
export let shortLiq = new StaticArray<f64>(0);
export let longCount: i32 = 0;
export let shortCount: i32 = 0;

// per-path state of accounts and book
export let cash = new StaticArray<f64>(0);
export let deadEpoch = new StaticArray<i32>(0);
export let bidDepth = new StaticArray<f64>(0);
export let askDepth = new StaticArray<f64>(0);
export let bidSeen = new StaticArray<i32>(0);
export let askSeen = new StaticArray<i32>(0);
export let bidEpoch = new StaticArray<i32>(0);
export let askEpoch = new StaticArray<i32>(0);
export let adlOrder = new StaticArray<i32>(0);
export let adlScore = new StaticArray<f64>(0);

export let records = new StaticArray<f64>(0);
export let ledger = new StaticArray<f64>(4);

export function setLadderCounts(longs: i32, shorts: i32): void {
  longCount = longs;
  shortCount = shorts;
}

export let capAccounts: i32 = 0;
export let capLevels: i32 = 0;
export let capSteps: i32 = 0;
export let capTiers: i32 = 0;
export let capReturns: i32 = 0;
export let capBatch: i32 = 0;
export let initialised = false;

export function carve(accounts: i32, levels: i32, steps: i32, tiers: i32, nReturns: i32, batch: i32): void {
  params = new StaticArray<f64>(32);
  tierFloor = new StaticArray<f64>(tiers);
  tierMmr = new StaticArray<f64>(tiers);
  tierAmount = new StaticArray<f64>(tiers);
  tierMaxLeverage = new StaticArray<f64>(tiers);
  bidProfile = new StaticArray<f64>(levels + 2);
  askProfile = new StaticArray<f64>(levels + 2);
  shocks = new StaticArray<f64>(steps + 1);
  returns = new StaticArray<f64>(nReturns > 0 ? nReturns : 1);
  decay = new StaticArray<f64>(steps + 1);
  accIsLong = new StaticArray<i32>(accounts);
  accSize = new StaticArray<f64>(accounts);
  accEntry = new StaticArray<f64>(accounts);
  accCollateral = new StaticArray<f64>(accounts);
  accLiq = new StaticArray<f64>(accounts);
  accBankrupt = new StaticArray<f64>(accounts);
  longOrder = new StaticArray<i32>(accounts);
  longLiq = new StaticArray<f64>(accounts);
  shortOrder = new StaticArray<i32>(accounts);
  shortLiq = new StaticArray<f64>(accounts);
  cash = new StaticArray<f64>(accounts);
  deadEpoch = new StaticArray<i32>(accounts);
  bidDepth = new StaticArray<f64>(levels + 2);
  askDepth = new StaticArray<f64>(levels + 2);
  bidSeen = new StaticArray<i32>(levels + 2);
  askSeen = new StaticArray<i32>(levels + 2);
  bidEpoch = new StaticArray<i32>(levels + 2);
  askEpoch = new StaticArray<i32>(levels + 2);
  adlOrder = new StaticArray<i32>(accounts);
  adlScore = new StaticArray<f64>(accounts);
  records = new StaticArray<f64>(batch * 16);
  capAccounts = accounts;
  capLevels = levels;
  capSteps = steps;
  capTiers = tiers;
  capReturns = nReturns;
  capBatch = batch;
  initialised = true;
}
